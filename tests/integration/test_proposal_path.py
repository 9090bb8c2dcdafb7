"""A proposal's whole path: put to the members, reviewed in the register, decided by a motion,
deployed only through the register's gate; each step by the right role, recorded, and refused
with its reason otherwise."""

from datetime import timedelta

import pytest

from consult.models import Motion, Proposal, utcnow
from consult.services import ServiceError, bias_tests, proposal_path, register, reviews
from consult.services import consultations as consultation_service
from consult.services.audit_log import signer_for
from consult.services.proposals import ProposalInput, submit
from tests.helpers import csrf_from, events, read
from tests.integration.test_bias_tests import rows, upload
from tests.integration.test_reviews import opinion
from tests.unit.test_entry import complete

IDEA = ProposalInput(title="Pré-tri des demandes", need="n", benefits="b", affected="a",
                     data_used="d", risks="r", environmental_cost="e", alternatives="x")


@pytest.fixture
def cast(app, people, session):
    return setup_cast(app, people, session)


def setup_cast(app, people, session):
    from consult.services.members import find_by_email

    college = people.college("Salariés", 100)
    for role in ("member", "facilitator", "ethics", "board"):
        people.add(f"{role}@coop.example", name=role.title(), roles=(role,),
                   college_id=college.id)
    members = {role: find_by_email(session, f"{role}@coop.example")
               for role in ("member", "facilitator", "ethics", "board")}
    proposal = submit(session, members["member"], IDEA)
    consultation = consultation_service.create_consultation(
        session, members["facilitator"], consultation_service.ConsultationInput(
            title="Faut-il un pré-tri ?", question="Qu'en pensez-vous ?",
            college_ids=(college.id,)))
    return {**members, "proposal": proposal, "consultation": consultation,
            "signer": signer_for(app.config), "college": college}


def fair_upload():
    data = rows()
    for r in data:
        r[2] = "1" if r[1] == "oui" else "0"
    return upload(data)


def test_the_whole_path_to_deployment(app, session, cast):
    walk_the_whole_path(app, session, cast)


def walk_the_whole_path(app, session, cast) -> int:
    c, signer = cast, cast["signer"]
    pid = c["proposal"].id
    proposal_path.move(session, c["facilitator"], pid, "in_consultation", signer,
                       consultation_id=c["consultation"].id)
    entry = register.create_entry(session, c["ethics"], complete(), signer)
    proposal_path.move(session, c["ethics"], pid, "in_review", signer, entry_id=entry.id)
    with pytest.raises(ServiceError, match="avis"):
        proposal_path.move(session, c["board"], pid, "board_decision", signer)
    session.rollback()
    reviews.record_review(session, c["ethics"], entry.id, opinion(), signer)
    proposal_path.move(session, c["board"], pid, "board_decision", signer)
    motion = Motion(title="Adopter le pré-tri", text="…", subject="proposal", subject_id=pid,
                    body="board", method="one_member_one_vote", majority="simple",
                    opens_at=utcnow() - timedelta(days=1), closes_at=utcnow(),
                    status="closed", outcome="adopted")
    session.add(motion)
    session.flush()
    proposal_path.apply_motion_outcome(session, motion)
    session.commit()
    assert session.get(Proposal, pid).status == "approved"
    for status, reason in (("in_review", "complet"), ("approved", "avis signé")):
        register.change_status(session, c["ethics"], entry.id, status, reason, signer)
    bias_tests.record_upload(session, c["ethics"], entry.id, fair_upload(), signer)
    register.change_status(session, c["ethics"], entry.id, "deployed", "mise en service",
                           signer)
    assert session.get(Proposal, pid).status == "deployed"
    moved = [e.canonical for e in events(app, "ProposalMoved")]
    assert [m.split('"status":"')[1].split('"')[0] for m in moved] == [
        "in_consultation", "in_review", "board_decision", "approved", "deployed"]
    return pid


