"""CSRF: every POST route, asked by someone who may use it, refuses a form without a CSRF token
and one carrying the token of another session (400), and the database is left as it was.

The routes come from the app's URL map, so a new POST route is checked without being listed;
the objects they act on are those of test_access.py's `world`.
"""

import hashlib

from sqlalchemy import text
from sqlmodel import SQLModel

from tests.helpers import as_person, csrf_from, read
from tests.integration.test_access import concrete
from tests.security.permissions import AUTHOR_ONLY, allowed_roles

# Plausible form fields, so that a refusal comes from the missing token and not an empty form.
FORM = {"text": "Une contribution", "reason": "Parce que", "title": "Titre", "value": "1",
        "accept": "y", "email": "admin@coop.example", "password": "correct horse battery staple",
        "name": "Nom", "display_name": "Nom", "confirm": "y", "status": "open"}

EXPIRED = "Le formulaire a expiré ou n'a pas été envoyé depuis cette page."


def post_routes(app) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules() if "POST" in r.methods})


def database_state(app) -> str:
    """A digest of every row of every table: equal digests, nothing changed."""
    engine = app.extensions["palabre_engine"]
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(text(f"SELECT * FROM {table.name}")).all()
            digest.update(table.name.encode())
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token_and_changes_nothing(
        app, world):
    foreign_token = csrf_from(read(as_person(app, "admin@coop.example").client.get("/")))
    routes = post_routes(app)
    browsers = {who: as_person(app, f"{who}@coop.example") for who in ("member", "admin")}
    checked = []
    before = database_state(app)  # signing in is recorded: taken once everyone is in
    for rule in routes:
        assert rule in AUTHOR_ONLY or "admin" in allowed_roles(rule) or rule.startswith(
            ("/login", "/password", "/invitation", "/language", "/logout")), rule
        client = browsers["member" if rule in AUTHOR_ONLY else "admin"].client
        path = concrete(rule, world)
        for token in (None, foreign_token):
            data = dict(FORM) if token is None else {**FORM, "csrf_token": token}
            response = client.post(path, data=data)
            assert response.status_code == 400, (rule, token, response.status_code)
            assert EXPIRED in read(response), rule  # told why, in French
            checked.append(rule)
        assert database_state(app) == before, rule
    # The sessions were not ended along the way: each person is still signed in.
    for browser in browsers.values():
        assert browser.client.get("/account/").status_code == 200
    assert len(set(checked)) == len(routes) > 50


def test_the_same_forms_pass_with_the_session_s_own_token(app, world):
    """The control: the refusals above come from the token, not from the form."""
    member = as_person(app, "member@coop.example")
    token = csrf_from(read(member.client.get("/")))
    path = concrete("/consultations/contributions/<int:contribution_id>/edit", world)
    assert member.client.post(path, data={**FORM, "text": "Sans jeton"}).status_code == 400
    response = member.client.post(path, data={"csrf_token": token, "text": "Avec son jeton",
                                              "stance": "for"})
    assert response.status_code == 302, read(response)
