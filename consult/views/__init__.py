"""Blueprints, sign-in wiring, error pages and what every template can use."""

from dataclasses import fields
from datetime import datetime, time
from functools import wraps
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from .. import access
from ..db import UNREACHABLE, abandon_session, get_session, out_of_space, rollback_session
from ..extensions import login_manager
from ..forms import (
    ROLE_LABELS,
    STANCE_LABELS,
    STATUS_LABELS,
    VOTE_LABELS,
    ConfirmForm,
)
from ..rules import SETTLED, Problem
from ..services import NotFound, PermissionDenied, ServiceError
from ..services.cooperative import get_cooperative
from ..services.members import find_by_ref


def role_required(roles: frozenset[str]):
    """Page guard: a signed-in member holding one of ``roles`` (a set of consult.access), else
    403; a visitor who is not signed in goes to the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not access.holds(current_user, roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def say(problem: Problem) -> str:
    """A rule's or service's message in the visitor's language; its dates in the cooperative's
    time zone (rules and services give datetimes, never formatted strings)."""
    params = {name: _shown(value) for name, value in problem.params.items()}
    return gettext(problem.message, **params)


def _shown(value):
    if isinstance(value, datetime):
        return _local_dt(value)
    if isinstance(value, float):  # 82,83 in French, 82.83 in English
        return format_decimal(value, format="#,##0.##")
    if isinstance(value, Problem):  # "Ligne 3 : <why>", each part in the reader's language
        return say(value)
    return value


def flash_error(error: ServiceError) -> None:
    """Say why a service refused; what it had begun to change is rolled back, so that the page
    shown next reads the database as it is."""
    rollback_session()
    flash(say(error.problem), "error")


def public_url(endpoint: str, **values) -> str:
    """A full link to a page, for an e-mail or for the administrator to pass on: on
    PALABRE_BASE_URL, or else on the address this request came to (development)."""
    base = current_app.config["PALABRE_BASE_URL"] or request.url_root
    return base.rstrip("/") + url_for(endpoint, **values)


def attachment(body: bytes | str, filename: str, mimetype: str) -> Response:
    """A download: ``body`` saved by the browser as ``filename`` (a name the app made, never
    one typed by a person)."""
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def context_of(page) -> dict:
    """A page dataclass assembled by a service, as template variables (one per field)."""
    return {field.name: getattr(page, field.name) for field in fields(page)}


MAX_PAGE_DIGITS = 9  # no list has a billion pages: longer numbers are not pages


def page_number(name: str = "page") -> int:
    """The page asked for in the query string; 1 when absent or not a positive number, and
    "not found" for a number no list can reach (the services clamp to the last page)."""
    value = request.args.get(name, "1")
    if not value.isdigit():
        return 1
    if len(value) > MAX_PAGE_DIGITS:
        abort(404)
    return max(int(value), 1)


def ids_from(values: list[str]) -> frozenset[int]:
    """The row ids among query-string values (others, and numbers no row can have, ignored)."""
    return frozenset(int(v) for v in values if v.isdigit() and len(v) <= 18)


def safe_next(target: str | None, default: str) -> str:
    """Where to send the visitor back: a path of this site, else ``default``.

    Refused: other sites (``//host``, ``https://host``), backslashes, and any whitespace or
    control character, which browsers drop (``/<TAB>/evil.example`` becomes ``//evil.example``)
    and which would break the redirect's header.
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target)
    ):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def init_app(app: Flask) -> None:
    from . import (
        account,
        admin,
        analysis,
        api,
        auth,
        bias_tests,
        board,
        charter,
        consultations,
        facilitate,
        journal,
        main,
        minutes,
        model_cards,
        notifications,
        participation,
        proposals,
        register,
        synthesis,
        themes,
        transfer,
    )

    for module in (main, auth, admin, consultations, facilitate, analysis, transfer, proposals,
                   account, journal, register, bias_tests):
        app.register_blueprint(module.bp)
    app.register_blueprint(register.public)
    app.register_blueprint(board.bp)
    app.register_blueprint(board.votes)
    app.register_blueprint(model_cards.bp)
    app.register_blueprint(model_cards.public)
    app.register_blueprint(charter.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(minutes.bp)
    app.register_blueprint(minutes.members)
    app.register_blueprint(participation.bp)
    app.register_blueprint(themes.bp)
    app.register_blueprint(synthesis.bp)
    app.register_blueprint(synthesis.members)
    app.register_blueprint(api.bp)
    from ..charts import scatter_map, share_bars
    from ..services.participation import college_charts

    # Chart geometry from ready values (consult/charts.py), drawn by templates/_charts.html.
    app.add_template_global(share_bars, "share_bars_of")
    app.add_template_global(scatter_map, "theme_map_of")
    app.add_template_global(college_charts, "participation_charts_of")
    app.add_template_filter(_local_dt, "local_dt")
    app.add_template_filter(_paragraphs, "paragraphs")

    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page explains itself
    login_manager.user_loader(_load_member)

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    # A service refusing a missing or forbidden object: its error page, whatever the view.
    app.register_error_handler(NotFound, _refusal_page)
    app.register_error_handler(PermissionDenied, _refusal_page)
    # The database gone (restarted, stopped) or the disk full: a page that says what became of
    # what was sent, never a traceback.
    for error in UNREACHABLE:
        app.register_error_handler(error, _database_page)
    app.register_error_handler(OSError, _disk_full_page)

    @app.context_processor
    def globals_for_templates():
        try:
            cooperative = get_cooperative(get_session())
        except Exception:  # an error page must render even when the database is down
            cooperative = None
        return {
            "can": access.can(current_user if current_user.is_authenticated else None),
            "cooperative": cooperative,
            "get_locale": get_locale,
            "say": say,
            "role_labels": ROLE_LABELS,
            "settled": SETTLED,
            "stance_labels": STANCE_LABELS,
            "status_labels": STATUS_LABELS,
            "vote_labels": VOTE_LABELS,
            # formdata=None: an error page must render without reading the request body.
            "logout_form": ConfirmForm(formdata=None),
        }

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages and downloads hold members' words and data: no copy on disk or in a proxy.
            response.headers["Cache-Control"] = "no-store"
        if app.config["PALABRE_ENV"] == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def _local_dt(value) -> str:
    """A stored UTC time shown in the cooperative's time zone; a date alone (stored as its local
    midnight, as imports do) as a date."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(current_app.config["PALABRE_TIMEZONE"]))
    if local.time() == time():  # midnight to the microsecond: a date given without a time
        return local.strftime("%d/%m/%Y")
    return local.strftime("%d/%m/%Y %H:%M")


def _paragraphs(text: str) -> Markup:
    """Plain text as escaped paragraphs."""
    blocks = [b.strip() for b in (text or "").split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b)}</p>" for b in blocks))


def _load_member(user_id: str):
    """The member of a session, if it is still theirs: active, and opened since the last time
    their sessions were ended (sign-out, new password, deactivation, new roles)."""
    ref, _, version = user_id.partition(".")
    member = find_by_ref(get_session(), ref)
    if member is None or not member.active or str(member.session_version) != version:
        return None
    return member


def _refusal_page(error: NotFound | PermissionDenied):
    rollback_session()
    return _render_error(error.status)


def _error_page(error):
    rollback_session()
    code = error.code if isinstance(error, HTTPException) else 500
    description = None
    if code == 400 and getattr(error, "description", "").startswith("The CSRF"):
        description = gettext(
            "Le formulaire a expiré ou n'a pas été envoyé depuis cette page. "
            "Rechargez la page et recommencez."
        )
    return _render_error(code, description)


def _database_page(error):
    if out_of_space(error):
        return _disk_full_page(error)
    # Nothing more is asked of the database while rendering: the page is drawn as for a
    # visitor (the member's name and roles would need it); their session cookie is kept.
    abandon_session()
    g._login_user = login_manager.anonymous_user()
    page, code = _render_error(503, typed=_typed())
    return page, code, {"Retry-After": "10"}


def _disk_full_page(error: OSError):
    if not out_of_space(error):
        raise error
    rollback_session()
    return _render_error(507, typed=_typed())


SECRET_FIELDS = ("csrf", "password", "token", "key")


def _typed() -> list[str] | None:
    """What the person wrote in the form just sent (None for a page asked for), so that an
    error page can give it back: the texts, not the hidden fields, secrets or choices."""
    if request.method != "POST":
        return None
    return [value for name, value in request.form.items(multi=True)
            if not any(word in name for word in SECRET_FIELDS)
            and (" " in value.strip() or len(value) >= 20)]


def _render_error(code: int, description: str | None = None, typed: list[str] | None = None):
    known = (403, 404, 413, 429, 500, 503, 507)
    template = f"errors/{code if code in known else 'generic'}.html"
    return (
        render_template(
            template,
            code=code,
            description=description,
            typed=typed,
            path=request.path,
            max_mb=current_app.config.get("PALABRE_MAX_UPLOAD_MB"),
        ),
        code,
    )
