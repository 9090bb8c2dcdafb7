"""The synthesis of a consultation: drafted and published by the facilitation team under
/facilitate, read by the members under /consultations (only published versions: who reads
what is decided in consult/services/synthesis.py). Thin: call the service, render, hand the
file over."""

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from .. import reports
from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm
from ..services import ServiceError
from ..services import synthesis as service
from . import attachment, context_of, flash_error, role_required
from .analysis import reason_text

bp = Blueprint("synthesis", __name__, url_prefix="/facilitate")
members = Blueprint("synthesis_members", __name__, url_prefix="/consultations")
FORMATS = ("pdf", "html", "csv", "json")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """Drafts are read and published by the facilitation team (and administrators)."""


@members.before_request
@login_required
def signed_in():
    """Published syntheses are for signed-in members."""


MIMETYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
             "csv": "text/csv; charset=utf-8", "json": "application/json"}


def synthesis_file(view: service.SynthesisView, fmt: str) -> tuple[bytes, str]:
    """The synthesis as a file (PDF, standalone HTML, CSV of its themes, or its JSON) and its
    name; the command line's ``palabre report`` writes the same bytes."""
    name = f"synthese-{view.consultation.id}" + (f"-v{view.version}" if view.version else
                                                 "-brouillon")
    if fmt == "json":
        return service.themes_json(view.document), f"{name}.json"
    if fmt == "csv":
        return service.themes_csv(view.document), f"{name}.csv"
    html = render_template("synthesis/print.html", **context_of(view), reason_text=reason_text)
    if fmt == "html":
        return html.encode("utf-8"), f"{name}.html"
    return reports.pdf_from_html(html), f"{name}.pdf"


def render_file(view: service.SynthesisView, fmt: str):
    body, name = synthesis_file(view, fmt)
    return attachment(body, name, MIMETYPES[fmt])


@bp.get("/consultations/<int:consultation_id>/synthesis")
def draft(consultation_id: int):
    view = service.draft(get_session(), current_user, consultation_id, zone=_zone())
    return render_template("synthesis/page.html", **context_of(view), reason_text=reason_text,
                           form=ConfirmForm())


@bp.get("/consultations/<int:consultation_id>/synthesis/draft.<any(pdf,html,csv,json):fmt>")
def draft_file(consultation_id: int, fmt: str):
    return render_file(service.draft(get_session(), current_user, consultation_id, zone=_zone()),
                       fmt)


@bp.post("/consultations/<int:consultation_id>/synthesis/publish")
def publish(consultation_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        row = service.publish(get_session(), current_user, consultation_id, zone=_zone())
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("synthesis.draft", consultation_id=consultation_id))
    flash(gettext("Synthèse publiée (version %(version)s) : les membres la lisent sur la page "
                  "de la consultation.", version=row.version), "success")
    return redirect(url_for("synthesis_members.show", consultation_id=consultation_id))


def _zone() -> ZoneInfo:
    """The cooperative's time zone: the participation's days are its days."""
    return ZoneInfo(current_app.config["PALABRE_TIMEZONE"])


def _version() -> int | None:
    value = request.args.get("version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@members.get("/<int:consultation_id>/synthese")
def show(consultation_id: int):
    view = service.published(get_session(), current_user, consultation_id, _version())
    return render_template("synthesis/page.html", **context_of(view), reason_text=reason_text)


@members.get("/<int:consultation_id>/synthese.<any(pdf,csv,json):fmt>")
def download(consultation_id: int, fmt: str):
    view = service.published(get_session(), current_user, consultation_id, _version())
    return render_file(view, fmt)