def test_the_traceability_page_proves_each_piece_and_its_file_verifies_offline(
        app, session, cast, tmp_path):
    import json

    from consult.cli import cli
    from consult.services.traceability import proof_bundle, traceability

    pid = walk_the_whole_path(app, session, cast)
    page = traceability(session, cast["member"], pid, cast["signer"])
    kinds = [p.kind for p in page.pieces]
    assert {"review", "bias_test", "motion", "entry", "step"} <= set(kinds)
    assert page.all_verified and all(p.verified for p in page.pieces if p.event_index)
    bundle = tmp_path / "preuves.json"
    bundle.write_text(json.dumps(proof_bundle(page)))
    runner = app.test_cli_runner()
    checked = runner.invoke(cli, ["audit", "verify-proof", str(bundle), "--key",
                                  page.public_key])
    assert checked.exit_code == 0, checked.output
    assert checked.output.count("OK :") == len(page.proofs) > 3
    document = proof_bundle(page)
    document["proofs"][1]["event"] = document["proofs"][1]["event"].replace("a", "b", 1)
    bundle.write_text(json.dumps(document))
    forged = runner.invoke(cli, ["audit", "verify-proof", str(bundle), "--key",
                                 page.public_key])
    assert forged.exit_code == 1 and "proof 2 of" in forged.output


def test_steps_by_the_wrong_role_or_out_of_order_are_refused(session, cast):
    c, signer = cast, cast["signer"]
    pid = c["proposal"].id
    with pytest.raises(ServiceError, match="équipe d'animation ou le conseil"):
        proposal_path.move(session, c["member"], pid, "in_consultation", signer,
                           consultation_id=c["consultation"].id)
    session.rollback()
    assert session.get(Proposal, pid).consultation_id is None  # nothing linked half-way
    with pytest.raises(ServiceError, match="ne peut pas passer"):
        proposal_path.move(session, c["board"], pid, "board_decision", signer)
    with pytest.raises(ServiceError, match="ne peut pas passer"):
        proposal_path.move(session, c["board"], pid, "approved", signer)
    with pytest.raises(ServiceError, match="consultation"):
        proposal_path.move(session, c["facilitator"], pid, "in_consultation", signer)


def test_a_proposal_sent_back_is_resubmitted_by_its_author(session, cast):
    c, signer = cast, cast["signer"]
    pid = c["proposal"].id
    entry = register.create_entry(session, c["ethics"], complete(), signer)
    proposal_path.move(session, c["ethics"], pid, "in_review", signer, entry_id=entry.id)
    reviews.record_review(session, c["ethics"], entry.id, opinion(), signer)
    proposal_path.move(session, c["board"], pid, "board_decision", signer)
    proposal_path.move(session, c["board"], pid, "needs_changes", signer,
                       reason="Préciser les données utilisées.")
    with pytest.raises(ServiceError, match="auteur"):
        proposal_path.resubmit(session, c["board"], pid, signer)
    proposal_path.resubmit(session, c["member"], pid, signer)
    assert session.get(Proposal, pid).status == "submitted"


def test_the_path_on_the_proposal_page(app, people, browser):
    from consult.db import get_session

    with app.app_context():  # set up, then leave: the pages run in their own contexts
        c = setup_cast(app, people, get_session())
        pid, consultation_id = c["proposal"].id, c["consultation"].id
    browser.login("facilitator@coop.example")
    page = browser.client.get(f"/proposals/{pid}").get_data(as_text=True)
    assert "Parcours du projet" in page and "en consultation" in page
    response = browser.client.post(f"/proposals/{pid}/etape", data={
        "csrf_token": csrf_from(page), "target": "in_consultation",
        "consultation_id": str(consultation_id)}, follow_redirects=True)
    text = read(response)
    assert "Étape enregistrée" in text and "Faut-il un pré-tri ?" in text
    refused = browser.client.post(f"/proposals/{pid}/etape", data={
        "csrf_token": csrf_from(text), "target": "approved"}, follow_redirects=True)
    assert "ne peut pas passer" in read(refused)
    trace = read(browser.client.get(f"/proposals/{pid}/tracabilite"))
    assert "Toutes les preuves sont vérifiées" in trace and "preuve vérifiée" in trace
    download = browser.client.get(f"/proposals/{pid}/preuves.json")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.get_json()["format"] == "palabre-audit-proofs/1"
