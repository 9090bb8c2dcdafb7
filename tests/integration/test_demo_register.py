"""The demo's register, as `make demo` loads it: Palabre's own entries beside three projects,
one deployed through the gate, one the gate refuses for its failing test, one in review with
groups too small for a verdict; every change in the log, which `palabre audit verify` checks
and which fails after a raw SQL edit."""

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from consult import append_only
from consult.cli import cli
from consult.db import get_engine, get_session
from consult.models import Member, RegisterEntry
from consult.services import bias_tests, register
from tests.helpers import Browser, read


def load(app):
    result = app.test_cli_runner().invoke(cli, ["demo", "load", "--no-analyse"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow  # the demo's contributions are redacted with spaCy
def test_the_demo_register_shows_every_step_of_the_gate_and_its_log_verifies(app):
    output = load(app)
    assert "1 modèle approuvé, 1 refusé par la porte de déploiement" in output
    assert "charte version 2 adoptée après consultation" in output
    assert "approuvé par l'assemblée" in output and "déployé par la porte du registre" in output
    with app.app_context():
        db = get_session()
        rows = {r.name: r for r in db.exec(select(RegisterEntry))}
        assert {r.builtin for r in rows.values()} >= {"themes", "opinion", "redaction"}
        deployed = rows["Pré-tri des demandes entrantes"]
        assert deployed.status == "deployed" and deployed.proposal_id is not None
        assert register.deployment_refusals(db, deployed) == []
        refused = rows["Appariement bénévoles – personnes isolées"]
        assert refused.status == "approved"
        codes = {r.code for r in register.deployment_refusals(db, refused)}
        assert codes == {"uncovered_verdict"}
        summaries = {name: json.loads(bias_tests.tests_of(db, rows[name].id)[0].result)[
            "summary"] for name in (deployed.name, refused.name,
                                    "Transcription locale des réunions de coordination")}
    assert summaries[deployed.name]["fail"] == summaries[deployed.name]["not_enough_data"] == 0
    assert summaries[refused.name]["fail"] > 0
    assert summaries["Transcription locale des réunions de coordination"][
        "not_enough_data"] > 0
    committee = Browser(app.test_client())
    password = (Path(app.instance_path) / "demo-password.txt").read_text().strip()
    assert committee.login("sabrina.haddad@fil-solidaire.example", password).status_code == 302
    page = read(committee.client.get(f"/registre/{refused.id}"))
    assert "Le déploiement est refusé tant que" in page and "Tests de biais" in page
    public = read(app.test_client().get("/ia"))
    assert deployed.name in public and "Transcription locale" not in public
    with app.app_context():
        _the_board_decided(app, get_session(), deployed)
    runner = app.test_cli_runner()
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and "OK" in verified.output, verified.output
    with app.app_context():
        engine = get_engine()
        with engine.begin() as connection:
            append_only.drop(connection)  # what an administrator with the database can do
            connection.execute(text(
                "UPDATE audit_event SET canonical = replace(canonical, 'Pré-tri', 'Pre-tri') "
                "WHERE event_type = 'RegisterEntryCreated' AND canonical LIKE '%Pré-tri%'"))
            append_only.create(connection)
    broken = runner.invoke(cli, ["audit", "verify"])
    assert broken.exit_code != 0 and "RegisterEntryCreated" in broken.output, broken.output


def _the_board_decided(app, db, deployed):
    """The charter's version 2 adopted by a board motion after a closed consultation; the
    pre-sorting project approved by the assembly, weighted by college with proxies, deployed,
    its traceability proved piece by piece."""
    from consult.models import Ballot, CharterVersion, Consultation, Motion, Proposal
    from consult.services.audit_log import signer_for
    from consult.services.traceability import traceability

    adopted = db.exec(select(CharterVersion).where(CharterVersion.status == "adopted")).one()
    assert adopted.number == 2 and adopted.motion_id is not None
    assert db.get(Consultation, adopted.consultation_id).status == "closed"
    proposal = db.get(Proposal, deployed.proposal_id)
    assert proposal.status == "deployed"
    motion = db.exec(select(Motion).where(Motion.subject == "proposal",
                                          Motion.subject_id == proposal.id)).one()
    result = json.loads(motion.result)
    assert (motion.body, motion.method, motion.outcome) == (
        "assembly", "college_weighted", "adopted")
    assert {c["college"] for c in result["colleges"]} >= {"Salariés", "Bénévoles"}
    assert db.exec(select(Ballot).where(Ballot.motion_id == motion.id, Ballot.by_proxy)).all()
    member = db.exec(select(Member).where(Member.email.like("mathieu%"))).one()
    page = traceability(db, member, proposal.id, signer_for(app.config))
    kinds = {p.kind for p in page.pieces}
    assert {"analysis", "review", "bias_test", "motion", "entry", "step"} - kinds <= {
        "analysis"}  # the demo's analyses run in the worker, after the load
    assert page.all_verified
