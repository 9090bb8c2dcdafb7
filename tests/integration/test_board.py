"""Motions, ballots, proxies and receipts (consult/services/board.py, ballots.py, the /conseil
and /votes pages): the rules refused at the opening, votes inside their window and body only,
a changed vote kept, secret ballots with nothing linking who and what, proxies, the tally per
college at the close, receipts whose proofs verify."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from consult.db import get_session
from consult.models import (
    AuditCheckpoint,
    Ballot,
    BallotParticipation,
    Member,
    Motion,
    SecretBallot,
    utcnow,
)
from consult.services import NotFound, PermissionDenied, ServiceError, ballots, board
from consult.services.audit_log import signer_for
from ethics_register import Verifier, check_proof
from tests.helpers import HttpSession, LiveServer, as_person, csrf_from, events, read

HOUR = timedelta(hours=1)


@pytest.fixture
def coop(app, people):
    """Three colleges (50/30/20 %), a chair (board + admin), two board members, members."""
    staff = people.college("Salariés", 50)
    users = people.college("Usagers", 30)
    partners = people.college("Partenaires", 20)
    people.add("chair@coop.example", name="Chantal Chair", roles=("board", "admin"),
               college_id=staff.id)
    people.add("bea@coop.example", name="Béa Board", roles=("board",), college_id=users.id)
    people.add("paul@coop.example", name="Paul Board", roles=("board",), college_id=partners.id)
    for name, college in (("ana", staff), ("bo", staff), ("cy", staff), ("dan", staff),
                          ("eve", users), ("fox", partners)):
        people.add(f"{name}@coop.example", name=name.capitalize(), college_id=college.id)
    return {"staff": staff, "users": users, "partners": partners}


def member(session, email) -> Member:
    return session.exec(select(Member).where(Member.email == email)).one()


def motion_input(**changes) -> board.MotionInput:
    values = dict(title="Adopter l'outil de tri", text="Le conseil approuve le projet.",
                  body="board", method="college_weighted", majority="simple",
                  opens_at=utcnow() - timedelta(minutes=1), closes_at=utcnow() + HOUR)
    values.update(changes)
    return board.MotionInput(**values)


def open_motion(app, session, **changes) -> Motion:
    chair = member(session, "chair@coop.example")
    return board.open_motion(session, chair, motion_input(**changes), signer_for(app.config),
                             app.config)


def vote(app, session, email, motion, choice, reason="", **kwargs):
    return ballots.cast(session, member(session, email), motion.id, choice, reason, app.config,
                        **kwargs)


def close(app, session, motion, actor_email="chair@coop.example"):
    actor = member(session, actor_email) if actor_email else None
    return board.close_motion(session, actor, motion.id, signer_for(app.config), app.config,
                              now=motion.closes_at + timedelta(seconds=1))


# --- Opening ------------------------------------------------------------------------------


def test_a_motion_with_bad_rules_is_refused_with_every_problem_and_nothing_stored(
        app, session, coop):
    chair = member(session, "chair@coop.example")
    bad = motion_input(title=" ", majority="unanimity", quorum=1.5,
                       opens_at=utcnow() + HOUR, closes_at=utcnow() + timedelta(minutes=5))
    with pytest.raises(board.MotionInvalid) as refused:
        board.open_motion(session, chair, bad, signer_for(app.config), app.config)
    messages = [p.text() for p in refused.value.problems]
    assert any("titre" in m for m in messages)
    assert any("Majorité inconnue : unanimity" in m for m in messages)
    assert any("Le quorum doit être compris entre 0 et 100 % (150 % donné)" in m
               for m in messages)
    assert any("La clôture du vote doit suivre son ouverture" in m for m in messages)
    with pytest.raises(board.MotionInvalid, match="dans le futur"):
        board.open_motion(session, chair, motion_input(opens_at=utcnow() - 2 * HOUR,
                                                       closes_at=utcnow() - HOUR),
                          signer_for(app.config), app.config)
    with pytest.raises(board.MotionInvalid, match="n'existe pas"):
        board.open_motion(session, chair, motion_input(subject="proposal", subject_id=999),
                          signer_for(app.config), app.config)
    assert session.exec(select(Motion)).all() == []
    assert events(app, "MotionOpened") == []


def test_weights_not_summing_to_100_are_refused(app, session, people):
    staff = people.college("Salariés", 50)
    people.college("Usagers", 30)
    people.add("chair@coop.example", roles=("board",), college_id=staff.id)
    with pytest.raises(board.MotionInvalid, match="totalisent 80 % au lieu de 100 %"):
        open_motion(app, session)
    # One member one vote does not read the weights.
    assert open_motion(app, session, method="one_member_one_vote").id


def test_opening_snapshots_the_weights_records_the_event_and_signs_a_checkpoint(
        app, session, coop):
    motion = open_motion(app, session, secret=True, quorum=0.5)
    assert json.loads(motion.weights) == {"Partenaires": 20, "Salariés": 50, "Usagers": 30}
    assert motion.empty_college == "redistribute"
    [event] = events(app, "MotionOpened")
    data = json.loads(event.canonical)["data"]
    assert data["weights"]["Salariés"] == 50 and data["secret"] is True
    latest = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert latest.reason == "board" and latest.tree_size >= event.leaf_index + 1
    # A plain member may not open one.
    with pytest.raises(PermissionDenied):
        board.open_motion(session, member(session, "ana@coop.example"), motion_input(),
                          signer_for(app.config), app.config)


def test_the_board_opens_a_motion_through_its_page_and_a_member_cannot(app, coop):
    ana = as_person(app, "ana@coop.example")
    assert ana.client.get("/conseil").status_code == 403
    assert ana.client.get("/conseil/motions/nouvelle").status_code == 403
    chair = as_person(app, "chair@coop.example")
    zone = ZoneInfo(app.config["PALABRE_TIMEZONE"])
    closes = (utcnow() + HOUR).astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Charte révisée", "text": "Adopter la version 2.", "subject": "free",
            "body": "assembly", "method": "college_weighted", "majority": "two_thirds",
            "quorum": "25", "college_quorum": "10", "closes_at": closes}
    refused = chair.form_post("/conseil/motions/nouvelle", {**form, "quorum": "250"})
    assert refused.status_code == 422
    response = chair.form_post("/conseil/motions/nouvelle", form)
    assert response.status_code == 302, read(response)
    page = read(chair.client.get(response.headers["Location"]))
    assert "Charte révisée" in page and "Deux tiers" in page
    with app.app_context():
        motion = get_session().exec(select(Motion)).one()
        assert (motion.quorum, motion.college_quorum, motion.body) == (0.25, 0.1, "assembly")
    assert "Conseil" in read(chair.client.get("/"))
    assert ana.client.get(f"/votes/{motion.id}").status_code == 200


# --- Voting -------------------------------------------------------------------------------


def test_votes_inside_the_window_and_the_body_only_and_a_changed_vote_is_kept(
        app, session, coop):
    motion = open_motion(app, session)
    with pytest.raises(ServiceError, match="l'instance"):
        vote(app, session, "ana@coop.example", motion, "pour")  # not on the board
    with pytest.raises(ServiceError, match="pour, contre ou abstention"):
        vote(app, session, "bea@coop.example", motion, "peut-être")
    bea = member(session, "bea@coop.example")
    with pytest.raises(ServiceError, match="Le vote ouvre"):
        ballots.cast(session, bea, motion.id, "pour", "", app.config,
                     now=motion.opens_at - timedelta(seconds=1))
    with pytest.raises(ServiceError, match="clos depuis"):
        ballots.cast(session, bea, motion.id, "pour", "", app.config, now=motion.closes_at)
    first = vote(app, session, "bea@coop.example", motion, "pour")
    assert not first.changed
    again = vote(app, session, "bea@coop.example", motion, "pour")  # a double click
    changed = vote(app, session, "bea@coop.example", motion, "contre", "Trop tôt.")
    assert again.changed and changed.changed
    rows = session.exec(select(Ballot).where(Ballot.motion_id == motion.id)
                        .order_by(Ballot.id)).all()
    assert [(b.choice, b.latest) for b in rows] == [("pour", False), ("contre", True)]
    assert [json.loads(e.canonical)["data"]["changed"] for e in events(app, "BallotCast")] == [
        False, True]
    close(app, session, motion)
    with pytest.raises(ServiceError, match="pas ouvert"):
        vote(app, session, "bea@coop.example", motion, "pour")


def test_an_open_ballots_receipt_is_its_event_and_a_proof_that_verifies(app, coop):
    with app.app_context():
        found, verifier, motion = _open_receipt(app, get_session())
    browser = as_person(app, "bea@coop.example")
    assert f"n° {found.ballot_index}" in read(browser.client.get(f"/votes/{motion.id}/recu"))
    download = browser.client.get(f"/votes/{motion.id}/recu/preuve.json")
    assert download.status_code == 200
    check_proof(json.loads(download.get_data(as_text=True)), verifier)


def _open_receipt(app, session):
    motion = open_motion(app, session)
    vote(app, session, "bea@coop.example", motion, "abstention")
    bea = member(session, "bea@coop.example")
    found = ballots.receipt(session, bea, motion.id, signer_for(app.config), app.config)
    assert found.choice == "abstention" and not found.secret
    verifier = Verifier.from_key(found.proof["public_key"])
    _signed, event = check_proof(found.proof, verifier)
    assert event["index"] == found.ballot_index and event["type"] == "BallotCast"
    assert event["data"]["choice"] == "abstention" and event["data"]["voter"] == bea.ref
    with pytest.raises(NotFound):
        ballots.receipt(session, member(session, "paul@coop.example"), motion.id,
                        signer_for(app.config), app.config)
    return found, verifier, motion


# --- Secret ballots -----------------------------------------------------------------------


def test_a_secret_ballot_keeps_who_apart_from_what(app, session, coop):
    motion = open_motion(app, session, secret=True)
    first = vote(app, session, "bea@coop.example", motion, "pour")
    second = vote(app, session, "bea@coop.example", motion, "contre")  # changes it
    vote(app, session, "paul@coop.example", motion, "pour")
    assert first.nonce and second.nonce != first.nonce and second.changed

    # The what-half has no member, no time and no sequential id.
    columns = {c["name"] for c in inspect(session.get_bind()).get_columns("secret_ballot")}
    assert not columns & {"member_id", "member_ref", "voter_id", "voter_ref", "cast_by_id",
                          "created_at", "updated_at"}
    secret = session.exec(select(SecretBallot).where(SecretBallot.motion_id == motion.id)).all()
    who = session.exec(select(BallotParticipation)
                       .where(BallotParticipation.motion_id == motion.id)).all()
    assert len(who) == 2 and len(secret) == 3  # one participation each; every vote kept
    assert all(re.fullmatch(r"[0-9a-f]{32}", s.id) for s in secret)
    assert not {str(p.id) for p in who} & {s.id for s in secret}
    if session.get_bind().dialect.name == "sqlite":  # its hidden rowid is no order either
        places = session.execute(text("SELECT rowid FROM secret_ballot")).scalars().all()
        assert len(places) == 3 and min(places) > 2**32
    bea = member(session, "bea@coop.example")
    assert not {bea.id, bea.ref} & {s.voter_key for s in secret}
    assert [s.choice for s in secret if s.latest and s.commitment == second.commitment] == [
        "contre"]
    # The log says who took part, never what.
    for event in events(app, "SecretBallotCast"):
        data = json.loads(event.canonical)["data"]
        assert set(data) == {"voter", "by_proxy", "again"}
        assert first.commitment not in event.canonical and "contre" not in event.canonical

    closed = close(app, session, motion)
    assert json.loads(closed.result)["contre"] == 1
    [closing] = events(app, "MotionClosed")
    counted = json.loads(closing.canonical)["data"]["commitments"]
    assert counted == sorted(counted) and len(counted) == 2
    assert second.commitment in counted and first.commitment not in counted
    found = ballots.receipt(session, bea, motion.id, signer_for(app.config), app.config)
    assert found.commitment == second.commitment and found.counted
    assert found.closed_index == closing.leaf_index
    check_proof(found.proof, Verifier.from_key(found.proof["public_key"]))
    assert ballots.opened_choice(counted, second.nonce) == "contre"
    assert ballots.opened_choice(counted, first.nonce) is None
    assert ballots.check_nonce(session, motion.id, f" {second.nonce} ").choice == "contre"


def test_a_secret_ballot_through_the_pages_shows_the_code_once_and_checks_it(app, coop):
    with app.app_context():
        motion = open_motion(app, get_session(), secret=True)
    browser = as_person(app, "bea@coop.example")
    page = read(browser.client.get(f"/votes/{motion.id}"))
    assert "<legend>Votre vote</legend>" in page
    response = browser.form_post(f"/votes/{motion.id}", {"choice": "pour", "reason": ""},
                                 post_url=f"/votes/{motion.id}/voter")
    shown = read(response)
    nonce = re.search(r'<code class="nonce">([0-9a-f]{32})</code>', shown).group(1)
    assert nonce not in read(browser.client.get(f"/votes/{motion.id}"))
    with app.app_context():
        close(app, get_session(), motion)
    checked = read(browser.form_post(f"/votes/{motion.id}/verifier", {"nonce": nonce}))
    assert "Votre bulletin a été compté : Pour" in checked
    wrong = read(browser.form_post(f"/votes/{motion.id}/verifier", {"nonce": "0" * 32}))
    assert "Aucune empreinte comptée ne correspond" in wrong


# --- Closing ------------------------------------------------------------------------------


def test_closing_counts_per_college_stores_the_result_and_the_board_writes_the_outcome(
        app, coop):
    with app.app_context():
        motion = _closed_and_written(app, get_session())
    browser = as_person(app, "chair@coop.example")
    page = read(browser.client.get(f"/conseil/motions/{motion.id}"))
    assert "Votes par collège" in page and "Total pondéré" in page and "Adoptée" in page
    assert "Le projet est approuvé." in page and 'role="img"' in page
    assert "Majorité simple atteinte" in page
    member_page = read(as_person(app, "eve@coop.example").client.get(f"/votes/{motion.id}"))
    assert "Votes par collège" in member_page


def _closed_and_written(app, session):
    motion = open_motion(app, session, body="assembly", quorum=0.3)
    for email, choice in (("chair@coop.example", "pour"), ("ana@coop.example", "contre"),
                          ("bo@coop.example", "pour"), ("eve@coop.example", "pour"),
                          ("bea@coop.example", "contre"), ("fox@coop.example", "abstention")):
        vote(app, session, email, motion, choice)
    chair = member(session, "chair@coop.example")
    with pytest.raises(ServiceError, match="avant"):
        board.close_motion(session, chair, motion.id, signer_for(app.config), app.config)
    with pytest.raises(PermissionDenied):
        close(app, session, motion, "ana@coop.example")
    closed = close(app, session, motion)
    result = json.loads(closed.result)
    by_name = {c["college"]: c for c in result["colleges"]}
    assert (by_name["Salariés"]["pour"], by_name["Salariés"]["contre"]) == (2, 1)
    assert by_name["Usagers"]["share"] == 0.5
    # Partenaires abstained: its weight is shared out, 50 and 30 become 62.5 and 37.5.
    assert by_name["Partenaires"]["effective_weight"] == 0
    assert by_name["Salariés"]["effective_weight"] == pytest.approx(62.5)
    assert result["share"] == pytest.approx((50 * 2 / 3 + 30 * 0.5) / 80)
    assert closed.outcome == "adopted" and closed.status == "closed"
    with pytest.raises(ServiceError, match="plus ouverte"):
        close(app, session, motion)
    [event] = events(app, "MotionClosed")
    assert json.loads(event.canonical)["data"]["outcome"] == "adopted"

    board.write_outcome(session, chair, motion.id, "Le projet est approuvé.",
                        signer_for(app.config))
    assert events(app, "MotionOutcomeWritten")
    return motion


def test_a_member_cannot_close_through_the_page_and_the_job_closes_due_motions(app, coop):
    with app.app_context():
        motion = open_motion(app, get_session())
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/votes")))
    assert ana.client.post(f"/conseil/motions/{motion.id}/cloturer",
                           data={"csrf_token": token}).status_code == 403
    chair = as_person(app, "chair@coop.example")
    refused = chair.form_post(f"/conseil/motions/{motion.id}", {},
                              post_url=f"/conseil/motions/{motion.id}/cloturer",
                              follow_redirects=True)
    assert "ne peut pas être close avant" in read(refused)
    with app.app_context():
        _closed_by_the_job(app, get_session(), motion)


def _closed_by_the_job(app, session, motion):
    assert board.close_due_motions(session, signer_for(app.config), app.config) == []
    closed = board.close_due_motions(session, signer_for(app.config), app.config,
                                     now=motion.closes_at)
    assert closed == [motion.id]
    motion = session.get(Motion, motion.id)
    assert motion.status == "closed" and motion.outcome == "rejected"  # nobody voted
    assert json.loads(events(app, "MotionClosed")[0].canonical)["actor"] is None


def test_a_motion_nobody_voted_on_can_be_cancelled(app, session, coop):
    motion = open_motion(app, session)
    chair = member(session, "chair@coop.example")
    board.cancel_motion(session, chair, motion.id, "Mal rédigée.", signer_for(app.config))
    assert motion.status == "cancelled"
    other = open_motion(app, session)
    vote(app, session, "bea@coop.example", other, "pour")
    with pytest.raises(ServiceError, match="déjà voté"):
        board.cancel_motion(session, chair, other.id, "", signer_for(app.config))


# --- Races --------------------------------------------------------------------------------

PARALLEL = 16


@pytest.mark.parametrize("secret", [False, True])
def test_parallel_votes_of_one_member_leave_one_latest_ballot(app, coop, secret):
    with app.app_context():
        motion = open_motion(app, get_session(), secret=secret)
    with LiveServer(app) as server:
        bea = HttpSession(server.url)
        assert bea.login("bea@coop.example") == 302
        token = bea.csrf_token(f"/votes/{motion.id}")
        cookie = bea.cookie_header()

        def cast(index: int) -> int:
            status, _ = HttpSession(server.url).request(
                f"/votes/{motion.id}/voter",
                {"csrf_token": token, "choice": ("pour", "contre")[index % 2]},
                headers={"Cookie": cookie})
            return status

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(cast, range(PARALLEL)))
    assert set(statuses) <= {200, 302} and len(statuses) == PARALLEL, statuses
    with app.app_context():
        _one_latest(get_session(), motion, secret)


def _one_latest(session, motion, secret):
    if secret:
        rows = session.exec(select(SecretBallot).where(SecretBallot.motion_id == motion.id)).all()
        assert len(session.exec(select(BallotParticipation)).all()) == 1
    else:
        rows = session.exec(select(Ballot).where(Ballot.motion_id == motion.id)).all()
    assert len([r for r in rows if r.latest]) == 1 and len(rows) >= 1


# --- The outcome applied to its subject ------------------------------------------------------


def test_an_adopted_motion_on_a_charter_draft_puts_it_in_force(app, session, coop):
    from consult.models import CharterVersion
    from consult.services import charter

    signer = signer_for(app.config)
    founding = charter.seed_charter(session, signer)
    chair = member(session, "chair@coop.example")
    draft = charter.draft_amendment(session, chair, [
        {"title": "Intérêt collectif", "text": "L'IA sert la coopérative.", "rationale": ""}],
        "Une charte resserrée.", signer)
    with pytest.raises(board.MotionInvalid, match="n'existe pas"):
        open_motion(app, session, subject="charter", subject_id=draft.id + 100)
    motion = open_motion(app, session, subject="charter", subject_id=draft.id)
    for email in ("chair@coop.example", "bea@coop.example", "paul@coop.example"):
        vote(app, session, email, motion, "pour")
    closed = close(app, session, motion)
    assert closed.outcome == "adopted" and json.loads(closed.result)["applied"] is None
    assert session.get(CharterVersion, draft.id).status == "adopted"
    assert session.get(CharterVersion, founding.id).status == "superseded"
    # A motion on a version no longer current is refused at the opening.
    with pytest.raises(board.MotionInvalid):
        open_motion(app, session, subject="charter", subject_id=founding.id)
