"""The board's journey in a real browser: a board member writes an amendment of the AI charter
and puts it to the general assembly; a member gives their proxy to another member of their
college, who votes for both; the board closes the vote and the amendment becomes the charter in
force. axe-core on every page, in French, then in English and at phone width."""

import json
from datetime import UTC, timedelta

from selenium.webdriver.support.ui import Select
from sqlmodel import select

from consult.db import get_session
from consult.demo import email_for
from consult.models import Ballot, CharterVersion, Member, Motion, Proxy, utcnow
from tests.browser.conftest import PHONE, WINDOW
from tests.browser.test_journeys import sign_in

BOARD = "Nadia Benali"  # board, college Salariés
GIVER = "Mathieu Rivallain"  # member, college Salariés
HOLDER = "Thomas Guérin"  # member, college Salariés
PRINCIPLE = ("Ouverture", "Nos outils d'IA sont du logiciel libre quand c'est possible.")


def founding_charter(app):
    """The founding charter in force (the demo's CLI seeds it; the test fixture does not)."""
    from consult.services.audit_log import signer_for
    from consult.services.charter import seed_charter

    with app.app_context():
        seed_charter(get_session(), signer_for(app.config))


def versions(app):
    with app.app_context():
        return [(v.number, v.status) for v in get_session().exec(
            select(CharterVersion).order_by(CharterVersion.number))]


def member_id(app, name):
    with app.app_context():
        return get_session().exec(select(Member.id).where(
            Member.email == email_for(name))).one()


def as_person(page, live, name):
    page.driver.delete_all_cookies()
    sign_in(page, email_for(name), live.demo.password)


def set_value(page, css, value):
    """A date-time field filled as its picker would (Chromium's picker takes no typed text the
    same way in every locale)."""
    page.driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        page.find(css), value)


def move_back(app, motion_id):
    """The motion's whole history moved back in time, so that its closing time is past."""
    def aware(moment):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    with app.app_context():
        db = get_session()
        motion = db.get(Motion, motion_id)
        delta = aware(motion.closes_at) - utcnow() + timedelta(minutes=1)
        rows = [motion, *db.exec(select(Proxy).where(Proxy.motion_id == motion_id)),
                *db.exec(select(Ballot).where(Ballot.motion_id == motion_id))]
        for row in rows:
            for name in ("opens_at", "closes_at", "created_at"):
                if getattr(row, name, None) is not None:
                    setattr(row, name, aware(getattr(row, name)) - delta)
            db.add(row)
        db.commit()


def test_the_board_puts_an_amendment_to_the_assembly_and_a_proxy_votes_it_in(app, page, live):
    founding_charter(app)
    assert versions(app) == [(1, "adopted")]

    # The board writes an amendment: the seven principles kept, one added.
    as_person(page, live, BOARD)
    page.open("/charte")
    page.check("charter")
    page.submit_with(page.find("main a.button[href$='/charte/projets/nouveau']"))
    page.check("amendment-form")
    page.find("#summary").send_keys("Un principe d'ouverture.")
    page.find("#principles-7-title").send_keys(PRINCIPLE[0])
    page.find("#principles-7-text").send_keys(PRINCIPLE[1])
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("amendment")
    assert PRINCIPLE[1] in page.text()
    assert versions(app) == [(1, "adopted"), (2, "draft")]
    with app.app_context():
        draft = get_session().exec(select(CharterVersion).where(
            CharterVersion.status == "draft")).one()

    # ... and puts it to the general assembly, one member one vote.
    page.open("/conseil")
    page.check("board")
    page.submit_with(page.find("main a[href$='/conseil/motions/nouvelle']"))
    page.check("motion-form")
    page.find("#title").send_keys("Adopter la version 2 de la charte")
    page.find("#text").send_keys("L'assemblée adopte l'amendement qui ajoute l'ouverture.")
    Select(page.find("#subject")).select_by_value("charter")
    page.find("#subject_id").send_keys(str(draft.id))
    page.find("input[name=body][value=assembly]").click()
    page.find("input[name=method][value=one_member_one_vote]").click()
    closes = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT12:00")
    set_value(page, "#closes_at", closes)
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("motion")
    with app.app_context():
        motion = get_session().exec(select(Motion)).one()
    assert (motion.status, motion.body, motion.subject, motion.subject_id) == (
        "open", "assembly", "charter", draft.id)
    assert page.path() == f"/conseil/motions/{motion.id}"

    # A member gives their proxy to another member of their college.
    as_person(page, live, GIVER)
    page.open("/votes")
    page.check("votes")
    page.submit_with(page.find(f"main a[href$='/votes/{motion.id}']"))
    page.check("vote")
    Select(page.find("#holder")).select_by_value(str(member_id(app, HOLDER)))
    page.submit_with(page.find("#donner-pouvoir ~ form button[type=submit]"))
    page.check("proxy-given")
    assert HOLDER in page.text()
    with app.app_context():
        proxies = [(p.giver_id, p.holder_id, p.revoked_at) for p in get_session().exec(
            select(Proxy).where(Proxy.motion_id == motion.id))]
    assert proxies == [(member_id(app, GIVER), member_id(app, HOLDER), None)]

    # The holder votes for themselves, then for the giver.
    as_person(page, live, HOLDER)
    page.open(f"/votes/{motion.id}")
    page.check("holder-vote")
    page.find("#mon-vote ~ form input[name=choice][value=pour]").click()
    page.submit_with(page.find("#mon-vote ~ form button[type=submit]"))
    page.check("holder-voted")
    page.submit_with(page.find(
        f"#pouvoirs-detenus ~ ul a[href$='/votes/{motion.id}/voter/{member_id(app, GIVER)}']"))
    page.check("proxy-ballot")
    page.find("input[name=choice][value=pour]").click()
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("proxy-voted")
    with app.app_context():
        ballots = sorted((b.voter_id, b.cast_by_id, b.by_proxy, b.choice) for b in
                         get_session().exec(select(Ballot).where(
                             Ballot.motion_id == motion.id, Ballot.latest)))
    giver, holder = member_id(app, GIVER), member_id(app, HOLDER)
    assert ballots == sorted([(holder, holder, False, "pour"), (giver, holder, True, "pour")])

    # The closing time comes (the journey does not wait two days: the motion, its proxy and
    # its ballots are moved back in time together) and the board counts the vote: the
    # amendment becomes the charter in force.
    move_back(app, motion.id)
    as_person(page, live, BOARD)
    page.open(f"/conseil/motions/{motion.id}")
    page.check("motion-due")
    page.submit_with(page.find(f"form[action$='/conseil/motions/{motion.id}/cloturer'] button"))
    page.check("motion-closed")
    with app.app_context():
        closed = get_session().get(Motion, motion.id)
        assert (closed.status, closed.outcome) == ("closed", "adopted")
        tally = json.loads(closed.result)
    assert (tally["voted"], tally["pour"], tally["by_proxy"]) == (2, 2, 1), tally
    assert versions(app) == [(1, "superseded"), (2, "adopted")]
    page.open("/charte")
    page.check("charter-amended")
    assert PRINCIPLE[0] in page.text()

    page.visited = ["/charte", "/charte/projets/nouveau", f"/conseil/motions/{motion.id}",
                    f"/votes/{motion.id}"]
    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("en", *PHONE)
    page.recheck_visited("fr", *PHONE)
