"""The migrations build the schema the models describe, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from consult.db import make_engine
from consult.migrate import upgrade
from tests.helpers import POSTGRES_URL


def test_migrated_schema_matches_the_models(database):
    _url, engine = database
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_upgrade_builds_an_empty_sqlite_database_and_is_repeatable(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    upgrade(engine)
    upgrade(engine)  # a second run changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {
        "cooperative",
        "college",
        "member",
        "member_role",
        "member_token",
        "audit_event",
        "alembic_version",
    } <= tables
    engine.dispose()


def test_the_session_database_is_the_configured_one(database):
    _url, engine = database
    assert engine.dialect.name == ("postgresql" if POSTGRES_URL else "sqlite")
    assert "audit_event" in inspect(engine).get_table_names()


def test_the_latest_vote_migration_keeps_the_last_of_duplicated_latest_votes(tmp_path):
    """Parallel requests of earlier versions left several latest votes; 0005 keeps the last."""
    from sqlalchemy import text

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0004")
    now = "2026-11-30 10:00:00.000000"
    with engine.begin() as db:
        db.execute(text(
            "INSERT INTO consultation (id, title, question, description, anonymity, "
            "stance_scale, status, source, created_at, updated_at) VALUES "
            f"(1, 'T', 'Q', '', 'named', 'three', 'open', 'manual', '{now}', '{now}')"))
        db.execute(text(
            "INSERT INTO contribution (id, consultation_id, participant_ref, text, redacted_text,"
            " withdrawn, hidden, report_count, version, created_at, updated_at) VALUES "
            f"(1, 1, 'a', 'x', 'x', 0, 0, 0, 1, '{now}', '{now}')"))
        for vote_id, ref, latest in [(1, "b", 1), (2, "b", 1), (3, "b", 1), (4, "c", 1),
                                     (5, "c", 0)]:
            db.execute(text(
                "INSERT INTO vote (id, contribution_id, participant_ref, value, latest, "
                f"created_at) VALUES ({vote_id}, 1, '{ref}', 1, {latest}, '{now}')"))
    upgrade(engine)
    with engine.connect() as db:
        latest = db.execute(text("SELECT id FROM vote WHERE latest ORDER BY id")).scalars().all()
    assert latest == [3, 4]
    engine.dispose()
