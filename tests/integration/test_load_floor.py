"""The load test's floor application (bench/load/floor_app.py) keeps the rules that make it a fair
floor: a member must sign in, every form carries its CSRF token, a vote lands once and leads to the
next card, a second vote on the same card is refused by the database and said on the page."""

import os
import re
import secrets
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.postgres

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CARD = re.compile(r'action="/consultations/contributions/(\d+)/vote"')


@pytest.fixture
def floor(monkeypatch):
    url = os.environ.get("PALABRE_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("the floor application runs on PostgreSQL only (PALABRE_TEST_DATABASE_URL)")
    server = url.rsplit("/", 1)[0].replace("postgresql+psycopg://", "postgresql://")
    name = f"palabre_floor_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    monkeypatch.syspath_prepend(str(LOAD))
    sys.modules.pop("floor_app", None)
    import floor_app

    database_url = f"postgresql+psycopg://{server.split('://', 1)[1]}/{name}"
    floor_app.seed(database_url, ["a@example.org", "b@example.org"], cards=3)
    monkeypatch.setenv("FLOOR_DATABASE_URL", database_url)
    monkeypatch.setenv("FLOOR_SECRET_KEY", secrets.token_hex(16))
    app = floor_app.create_app()
    yield app, floor_app, database_url
    app.extensions["floor_engine"].dispose()
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_in(app, email):
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"csrf_token": token, "email": email}).status_code == 302
    return client


def test_a_vote_lands_once_and_leads_to_the_next_card(floor):
    app, floor_app, database_url = floor
    assert app.test_client().get("/consultations/1/vote").status_code == 401
    client = signed_in(app, "a@example.org")
    page = client.get("/consultations/1/vote").get_data(as_text=True)
    first, token = CARD.search(page).group(1), TOKEN.search(page).group(1)
    answer = client.post(f"/consultations/contributions/{first}/vote",
                         data={"csrf_token": token, "value": "1"})
    assert answer.status_code == 302
    after = client.get("/consultations/1/vote").get_data(as_text=True)
    assert CARD.search(after).group(1) != first

    again = client.post(f"/consultations/contributions/{first}/vote",
                        data={"csrf_token": token, "value": "-1"}, follow_redirects=True)
    assert "déjà enregistré" in again.get_data(as_text=True)
    assert floor_app.count_votes(database_url) == (1, 1)


def test_a_vote_without_its_token_is_refused_and_not_stored(floor):
    app, floor_app, database_url = floor
    client = signed_in(app, "b@example.org")
    page = client.get("/consultations/1/vote").get_data(as_text=True)
    card = CARD.search(page).group(1)
    answer = client.post(f"/consultations/contributions/{card}/vote", data={"value": "1"})
    assert answer.status_code == 400
    assert floor_app.count_votes(database_url) == (0, 0)
