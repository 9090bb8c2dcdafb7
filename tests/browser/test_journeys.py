"""Journeys in a real browser (headless Chromium): what a member does, with the mouse and with
the keyboard alone, and axe-core on every page they see, in French and English, on a desktop
and at phone width."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlmodel import select

from consult.db import get_session
from consult.models import Consultation, Contribution, Member, Vote
from tests.browser.conftest import PHONE, WINDOW


def member_of(live):
    return next(email for email, role in live.demo.accounts if role == "member")


def open_consultation(app):
    with app.app_context():
        return get_session().exec(
            select(Consultation).where(Consultation.status == "open")).first()


def recorded(app, consultation_id, email):
    """The member's contributions in the consultation and the votes cast under their
    pseudonym there, read from the database."""
    with app.app_context():
        db = get_session()
        member = db.exec(select(Member).where(Member.email == email)).one()
        mine = list(db.exec(select(Contribution).where(
            Contribution.consultation_id == consultation_id,
            Contribution.author_id == member.id)))
        refs = {c.participant_ref for c in mine}
        votes = list(db.exec(select(Vote).join(Contribution).where(
            Contribution.consultation_id == consultation_id, Vote.latest,
            Vote.participant_ref.in_(refs))))
        return mine, votes


def sign_in(page, email, password):
    page.open("/login")
    page.check("login")
    page.find("#email").send_keys(email)
    page.find("#password").send_keys(password)
    page.submit_with(page.find("form button[type=submit]"))
    assert page.path() != "/login", page.text()
    page.check("home")


def test_member_signs_in_contributes_and_votes(app, page, live):
    email, password = member_of(live), live.demo.password
    consultation = open_consultation(app)
    before, votes_before = recorded(app, consultation.id, email)

    sign_in(page, email, password)
    page.open("/consultations")
    page.check("consultations")
    page.submit_with(page.find(f"a[href$='/consultations/{consultation.id}']"))
    page.check("consultation")

    consent = page.driver.find_elements(By.CSS_SELECTOR, "#accept")
    if consent:
        consent[0].click()
        page.submit_with(page.find("#contribuer form button[type=submit]"))
        page.check("consented")

    words = "Navigateur : que l'IA propose des trajets, mais qu'une personne décide toujours."
    page.find("#text").send_keys(words)
    page.find("input[name=stance][value=for]").click()
    page.submit_with(page.find("#contribuer form button[type=submit]"))
    page.check("contributed")
    assert words in page.find("#mes-contributions").text

    page.submit_with(page.find("main a.button-secondary"))  # "Voter sur les contributions"
    page.check("cards")
    card = page.find(".vote-card .card-text").text
    page.submit_with(page.find(".vote-buttons .vote-agree"))
    page.check("voted")

    mine, votes = recorded(app, consultation.id, email)
    new = [c for c in mine if c.id not in {b.id for b in before}]
    assert [(c.text, c.stance) for c in new] == [(words, "for")]
    cast = [v for v in votes if v not in votes_before]
    assert len(cast) == 1 and cast[0].value == 1
    with app.app_context():
        voted_on = get_session().get(Contribution, cast[0].contribution_id)
        assert voted_on.author_id != new[0].author_id
        assert card in (voted_on.redacted_text, voted_on.text)

    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("en", *PHONE)
    page.recheck_visited("fr", *PHONE)


def test_member_signs_in_contributes_and_votes_with_the_keyboard_alone(app, page, live):
    email, password = member_of(live), live.demo.password
    consultation = open_consultation(app)

    page.open("/login")
    page.walk_tab_order()
    page.open("/login")
    page.tab_to("#email")
    page.press(email)
    page.tab_to("#password")
    page.press(password)
    page.press_and_wait(Keys.ENTER)
    assert page.path() != "/login", page.text()
    page.check("keyboard-home")

    page.walk_tab_order()
    page.open("/consultations")
    page.tab_to(f"main a[href$='/consultations/{consultation.id}']")
    page.press_and_wait(Keys.ENTER)
    assert page.path() == f"/consultations/{consultation.id}"
    page.check("keyboard-consultation")
    page.walk_tab_order()

    page.open(page.path())
    if page.driver.find_elements(By.CSS_SELECTOR, "#accept"):
        page.tab_to("#accept")
        page.press(Keys.SPACE)
        page.tab_to("#contribuer form button[type=submit]")
        page.press_and_wait(Keys.ENTER)
        page.check("keyboard-consented")

    words = "Au clavier seulement : je propose que chaque suggestion de l'IA soit relue."
    page.tab_to("#text")
    page.press(words)
    page.tab_to("input[name=stance]")
    # inside a radio group the arrow keys move the choice (Tab leaves the group): the first
    # option is "no position", the next one "for"
    page.press(Keys.ARROW_DOWN)
    page.press(Keys.SPACE)
    stance = page.driver.switch_to.active_element.get_attribute("value")
    assert stance and page.focus_problem() == ""
    page.tab_to("#contribuer form button[type=submit]")
    page.press_and_wait(Keys.ENTER)
    page.check("keyboard-contributed")
    assert words in page.find("#mes-contributions").text

    mine, votes_before = recorded(app, consultation.id, email)
    assert (words, stance) in [(c.text, c.stance) for c in mine]

    page.tab_to("main a.button-secondary")  # "Voter sur les contributions"
    page.press_and_wait(Keys.ENTER)
    page.check("keyboard-cards")
    page.walk_tab_order()
    page.open(page.path())
    page.tab_to(".vote-buttons .vote-disagree")
    page.press_and_wait(Keys.ENTER)
    page.check("keyboard-voted")
    _mine, votes = recorded(app, consultation.id, email)
    assert [v.value for v in votes if v not in votes_before] == [-1]


PDF_JS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(async r => done({status: r.status, type: r.headers.get('content-type'),
                         start: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))}))
  .catch(error => done({error: String(error)}));
"""


