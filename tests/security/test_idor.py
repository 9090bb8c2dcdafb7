"""Objects addressed by their id in a URL, asked by someone they are not for: another member's
contribution, notification or vote, a consultation of another college, a proxy never given, a
proposal's path; in the pages and in the API. Each is refused and the database is left as it was.

The explorer's themes, runs and edits under another consultation's address are in
test_idor_themes.py (they need an analysis)."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

from consult.db import get_session
from consult.models import Contribution, Notification, utcnow
from tests.helpers import as_person, contribute, create, csrf_from, read

# What a refusal looks like: not found, forbidden, or the form sent back with the service's reason.
REFUSED = (403, 404, 422)


def database_state(app, *, besides: tuple[str, ...] = ()) -> str:
    """A digest of every row of every table (``besides`` aside): equal digests, nothing
    changed."""
    digest = hashlib.sha256()
    with app.extensions["palabre_engine"].connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in besides:
                continue
            digest.update(table.name.encode())
            for row in sorted(repr(tuple(r)) for r in connection.execute(
                    text(f"SELECT * FROM {table.name}"))):
                digest.update(row.encode())
    return digest.hexdigest()


@pytest.fixture
def two_consultations(app, coop, people):
    """Consultation A for the staff college (Ana, Bo), B for the partners (Outsider); Bo's and
    the Outsider's contributions, a notification for Bo, an assembly motion."""
    from consult.services import board
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email

    people.add("chair@coop.example", roles=("board",), college_id=coop["staff"].id)
    a, _ = create(app, coop)
    b, _ = create(app, {"staff": coop["partners"]})
    for email, consultation in (("bo@coop.example", a), ("ana@coop.example", a),
                                ("out@coop.example", b)):
        contribute(as_person(app, email), consultation, f"Avis de {email}")
    with app.app_context():
        db = get_session()
        by_author = {c.text: c.id for c in db.exec(select(Contribution))}
        bo = find_by_email(db, "bo@coop.example")
        note = Notification(member_id=bo.id, kind="vote_opened", params="{}", url="/votes")
        db.add(note)
        db.commit()
        motion = board.open_motion(db, find_by_email(db, "chair@coop.example"), board.MotionInput(
            title="Motion", text="Texte.", body="assembly", method="one_member_one_vote",
            majority="simple", opens_at=utcnow() - timedelta(minutes=1),
            closes_at=utcnow() + timedelta(days=1)), signer_for(app.config), app.config)
        return {"a": a, "b": b, "bo": bo.id, "notification": note.id, "motion": motion.id,
                "bo_says": by_author["Avis de bo@coop.example"],
                "out_says": by_author["Avis de out@coop.example"]}


def test_a_member_cannot_reach_what_is_another_persons_or_another_colleges(
        app, two_consultations):
    ids = two_consultations
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/")))
    b, bo_says, out_says = ids["b"], ids["bo_says"], ids["out_says"]
    attempts = [
        ("GET", f"/consultations/{b}", {}),  # another college's consultation
        ("GET", f"/consultations/{b}/vote", {}),
        ("GET", f"/consultations/{b}/synthese", {}),
        ("GET", f"/consultations/{b}/synthese.json", {}),
        ("POST", f"/consultations/{b}/consent", {"accept": "y"}),
        ("POST", f"/consultations/{b}/contribute", {"text": "Intrusion", "stance": "for"}),
        ("POST", f"/consultations/contributions/{out_says}/vote", {"value": "1"}),
        ("POST", f"/consultations/contributions/{out_says}/report", {"reason": "Spam"}),
        ("GET", f"/consultations/contributions/{bo_says}/edit", {}),  # a colleague's words
        ("POST", f"/consultations/contributions/{bo_says}/edit",
         {"text": "Réécrit par Ana", "stance": "against"}),
        ("POST", f"/consultations/contributions/{bo_says}/withdraw", {}),
        ("GET", f"/notifications/{ids['notification']}", {}),  # Bo's notification
        ("POST", f"/votes/{ids['motion']}/voter/{ids['bo']}", {"choice": "contre"}),  # no proxy
        ("POST", f"/votes/{ids['motion']}/pouvoir/retirer", {}),  # no proxy of hers to revoke
    ]
    before = database_state(app)
    wrong = []
    for method, path, data in attempts:
        if method == "GET":
            response = ana.client.get(path)
        else:
            response = ana.client.post(path, data={"csrf_token": token, **data})
        if response.status_code not in REFUSED and not (
                method == "POST" and "pouvoir" in path and response.status_code == 302):
            wrong.append((method, path, response.status_code))
        if database_state(app) != before:
            wrong.append((method, path, "changed the database"))
            before = database_state(app)
    # The page for voting on Bo's behalf, without his proxy: neither his name nor a ballot.
    page = read(ana.client.get(f"/votes/{ids['motion']}/voter/{ids['bo']}"))
    assert "Bo Martin" not in page and 'name="choice"' not in page
    assert database_state(app) == before
    assert wrong == []
    with app.app_context():
        db = get_session()
        assert db.get(Contribution, bo_says).text == "Avis de bo@coop.example"
        assert db.get(Notification, ids["notification"]).read_at is None


