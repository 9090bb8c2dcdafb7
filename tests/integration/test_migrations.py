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