@pytest.fixture
def analysed(app, demo):
    """The demo's closed consultation analysed (spaCy: slow)."""
    from consult.services.analysis import analyse_now

    with app.app_context():
        db = get_session()
        consultation = db.exec(select(Consultation).where(
            Consultation.status == "closed")).first()
        analyse_now(db, None, consultation.id, mode="fast")
        return consultation.id


def theme_labels(app, consultation_id):
    from consult.services import workspace
    from consult.services.explorer import read_analysis

    with app.app_context():
        db = get_session()
        return [t.label for t in read_analysis(db, workspace.done_run(db, consultation_id)).themes]


@pytest.mark.slow  # the analysis loads spaCy
def test_facilitator_renames_a_theme_and_downloads_the_draft_synthesis(app, analysed, page, live):
    email = next(email for email, role in live.demo.accounts if role == "facilitator")
    sign_in(page, email, live.demo.password)

    page.open(f"/facilitate/consultations/{analysed}/analysis")
    page.check("analysis")
    page.submit_with(page.find(f"main a[href$='/facilitate/consultations/{analysed}']"))
    page.check("consultation")
    page.submit_with(page.find(f"main a[href$='/consultations/{analysed}/themes']"))
    page.check("explorer")
    page.submit_with(page.find("main h3 a[href*='/themes/']"))
    page.check("theme")

    label = page.find("#rename-label")
    label.clear()
    label.send_keys("Trajets plus courts")
    page.submit_with(page.find("form[action$='/rename'] button[type=submit]"))
    page.check("renamed")
    assert "Trajets plus courts" in page.text()
    assert "Trajets plus courts" in theme_labels(app, analysed)

    page.open(f"/facilitate/consultations/{analysed}/themes")
    page.submit_with(page.find(f"main a[href$='/consultations/{analysed}/synthesis']"))
    page.check("synthesis")
    assert "Trajets plus courts" in page.text()
    href = page.find("main a[href$='/synthesis/draft.pdf']").get_attribute("href")
    pdf = page.driver.execute_async_script(PDF_JS, href)
    assert pdf == {"status": 200, "type": "application/pdf", "start": "%PDF-"}, pdf

    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("fr", *PHONE)
