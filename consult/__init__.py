"""Palabre: a cooperative's own tool to govern its use of AI together."""

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from . import db, jobs
from .config import (
    ConfigurationError,
    instance_secret_key,
    load_settings,
    production_problems,
)
from .extensions import babel, csrf, limiter, login_manager, select_locale
from .proxies import TrustedProxies, trusted_addresses

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment's settings and `config` overrides."""
    config = dict(config or {})
    explicit_instance = config.pop("INSTANCE_PATH", None)
    settings = load_settings(overrides=config)
    instance_path = explicit_instance or settings["PALABRE_INSTANCE_PATH"]
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path or ROOT / "instance").resolve()),
        template_folder=str(ROOT / "templates"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings["PALABRE_INSTANCE_PATH"] = app.instance_path
    if not settings["PALABRE_SECRET_KEY"]:
        settings["PALABRE_SECRET_KEY"] = instance_secret_key(app.instance_path)
    if not settings["PALABRE_PSEUDONYM_KEY"]:
        settings["PALABRE_PSEUDONYM_KEY"] = instance_secret_key(app.instance_path, "pseudonym_key")
    production = settings["PALABRE_ENV"] == "production"
    if production and (problems := production_problems(settings)):
        raise ConfigurationError(
            "Configuration non sûre pour la production / insecure production configuration:\n- "
            + "\n- ".join(problems)
        )
    app.config.update(settings)
    app.config.update(_flask_settings(settings, production))
    app.config.update({k: v for k, v in config.items() if not k.startswith("PALABRE_")})

    db.init_app(app)
    jobs.configure(settings, app.instance_path)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )

    from . import views

    views.init_app(app)
    if trusted := trusted_addresses(settings["PALABRE_TRUSTED_PROXIES"]):
        app.wsgi_app = TrustedProxies(app.wsgi_app, trusted)
    return app


def _flask_settings(settings: dict[str, Any], production: bool) -> dict[str, Any]:
    """Flask and extension settings derived from Palabre's own."""
    return {
        "SECRET_KEY": settings["PALABRE_SECRET_KEY"],
        "MAX_CONTENT_LENGTH": settings["PALABRE_MAX_UPLOAD_MB"] * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "palabre_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings["PALABRE_SESSION_HOURS"]),
        "BABEL_DEFAULT_LOCALE": settings["PALABRE_DEFAULT_LANGUAGE"],
        "RATELIMIT_STORAGE_URI": settings["PALABRE_REDIS_URL"] or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: the sign-in limits hold in this process's memory until it is back.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }
