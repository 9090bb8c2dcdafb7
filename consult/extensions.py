"""Flask extensions, created once and bound to each app in create_app."""

from flask import request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from .config import LANGUAGES

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()


def select_locale() -> str:
    """The visitor's chosen language, else the configured default (French)."""
    from flask import current_app

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if request.args.get("lang") in LANGUAGES:
        return request.args["lang"]
    return current_app.config.get("PALABRE_DEFAULT_LANGUAGE", "fr")
