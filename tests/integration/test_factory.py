import os
import subprocess
import sys

import pytest

from consult import create_app
from consult.config import ConfigurationError


def test_factory_applies_overrides(app):
    assert app.config["TESTING"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # development
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024


def test_secret_key_is_generated_and_kept_in_instance(database, tmp_path):
    url, _engine = database
    config = {"INSTANCE_PATH": str(tmp_path), "PALABRE_DATABASE_URL": url, "TESTING": True}
    first = create_app(dict(config))
    second = create_app(dict(config))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text() == first.config["SECRET_KEY"]
    for app in (first, second):
        app.extensions["palabre_engine"].dispose()


def test_production_refuses_an_insecure_configuration(database, tmp_path):
    url, _engine = database
    with pytest.raises(ConfigurationError) as error:
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "PALABRE_DATABASE_URL": url,
                "PALABRE_ENV": "production",
                "PALABRE_BASE_URL": "http://coop.example",
                "PALABRE_SECRET_KEY": "too-short",
            }
        )
    assert "PALABRE_SECRET_KEY" in str(error.value)
    assert "PALABRE_BASE_URL" in str(error.value)


def test_production_accepts_the_key_generated_in_instance(database, tmp_path):
    url, _engine = database
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "PALABRE_DATABASE_URL": url,
            "PALABRE_ENV": "production",
            "PALABRE_BASE_URL": "https://coop.example",
        }
    )
    assert len(app.config["SECRET_KEY"]) >= 32
    app.extensions["palabre_engine"].dispose()


def test_production_with_a_secure_configuration_starts_with_secure_cookies(database, tmp_path):
    url, _engine = database
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "PALABRE_DATABASE_URL": url,
            "PALABRE_ENV": "production",
            "PALABRE_SECRET_KEY": "s" * 48,
            "PALABRE_BASE_URL": "https://coop.example",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    hsts = app.test_client().get("/login").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")
    app.extensions["palabre_engine"].dispose()


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


def test_signed_in_pages_and_downloads_of_personal_data_are_never_stored(app, people, browser):
    people.add("ana@coop.example")
    browser.login("ana@coop.example")
    assert browser.client.get("/").headers["Cache-Control"] == "no-store"
    download = browser.form_post("/account/", {}, post_url="/account/data")
    assert download.mimetype == "application/json"
    assert download.headers["Cache-Control"] == "no-store"
    stylesheet = browser.client.get("/static/palabre.css")
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    stylesheet.close()


@pytest.mark.parametrize("environment", [
    {"PALABRE_ENV": "prod"},
    {"PALABRE_ENV": "production", "PALABRE_BASE_URL": "http://coop.example"},
])
def test_the_command_refuses_a_bad_configuration_in_one_explanation(tmp_path, environment):
    result = subprocess.run(
        [sys.executable, "-m", "consult.cli", "settings"],
        env={**os.environ, "PALABRE_INSTANCE_PATH": str(tmp_path), **environment},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "PALABRE_" in result.stderr and " / " in result.stderr  # French / English
