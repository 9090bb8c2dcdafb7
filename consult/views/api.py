"""The read-only JSON API under /api/v1 (docs/api.md). Thin: read the token, call one service,
answer JSON. Public endpoints need no token; the others take a member's token
(``Authorization: Bearer …``) and never the session cookie, so that a page visited in a browser
lends the API nothing. Every refusal is JSON, in French and English."""

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from ..db import get_session, rollback_session
from ..services import NotFound, PermissionDenied, Refusal
from ..services import api as service
from ..services.api_tokens import member_for
from ..services.audit_log import signer_for
from . import say

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MESSAGES = {
    "unauthorized": ("Jeton d'API absent, inconnu ou révoqué, ou membre désactivé.",
                     "API token missing, unknown or revoked, or member deactivated."),
    "no_checkpoint": ("Le journal n'a pas encore de point de contrôle signé.",
                      "The log has no signed checkpoint yet."),
    "no_charter": ("La coopérative n'a pas encore de charte adoptée.",
                   "The cooperative has no adopted charter yet."),
    "bad_version": ("La version demandée doit être un nombre entier positif.",
                    "The version asked for must be a positive whole number."),
    "not_found": ("Cette adresse de l'API n'existe pas.", "This API address does not exist."),
    "refused": ("Requête refusée.", "Request refused."),
}
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


def _error(status: int, key: str, fr: str | None = None, en: str | None = None):
    default_fr, default_en = MESSAGES.get(key, MESSAGES["refused"])
    response = jsonify({"error": CODES.get(status, key),
                        "message": {"fr": fr or default_fr, "en": en or default_en}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="palabre"'
    return response


class Unauthorized(Exception):
    """No valid token: answered 401."""


def _member():
    member = member_for(get_session(), request.headers.get("Authorization"))
    if member is None:
        raise Unauthorized()
    return member


def _signer():
    return signer_for(current_app.config)


@bp.errorhandler(Unauthorized)
def _unauthorized(_error_):
    rollback_session()
    return _error(401, "unauthorized")


@bp.errorhandler(Refusal)
def _refused(error: Refusal):
    rollback_session()
    with force_locale("fr"):
        fr = say(error.problem)
    with force_locale("en"):
        en = say(error.problem)
    status = 404 if isinstance(error, NotFound) else 403 if isinstance(
        error, PermissionDenied) else 400
    return _error(status, "refused", fr, en)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException):
    rollback_session()
    return _error(error.code or 400, "not_found" if error.code == 404 else "refused")


@bp.after_request
def _json_only(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Public ---------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi():
    return jsonify(service.openapi())


@bp.get("/register")
def register():
    return jsonify(service.public_register(get_session()))


@bp.get("/checkpoint")
def checkpoint():
    document = service.latest_checkpoint(get_session(), _signer())
    return jsonify(document) if document is not None else _error(404, "no_checkpoint")


# --- With a member's token --------------------------------------------------------------------


def _checked_id(value: int) -> int:
    if value > service.MAX_ID:  # no row has it; PostgreSQL would refuse the comparison
        abort(404)
    return value


@bp.get("/proofs/<int:index>")
def proof(index: int):
    member = _member()
    return jsonify(service.proof(get_session(), member, _signer(), _checked_id(index)))


@bp.get("/charter")
def charter():
    document = service.charter(get_session(), _member())
    return jsonify(document) if document is not None else _error(404, "no_charter")


@bp.get("/consultations")
def consultations():
    return jsonify(service.consultations(get_session(), _member()))


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    member = _member()
    return jsonify(service.consultation(get_session(), member, _checked_id(consultation_id)))


@bp.get("/consultations/<int:consultation_id>/synthesis")
def synthesis(consultation_id: int):
    member = _member()
    value = request.args.get("version")
    if value is not None and not (value.isdigit() and 0 < int(value) <= service.MAX_ID):
        return _error(400, "bad_version")
    return jsonify(service.synthesis(get_session(), member, _checked_id(consultation_id),
                                     int(value) if value is not None else None))


@bp.get("/decisions")
def decisions():
    return jsonify(service.decisions(get_session(), _member()))


@bp.get("/decisions/<int:motion_id>")
def decision(motion_id: int):
    member = _member()
    return jsonify(service.decision(get_session(), member, _checked_id(motion_id),
                                    current_app.config))
