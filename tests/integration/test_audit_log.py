"""The audit log as stored: appended in the event's transaction, append-only, checked end to
end by `palabre audit verify`, with proofs a member checks offline."""

import json
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from consult import append_only
from consult.cli import cli
from consult.db import get_engine, get_session
from consult.migrate import upgrade
from consult.models import AuditEvent, AuditLog
from ethics_register import root
from tests.helpers import HttpSession, LiveServer, events


def run(app, *args):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args])


def some_events(people, n=6, start=0):
    for i in range(start, start + n):
        people.college(f"Collège {i}", 10)


def raw(app, sql, **params):
    with app.app_context():
        with get_engine().begin() as connection:
            append_only.drop(connection)
            connection.execute(text(sql), params)
            append_only.create(connection)


def test_events_take_consecutive_places_and_the_state_keeps_the_root(app, people):
    some_events(people)
    rows = events(app)
    assert [e.leaf_index for e in rows] == list(range(len(rows)))
    with app.app_context():
        state = get_session().get(AuditLog, 1)
    assert state.size == len(rows)
    assert state.root_hash == root([bytes.fromhex(e.leaf_hash) for e in rows]).hex()
    assert json.loads(rows[3].canonical)["previous_leaf"] == rows[2].leaf_hash


def test_the_database_refuses_to_update_or_delete_an_event(app, people):
    some_events(people, 2)
    with app.app_context():
        for sql in ("UPDATE audit_event SET actor_ref = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(DatabaseError, match="append-only"):
                with get_engine().begin() as connection:
                    connection.execute(text(sql))
    assert len(events(app)) == 2


def test_verify_says_ok_then_names_each_kind_of_tampering(app, people):
    some_events(people, 8)
    assert run(app, "audit", "checkpoint").exit_code == 0
    result = run(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "OK : 8 événements" in result.output


@pytest.mark.parametrize("sql, kind, index", [
    ("UPDATE audit_event SET canonical = replace(canonical, 'Collège 3', 'Collège 9') "
     "WHERE leaf_index = 3", "altered", 3),
    ("DELETE FROM audit_event WHERE leaf_index = 4", "deleted", 4),
    ("UPDATE audit_event SET leaf_index = leaf_index + 100 WHERE leaf_index = 2", "deleted", 2),
    ("UPDATE audit_event SET leaf_index = CASE leaf_index WHEN 5 THEN 6 ELSE 5 END "
     "WHERE leaf_index IN (5, 6)", "reordered", 5),
])
def test_verify_fails_after_a_raw_sql_edit_and_names_the_event(app, people, sql, kind, index):
    some_events(people, 8)
    if "CASE" in sql:  # two rows cannot swap a unique index in one statement everywhere
        raw(app, "UPDATE audit_event SET leaf_index = -1 WHERE leaf_index = 5")
        raw(app, "UPDATE audit_event SET leaf_index = 5 WHERE leaf_index = 6")
        raw(app, "UPDATE audit_event SET leaf_index = 6 WHERE leaf_index = -1")
    else:
        raw(app, sql)
    result = run(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"{kind} — event {index} " in result.output


def test_an_inserted_event_is_named(app, people):
    some_events(people, 5)
    with app.app_context():
        row = get_session().exec(
            AuditEvent.__table__.select().where(AuditEvent.leaf_index == 2)).one()
    raw(app, "INSERT INTO audit_event (leaf_index, occurred_at, event_type, actor_ref, "
        "object_type, object_id, canonical, leaf_hash) VALUES (5, :at, 'CollegeCreated', NULL,"
        " 'college', '99', :canonical, :leaf)",
        at=row.occurred_at, canonical=row.canonical, leaf=row.leaf_hash)
    result = run(app, "audit", "verify")
    assert result.exit_code == 1 and "inserted — event 5 " in result.output


def test_a_rewritten_history_fails_against_the_signed_checkpoint(app, people):
    """Whoever rewrites every hash after a change still cannot sign for the instance."""
    from consult.audit import GENESIS, leaf_hash

    some_events(people, 6)
    assert run(app, "audit", "checkpoint").exit_code == 0
    with app.app_context():
        rows = list(get_session().exec(AuditEvent.__table__.select()
                                       .order_by(AuditEvent.leaf_index)))
    previous, updates = GENESIS, []
    for row in rows:
        document = json.loads(row.canonical)
        if document["index"] == 1:
            document["data"]["name"] = "Faux collège"
        document["previous_leaf"] = previous
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False)
        previous = leaf_hash(canonical)
        updates.append((row.leaf_index, canonical, previous))
    for index, canonical, leaf in updates:
        raw(app, "UPDATE audit_event SET canonical = :c, leaf_hash = :h WHERE leaf_index = :i",
            c=canonical, h=leaf, i=index)
    result = run(app, "audit", "verify")
    assert result.exit_code == 1 and "rewritten — event 0" in result.output


def test_a_kept_checkpoint_checks_and_a_forged_one_is_refused(app, people, tmp_path):
    some_events(people, 3)
    kept = tmp_path / "kept.txt"
    kept.write_text(run(app, "audit", "checkpoint").output)
    some_events(people, 2, start=3)
    result = run(app, "audit", "verify", "--checkpoint", kept)
    assert result.exit_code == 0 and "cohérent" in result.output
    kept.write_text(kept.read_text().replace("\n3\n", "\n2\n"))
    result = run(app, "audit", "verify", "--checkpoint", kept)
    assert result.exit_code == 2 and "invalid checkpoint" in result.output


def test_a_proof_file_verifies_offline_with_the_public_key_only(app, people, tmp_path):
    some_events(people, 9)
    proof = tmp_path / "proof.json"
    assert run(app, "audit", "proof", 4, "--out", proof).exit_code == 0
    key = tmp_path / "key.pub"
    key.write_text(run(app, "audit", "public-key").output)
    from click.testing import CliRunner

    from consult.cli_audit import verify_proof

    result = CliRunner().invoke(verify_proof, [str(proof), "--key", str(key)])  # no app
    assert result.exit_code == 0, result.output
    assert "l'événement 4 (CollegeCreated" in result.output
    document = json.loads(proof.read_text())
    document["event"] = document["event"].replace("Collège 4", "Collège 8")
    proof.write_text(json.dumps(document))
    result = CliRunner().invoke(verify_proof, [str(proof), "--key", str(key)])
    assert result.exit_code == 1 and "FAILED" in result.output


def test_parallel_requests_append_without_sharing_an_index(app, people):
    """Members signing in at once through a real server: every event its own place."""
    for i in range(8):
        people.add(f"m{i}@coop.example")
    before = len(events(app))
    errors = []

    def sign_in(i):
        try:
            assert HttpSession(server.url).login(f"m{i}@coop.example") == 302
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)

    with LiveServer(app) as server:
        threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors
    rows = events(app)
    assert len(rows) == before + 8
    assert sorted(e.leaf_index for e in rows) == list(range(len(rows)))
    assert run(app, "audit", "verify").exit_code == 0


def test_events_recorded_before_the_log_are_chained_by_the_migration(tmp_path):
    from consult.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0007")
    with engine.begin() as db:
        for i in range(3):
            db.execute(text(
                "INSERT INTO audit_event (occurred_at, event_type, actor_ref, object_type, "
                "object_id, canonical, leaf_hash) VALUES ('2026-11-30 10:00:00', 'X', NULL, "
                f"'college', '{i}', '{{\"type\":\"X\",\"object_id\":\"{i}\"}}', '')"))
    upgrade(engine)
    with engine.connect() as db:
        rows = db.execute(text("SELECT leaf_index, canonical, leaf_hash FROM audit_event "
                               "ORDER BY leaf_index")).all()
        size, top = db.execute(text("SELECT size, root_hash FROM audit_log")).one()
    from ethics_register import StoredEvent, check_log

    report = check_log([StoredEvent(*row) for row in rows])
    assert report.ok and report.size == size == 3 and report.root.hex() == top
    engine.dispose()


def test_the_public_page_shows_the_latest_checkpoint_and_key_to_anyone(app, client, people):
    some_events(people, 3)
    page = client.get("/journal").get_data(as_text=True)
    assert "Aucun point de contrôle" in page
    note = run(app, "audit", "checkpoint").output
    key = run(app, "audit", "public-key").output.strip()
    page = client.get("/journal").get_data(as_text=True)
    assert note.splitlines()[2] in page and key in page
    assert client.get("/journal/checkpoint.txt").get_data(as_text=True) == note
    assert client.get("/journal/key.pub").get_data(as_text=True).strip() == key


def test_proof_files_are_for_the_committee(app, people, browser):
    from ethics_register import Verifier, check_proof

    people.add("ethique@coop.example", roles=("ethics",))
    people.add("membre@coop.example")
    browser.login("membre@coop.example")
    assert browser.client.get("/journal/preuves/0.json").status_code == 403
    browser.logout()
    browser.login("ethique@coop.example")
    response = browser.client.get("/journal/preuves/1.json")
    assert response.status_code == 200
    key = run(app, "audit", "public-key").output.strip()
    _signed, event = check_proof(response.get_json(), Verifier.from_key(key))
    assert event["index"] == 1
    assert browser.client.get("/journal/preuves/999.json").status_code == 404
