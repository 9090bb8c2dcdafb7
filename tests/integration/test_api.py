"""The read-only JSON API (/api/v1): public answers without a token, members' answers with one,
refused as the HTML refuses, every answer valid against the OpenAPI document, and fuzzed with
schemathesis (no server error, every response as the document says)."""

import hashlib
import json
from datetime import timedelta

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from sqlmodel import select

from consult.cli import cli
from consult.db import get_session
from consult.models import ApiToken, AuditEvent, Synthesis, utcnow
from consult.services import api_tokens, board, charter, members
from consult.services.audit_log import checkpoint_now, signer_for
from consult.services.members import find_by_email
from tests.helpers import as_person, create

MEMBER_ROUTES = ("/api/v1/charter", "/api/v1/consultations", "/api/v1/decisions")


@pytest.fixture
def world(app, coop, people):
    """A consultation for the staff college, a synthesis published for it, the founding charter,
    a closed assembly motion, a signed checkpoint, and tokens for ana (staff), out (partners)
    and ethics (the committee)."""
    people.add("ethics@coop.example", roles=("ethics",), college_id=coop["staff"].id)
    people.add("chair@coop.example", roles=("board",), college_id=coop["staff"].id)
    cid, _ = create(app, coop)
    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        charter.seed_charter(db, signer)
        db.add(Synthesis(consultation_id=cid, version=1, document=json.dumps(DOCUMENT),
                         sha256="a" * 64, published_by_ref="x"))
        db.commit()
        chair = find_by_email(db, "chair@coop.example")
        motion = board.open_motion(db, chair, board.MotionInput(
            title="Motion", text="Texte.", body="assembly", method="one_member_one_vote",
            majority="simple", opens_at=utcnow() - timedelta(minutes=2),
            closes_at=utcnow() - timedelta(minutes=1)), signer, app.config,
            now=utcnow() - timedelta(minutes=3))
        board.close_motion(db, chair, motion.id, signer, app.config)
        checkpoint_now(db, signer, "test")
        tokens = {who: api_tokens.create_token(db, None, f"{who}@coop.example", "essai")[1]
                  for who in ("ana", "out", "ethics")}
    return {"consultation_id": cid, "motion_id": motion.id, "tokens": tokens}


THEME = {"id": 3, "label": "Trajets", "machine_label": "trajets_route", "keywords": ["route"],
         "size": 4, "summary": "Moins de route.", "reviewed": True, "merged_from": [],
         "split_from": None, "cohesion": 0.5, "to_check": False, "status": "ok",
         "verdict": {"label": "common_ground", "label_text": "Terrain d'entente",
                     "reasons": [{"code": "agree", "params": {"n": 3}, "text": "3 d'accord"}],
                     "evidence": []},
         "colleges": [{"group": "Salariés", "n": 3, "agree": 1.0, "neutral": 0.0,
                       "disagree": 0.0}],
         "typical": [{"contribution_id": 1, "text": "[NOM] veut moins de route",
                      "college": "Salariés", "stance": "for"}], "sides": []}
DOCUMENT = {"format": 1, "consultation": {"id": 1, "title": "t"},
            "participation": {"members": 3, "participants": 2, "contributions": 4, "votes": 6,
                              "colleges": []},
            "analysis": {"run_id": 1, "themes": [THEME]}}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def valid(app, client, path, response, status=200):
    """The response's body against the document's schema for this path and status."""
    document = client.get("/api/v1/openapi.json").get_json()
    rule = next(r.rule for r in app.url_map.iter_rules() if r.endpoint ==
                app.url_map.bind("localhost").match(path.split("?")[0])[0])
    operation = document["paths"][rule.replace("<int:", "{").replace(">", "}")]["get"]
    schema = {**operation["responses"][str(status)]["content"]["application/json"]["schema"],
              "components": document["components"]}
    assert response.status_code == status, response.get_data(as_text=True)
    jsonschema.validate(response.get_json(), schema)
    return response.get_json()


