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
    app.extensions["palabre_engine"].dispose()


def test_pages_send_security_headers(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
