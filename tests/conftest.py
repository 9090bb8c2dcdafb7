"""Shared fixtures: an app on a migrated database (SQLite, or PostgreSQL when
PALABRE_TEST_DATABASE_URL is set), a client, and `auth` verbs that read like a person."""

import html
import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from consult import create_app
from consult.db import database_url, make_engine
from consult.migrate import upgrade

POSTGRES_URL = os.environ.get("PALABRE_TEST_DATABASE_URL", "")
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TEST_PASSWORD = "correct horse battery staple"


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
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


def app_config(database_url_value: str, instance_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "PALABRE_DATABASE_URL": database_url_value,
        "PALABRE_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "PALABRE_LOGIN_RATE_LIMIT": "1000 per minute",
        "PALABRE_MAIL_SERVER": "",
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


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Browser:
    """What a person does in the app, in verbs."""

    def __init__(self, client):
        self.client = client

    def form_post(self, page_url: str, data: dict, post_url: str | None = None, **kwargs):
        """Open the page that shows the form, then submit it with its CSRF token."""
        page = self.client.get(page_url)
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(post_url or page_url, data={"csrf_token": token, **data}, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD, **kwargs):
        return self.form_post("/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.form_post("/", {}, post_url="/logout")


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


def shared_data(*parts: str) -> Path:
    """A folder or file of ../shared/data, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (run inside the Palabre workspace)")
    return path


def read(response) -> str:
    """The page as a person reads it: HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))
