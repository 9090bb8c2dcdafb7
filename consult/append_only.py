"""The triggers that make the audit tables append-only, on SQLite and on PostgreSQL.

A row of ``audit_event`` or ``audit_checkpoint`` can be inserted, never updated or deleted (nor,
on PostgreSQL, truncated): the database refuses, whatever the code or the person at the SQL
prompt tries. The triggers are the first line of defence; the Merkle log and its signed
checkpoints are the second, for whoever drops the triggers first (``palabre audit verify``).

Migration 0008 creates them from here; the test fixtures drop and recreate them to empty the
tables between tests, and the tampering tests drop them to play the attacker. Changing these
statements needs a new migration.
"""

from sqlalchemy import text
from sqlalchemy.engine import Connection

TABLES = ("audit_event", "audit_checkpoint")
MESSAGE = "append-only table: rows are never updated or deleted"


def create(connection: Connection) -> None:
    """Install the triggers (idempotent)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            "CREATE OR REPLACE FUNCTION palabre_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"RAISE EXCEPTION '%: {MESSAGE}', TG_TABLE_NAME; END $$"))
        for table in TABLES:
            connection.execute(text(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "
                f"{table} FOR EACH ROW EXECUTE FUNCTION palabre_append_only()"))
            connection.execute(text(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION palabre_append_only()"))
        return
    for table in TABLES:
        for action in ("UPDATE", "DELETE"):
            connection.execute(text(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON "
                f"{table} BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END"))


def drop(connection: Connection) -> None:
    """Remove the triggers: for the test fixtures and the tampering tests only."""
    postgres = connection.dialect.name == "postgresql"
    for table in TABLES:
        if postgres:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
            connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"))
        else:
            for action in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))
