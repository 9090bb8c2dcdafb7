"""A member submits an AI project through the proposal form, in a real browser, and finds it on
its own page and in the list; axe-core on each page, in French, then in English and at phone
width."""

from sqlmodel import select

from consult.db import get_session
from consult.models import Member, Proposal
from tests.browser.conftest import PHONE, WINDOW
from tests.browser.test_journeys import member_of, sign_in

PROPOSAL = {
    "title": "Un assistant pour rédiger les comptes rendus de visite",
    "need": "Les bénévoles passent une heure par semaine à écrire leurs comptes rendus.",
    "benefits": "Plus de temps auprès des personnes accompagnées.",
    "affected": "Les bénévoles, les personnes visitées et la coordination.",
    "data_used": "Les notes de visite, sans nom ni adresse.",
    "risks": "Des détails de santé pourraient se retrouver dans les comptes rendus.",
    "environmental_cost": "Un petit modèle qui tourne sur le serveur de la coopérative.",
    "alternatives": "Un modèle de compte rendu à cocher, sur papier ou en ligne.",
}


def test_a_member_submits_a_proposal_through_the_form(app, page, live):
    email = member_of(live)
    sign_in(page, email, live.demo.password)
    page.open("/proposals/")
    page.check("proposals")
    page.submit_with(page.find("main a.button[href$='/proposals/new']"))
    page.check("proposal-form")
    for name, value in PROPOSAL.items():
        page.find(f"#{name}").send_keys(value)
    page.find("#personal_data").click()
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("proposal")
    assert PROPOSAL["title"] in page.find("main h1").text

    with app.app_context():
        db = get_session()
        member = db.exec(select(Member).where(Member.email == email)).one()
        found = [(p.id, p.author_id, p.status, p.personal_data, p.sensitive_data,
                  p.alternatives) for p in db.exec(
                      select(Proposal).where(Proposal.title == PROPOSAL["title"]))]
    assert len(found) == 1
    proposal_id = found[0][0]
    assert found[0][1:] == (member.id, "submitted", True, False, PROPOSAL["alternatives"])
    assert page.path() == f"/proposals/{proposal_id}"

    page.open("/proposals/")
    assert PROPOSAL["title"] in page.find("main").text

    page.visited = [p for p in page.visited if p.startswith("/proposals")]
    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("en", *PHONE)
    page.recheck_visited("fr", *PHONE)