def test_the_document_describes_every_api_route_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = {r.rule.replace("<int:", "{").replace(">", "}") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert routes == set(document["paths"])
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, rule.rule
    jsonschema.Draft202012Validator.check_schema({"components": document["components"]})


def test_public_endpoints_need_no_token(app, client, world):
    register = valid(app, client, "/api/v1/register", client.get("/api/v1/register"))
    assert register == {"entries": []}  # nothing approved yet: /ia shows nothing either
    latest = valid(app, client, "/api/v1/checkpoint", client.get("/api/v1/checkpoint"))
    assert latest["note"] == client.get("/journal/checkpoint.txt").get_data(as_text=True)
    assert latest["public_key"] + "\n" == client.get("/journal/key.pub").get_data(as_text=True)


@pytest.mark.parametrize("path", MEMBER_ROUTES)
def test_member_endpoints_refuse_a_missing_or_unknown_token(app, client, world, path):
    for headers in ({}, bearer("plb_unknown"), {"Authorization": "Basic YTpi"},
                    bearer(world["tokens"]["ana"] + "x")):
        response = client.get(path, headers=headers)
        body = valid(app, client, path, response, 401)
        assert body["message"]["fr"] and body["message"]["en"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_lends_its_session_nothing(app, world):
    browser = as_person(app, "ana@coop.example")
    assert browser.client.get("/api/v1/consultations").status_code == 401


def test_a_revoked_token_and_a_deactivated_members_token_are_refused(app, client, world):
    ana, out = world["tokens"]["ana"], world["tokens"]["out"]
    assert client.get("/api/v1/consultations", headers=bearer(ana)).status_code == 200
    with app.app_context():
        db = get_session()
        row = db.exec(select(ApiToken).where(
            ApiToken.token_sha256 == hashlib.sha256(ana.encode()).hexdigest())).one()
        assert row.last_used_at is not None
        api_tokens.revoke_token(db, None, row.id)
        admin = members.invite_member(db, None, email="admin@coop.example", display_name="A",
                                      college_id=None, roles=("admin",))
        members.set_active(db, find_by_email(db, "admin@coop.example"),
                           find_by_email(db, "out@coop.example").id, False)
        assert admin and [e.event_type for e in db.exec(select(AuditEvent))].count(
            "ApiTokenRevoked") == 1
    for token in (ana, out):
        response = client.get("/api/v1/consultations", headers=bearer(token))
        valid(app, client, "/api/v1/consultations", response, 401)


def test_members_see_their_consultations_and_only_published_syntheses(app, client, world):
    cid, ana, out = world["consultation_id"], world["tokens"]["ana"], world["tokens"]["out"]
    listed = valid(app, client, "/api/v1/consultations",
                   client.get("/api/v1/consultations", headers=bearer(ana)))
    assert [c["id"] for c in listed["consultations"]] == [cid]
    assert listed["consultations"][0]["synthesis_published"] is True
    assert valid(app, client, "/api/v1/consultations", client.get(
        "/api/v1/consultations", headers=bearer(out)))["consultations"] == []
    path = f"/api/v1/consultations/{cid}/synthesis"
    body = valid(app, client, path, client.get(path, headers=bearer(ana)))
    assert body["version"] == 1 and body["themes"][0]["verdict"]["label"] == "common_ground"
    assert "typical" not in body["themes"][0]  # verbatims stay on the pages
    valid(app, client, path, client.get(path + "?version=2", headers=bearer(ana)), 404)
    valid(app, client, path, client.get(path + "?version=x", headers=bearer(ana)), 400)
    # The outsider's college is not invited: refused, as /consultations/<id> refuses it (403).
    assert as_person(app, "out@coop.example").client.get(f"/consultations/{cid}").status_code \
        == 403
    for refused in (f"/api/v1/consultations/{cid}", path):
        valid(app, client, refused, client.get(refused, headers=bearer(out)), 403)
    with app.app_context():  # a consultation with no published synthesis: never its draft
        db = get_session()
        db.delete(db.exec(select(Synthesis)).one())
        db.commit()
    valid(app, client, path, client.get(path, headers=bearer(ana)), 404)
    other = f"/api/v1/consultations/{cid + 99}"
    valid(app, client, other, client.get(other, headers=bearer(ana)), 404)


def test_charter_decisions_and_proofs_as_the_pages_show_them(app, client, world):
    ana, ethics = world["tokens"]["ana"], world["tokens"]["ethics"]
    adopted = valid(app, client, "/api/v1/charter",
                    client.get("/api/v1/charter", headers=bearer(ana)))
    assert adopted["founding"] and adopted["principles"]
    decisions = valid(app, client, "/api/v1/decisions",
                      client.get("/api/v1/decisions", headers=bearer(ana)))
    assert [d["id"] for d in decisions["decisions"]] == [world["motion_id"]]
    path = f"/api/v1/decisions/{world['motion_id']}"
    assert valid(app, client, path, client.get(path, headers=bearer(ana)))["result"]
    # A proof is for the ethics committee, as /journal/preuves is.
    valid(app, client, "/api/v1/proofs/0", client.get("/api/v1/proofs/0",
                                                      headers=bearer(ana)), 403)
    proof = valid(app, client, "/api/v1/proofs/0", client.get("/api/v1/proofs/0",
                                                              headers=bearer(ethics)))
    assert proof["index"] == 0
    valid(app, client, "/api/v1/proofs/99999", client.get("/api/v1/proofs/99999",
                                                          headers=bearer(ethics)), 404)


def test_no_email_address_in_any_answer(app, client, world):
    for path in ("/api/v1/register", "/api/v1/checkpoint", *MEMBER_ROUTES,
                 f"/api/v1/consultations/{world['consultation_id']}/synthesis",
                 f"/api/v1/decisions/{world['motion_id']}"):
        text = client.get(path, headers=bearer(world["tokens"]["ana"])).get_data(as_text=True)
        assert "@coop.example" not in text, path


def test_the_cli_makes_lists_and_revokes_tokens(app, coop):
    runner = app.test_cli_runner()
    made = runner.invoke(cli, ["api", "token", "create", "--email", "ana@coop.example",
                               "--name", "tableau"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("plb_")
    listed = runner.invoke(cli, ["api", "token", "list"])
    assert "tableau" in listed.output and token not in listed.output
    with app.app_context():
        row = get_session().exec(select(ApiToken)).one()
        assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert runner.invoke(cli, ["api", "token", "revoke", str(row.id)]).exit_code == 0
    again = runner.invoke(cli, ["api", "token", "revoke", str(row.id)])
    assert again.exit_code == 2 and "révoqué" in again.output
    unknown = runner.invoke(cli, ["api", "token", "create", "--email", "no@coop.example",
                                  "--name", "x"])
    assert unknown.exit_code == 2
    with app.app_context():
        kinds = [e.event_type for e in get_session().exec(select(AuditEvent))]
        assert kinds.count("ApiTokenCreated") == 1 and kinds.count("ApiTokenRevoked") == 1


@pytest.mark.parametrize("who", [None, "ana"])
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(app, world, who):
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = bearer(world["tokens"][who]) if who else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Every operation but the document itself, which schemathesis leaves out.
    assert {o.path for o in operations} == set(schema.raw_schema["paths"]) - {schema.location}
    for operation in operations:
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers,
                                   checks=[not_a_server_error, response_schema_conformance])

        check()
