"""The two sides of a divergent theme (consult/services/explorer.py): each college's side
quotes the theme's verbatims its members' latest votes agree with most."""

from types import SimpleNamespace

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import College, utcnow
from consult.services import explorer
from tests.helpers import as_person, contribute, contributions, read

pytestmark = pytest.mark.slow  # the contributions are redacted with spaCy

TEXTS = ("Gardons la main sur nos données.", "Un outil libre hébergé chez nous.",
         "Former les bénévoles avant tout.")



def test_each_side_quotes_what_its_college_agrees_with_by_latest_votes(app, coop, people):
    for email in ("pia@coop.example", "quentin@coop.example"):
        people.add(email, college_id=coop["partners"].id)
    facilitator = as_person(app, "anim@coop.example")
    created = facilitator.form_post("/facilitate/consultations/new", {
        "title": "IA", "question": "Quelle IA ?", "description": "", "anonymity": "pseudonymous",
        "stance_scale": "three", "colleges": [str(coop["staff"].id), str(coop["partners"].id)]})
    cid = int(created.headers["Location"].rstrip("/").split("/")[-1])
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {}, post_url=f"{page}/status/open")
    ana = as_person(app, "ana@coop.example")
    for text in TEXTS:
        contribute(ana, cid, text)
    first, second, third = (c.id for c in contributions(app))

    def votes_of(email, values):
        person = as_person(app, email)
        person.form_post(f"/consultations/{cid}", {"accept": "y"},
                         post_url=f"/consultations/{cid}/consent")
        for contribution_id, value in values:
            response = person.form_post(f"/consultations/{cid}/vote", {"value": str(value)},
                                        post_url=f"/consultations/contributions/"
                                                 f"{contribution_id}/vote")
            assert response.status_code == 302, read(response)

    votes_of("bo@coop.example", [(first, 1), (second, -1), (third, 1)])
    votes_of("pia@coop.example", [(first, -1), (second, 1), (third, 1)])
    # Quentin agreed with the first, then changed his mind: only his latest vote counts.
    votes_of("quentin@coop.example", [(first, 1), (second, 1), (first, -1)])

    with app.app_context():
        db = get_session()
        colleges = {c.id: c.name for c in db.exec(select(College))}
        run = SimpleNamespace(id=-1, finished_at=utcnow(), consultation_id=cid)
        votes = explorer._votes_by_contribution(db, run, colleges)
    assert votes[first] == {"Salariés": 1, "Partenaires": -2}
    assert votes[second] == {"Salariés": -1, "Partenaires": 2}
    assert votes[third] == {"Salariés": 1, "Partenaires": 1}

    verdict = {"label": "divergent", "reasons": [{"params": {
        "grouping": "college", "higher": "Partenaires", "lower": "Salariés",
        "higher_share": 0.75, "lower_share": 0.5}}]}
    texts = dict(zip((first, second, third), TEXTS, strict=True))

    def quote(contribution_id):
        return explorer.Quote(contribution_id, texts[contribution_id], None, None)

    partners, staff = explorer._sides(verdict, [first, second, third], votes, quote, {}, [])
    assert (partners.group, staff.group) == ("Partenaires", "Salariés")
    # Partners agree twice with the second, once with the third, never with the first.
    assert [q.contribution_id for q in partners.quotes] == [second, third]
    assert [q.contribution_id for q in staff.quotes] == [first, third]

    # The sums are kept for the next pages, until a vote changes them: Bo changes his mind.
    votes_of("bo@coop.example", [(first, -1)])
    with app.app_context():
        again = explorer._votes_by_contribution(get_session(), run, colleges)
    assert again[first] == {"Salariés": -1, "Partenaires": -2}
    assert again[second] == votes[second]
