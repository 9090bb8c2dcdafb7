"""Security headers on every kind of answer: HTML pages, error pages, PDF, JSON (pages and API),
the static stylesheet; HSTS on all of them in production (consult/views/__init__.py)."""

import pytest

from tests.helpers import as_person

# One answer of each kind, with who asks it (None: a visitor) and its media type.
ANSWERS = [
    (None, "/login", "text/html"),
    (None, "/static/palabre.css", "text/css"),
    (None, "/api/v1/openapi.json", "application/json"),
    (None, "/api/v1/consultations", "application/json"),  # 401 in JSON
    (None, "/journal/checkpoint.txt", "text/plain"),
    ("member", "/", "text/html"),
    ("member", "/charte.pdf", "application/pdf"),
    ("member", "/registre", "text/html"),  # 403 page
    ("member", "/consultations/999999", "text/html"),  # 404 page
    ("ethics", "/registre/{entry_id}/fiche.pdf", "application/pdf"),
    ("ethics", "/registre/tests/{test_id}.json", "application/json"),
]


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def answers(app, world):
    browsers = {}
    for who, path, mimetype in ANSWERS:
        if who is None:
            client = app.test_client()
        else:
            if who not in browsers:
                browsers[who] = as_person(app, f"{who}@coop.example").client
            client = browsers[who]
        response = client.get(path.format(**world))
        response.close()
        assert response.mimetype == mimetype, (path, response.status_code, response.mimetype)
        yield path, response


def test_every_kind_of_answer_carries_a_strict_policy(app, world):
    statuses = set()
    for path, response in answers(app, world):
        statuses.add(response.status_code)
        policy = directives(response.headers["Content-Security-Policy"])
        scripts = policy.get("script-src", policy["default-src"])
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, path
        assert "'unsafe-inline'" not in policy["default-src"], path
        assert policy["frame-ancestors"] == ["'none'"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), path
        assert "Strict-Transport-Security" not in response.headers, path  # development
    assert {200, 401, 403, 404} <= statuses


@pytest.fixture
def production(make_app):
    return make_app(PALABRE_ENV="production", PALABRE_SECRET_KEY="s" * 48,
                    PALABRE_BASE_URL="https://coop.example")


def test_in_production_every_kind_of_answer_demands_https(production):
    for path in ("/login", "/static/palabre.css", "/api/v1/openapi.json", "/api/v1/decisions",
                 "/nowhere"):
        response = production.test_client().get(path, base_url="https://coop.example")
        response.close()
        hsts = response.headers["Strict-Transport-Security"]
        assert hsts.startswith("max-age=") and int(hsts.split(";")[0][8:]) >= 180 * 86400, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path