def test_the_api_shows_a_member_only_their_colleges_consultations(app, two_consultations):
    from consult.services.api_tokens import create_token

    with app.app_context():
        _row, token = create_token(get_session(), None, "ana@coop.example", "script")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    before = database_state(app, besides=("api_token",))  # a token notes when it was last used
    for path in (f"/api/v1/consultations/{two_consultations['b']}",
                 f"/api/v1/consultations/{two_consultations['b']}/synthesis"):
        response = client.get(path, headers=headers)
        assert response.status_code in (403, 404) and response.is_json, path
    listed = client.get("/api/v1/consultations", headers=headers).get_json()
    assert {c["id"] for c in listed["consultations"]} == {two_consultations["a"]}
    assert client.get(f"/api/v1/consultations/{two_consultations['a']}",
                      headers=headers).status_code == 200  # the control: her own college's
    assert database_state(app, besides=("api_token",)) == before


def test_a_member_cannot_move_anothers_proposal_nor_read_the_boards_drafts(
        app, two_consultations):
    from consult.models import Proposal
    from consult.services import charter, proposals
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email

    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        bo = find_by_email(db, "bo@coop.example")
        proposal = proposals.submit(db, bo, proposals.ProposalInput(
            title="Tri des candidatures", need="n", benefits="b", affected="a", data_used="d",
            risks="r", environmental_cost="e", alternatives="x")).id
        current = charter.seed_charter(db, signer)
        slots = [p.to_json() for p in charter.principles_of(current)]
        slots[0]["text"] = "Un texte que seul le conseil a lu."
        draft = charter.draft_amendment(db, find_by_email(db, "chair@coop.example"), slots,
                                        "Brouillon.", signer).id
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/")))
    before = database_state(app)
    for target, extra in (("in_consultation", {"consultation_id": two_consultations["b"]}),
                          ("in_review", {}), ("board_decision", {}), ("resubmit", {})):
        response = ana.client.post(f"/proposals/{proposal}/etape",
                                   data={"csrf_token": token, "target": target, **extra})
        # The path page again, saying why (a redirect with the service's message).
        assert response.status_code == 302, target
        assert database_state(app) == before, target
    with app.app_context():
        row = get_session().get(Proposal, proposal)
        assert (row.status, row.consultation_id) == ("submitted", None)
    for path in (f"/charte/versions/{draft}", f"/charte/versions/{draft}.pdf"):
        response = ana.client.get(path)
        assert response.status_code in (403, 404), path
        assert "seul le conseil" not in read(response), path
    assert database_state(app) == before


def test_a_member_cannot_vote_on_a_motion_put_to_the_board_only(app, two_consultations):
    from consult.models.board import Ballot
    from consult.services import board
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email

    with app.app_context():
        db = get_session()
        motion = board.open_motion(db, find_by_email(db, "chair@coop.example"), board.MotionInput(
            title="Motion du conseil", text="Texte.", body="board", method="one_member_one_vote",
            majority="simple", opens_at=utcnow() - timedelta(minutes=1),
            closes_at=utcnow() + timedelta(days=1)), signer_for(app.config), app.config).id
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/")))
    before = database_state(app)
    response = ana.client.post(f"/votes/{motion}/voter", data={"csrf_token": token,
                                                              "choice": "pour"})
    assert response.status_code in REFUSED
    assert database_state(app) == before
    chair = as_person(app, "chair@coop.example")  # the control: a board member's vote counts
    chair.form_post(f"/votes/{motion}", {"choice": "pour"}, post_url=f"/votes/{motion}/voter")
    with app.app_context():
        assert len(get_session().exec(select(Ballot).where(Ballot.motion_id == motion)).all()) == 1
