"""Database engine and sessions: one engine per app, one Session per request."""

import errno
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from .rules import N_

MIGRATIONS = Path(__file__).parent / "migrations"
# The database cannot be reached or has gone away (restarted, stopped, out of space): the
# request is answered with a page, never a traceback; its transaction was never committed.
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError)
SQLITE_FULL = 13  # sqlite3's result code for "database or disk is full"
POSTGRES_DISK_FULL = "53100"
TOO_LONG = N_("Un champ dépasse la longueur permise (%(max)s caractères) : raccourcissez-le.")


def database_url(settings: dict, instance_path: str) -> str:
    """The configured URL, or the SQLite file in the instance folder."""
    url = settings.get("PALABRE_DATABASE_URL") or ""
    if not url:
        return f"sqlite:///{Path(instance_path) / 'palabre.sqlite3'}"
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@event.listens_for(Session, "before_flush")
def _refuse_text_too_long(session, _context, _instances) -> None:
    """Every string column with a length is checked before the database sees it: SQLite would
    store a longer value where PostgreSQL refuses it with an error page."""
    from .services import ServiceError

    for row in (*session.new, *session.dirty):
        table = getattr(type(row), "__table__", None)
        for column in table.columns if table is not None else ():
            limit = getattr(column.type, "length", None)
            value = getattr(row, column.key, None)
            if limit and isinstance(value, str) and len(value) > limit:
                raise ServiceError(TOO_LONG, max=limit)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    url = database_url(app.config, app.instance_path)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config["PALABRE_DATABASE_URL"] = url
    app.extensions["palabre_engine"] = make_engine(url)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["palabre_engine"]


def get_session() -> Session:
    """The Session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def rollback_session() -> None:
    """Roll back what the current request's Session holds, after an error: the error page then
    reads the database afresh (a failed flush would make every later query fail)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def out_of_space(error: BaseException) -> bool:
    """Whether a write was refused because the disk (or the database's) is full."""
    if isinstance(error, OSError):
        return error.errno == errno.ENOSPC
    cause = getattr(error, "orig", None)
    return (getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL
            or getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL)


def abandon_session() -> None:
    """Close the current request's Session even when the database was lost meanwhile: its
    connection goes back to the pool, which throws it away if it is dead."""
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except UNREACHABLE:
            pass


def _close_session(_exc: BaseException | None = None) -> None:
    # The database may go away after the answer is ready: what was committed stays, what was
    # not is rolled back by the server itself, so the answer stands.
    abandon_session()
