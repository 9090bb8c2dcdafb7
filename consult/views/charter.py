"""The AI charter, under /charte: the charter in force and every version adopted, for every
signed-in member, as pages and PDF; the board's drafts, their form, their consultation and
their withdrawal. Adoption is not here: only a motion adopts (the board's pages). Thin: parse,
call one service, render."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required

from .. import reports
from ..access import BOARD
from ..db import get_session
from ..forms_charter import (
    CHANGE_LABELS,
    STATUS_LABELS,
    OpenConsultationForm,
    WithdrawForm,
    draft_form,
    slots_of,
)
from ..services import ServiceError, charter, charter_pages
from ..services.audit_log import signer_for
from . import attachment, context_of, flash_error, role_required, say
from .analysis import reason_text

bp = Blueprint("charter", __name__)


@bp.before_request
@login_required
def signed_in_members():
    """Every page of the charter is for signed-in members; the services check the rest."""


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PALABRE_TIMEZONE"])


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "change_labels": CHANGE_LABELS,
            "reason_text": reason_text}


@bp.get("/charte")
def index():
    page = charter_pages.charter_page(get_session(), current_user)
    return render_template("charter/index.html", **_labels(), **context_of(page))


@bp.get("/charte/versions")
def history():
    page = charter_pages.charter_page(get_session(), current_user)
    return render_template("charter/versions.html", **_labels(), **context_of(page))


def _version(version_id: int, *, consult_form=None, withdraw_form=None, status: int = 200):
    page = charter_pages.version_page(get_session(), current_user, version_id)
    if consult_form is None:
        consult_form = OpenConsultationForm(formdata=None, closes_at=(
            datetime.now(UTC) + timedelta(days=14)).astimezone(_zone()).replace(
                tzinfo=None, second=0, microsecond=0))
    refusal = say(page.vote_refusal) if page.vote_refusal is not None else None
    return render_template(
        "charter/version.html", **_labels(), **context_of(page), refusal=refusal,
        consult_form=consult_form, withdraw_form=withdraw_form or WithdrawForm(formdata=None),
    ), status


@bp.get("/charte/versions/<int:version_id>")
def version(version_id: int):
    return _version(version_id)


def _file_name(number: int) -> str:
    return f"charte-ia-version-{int(number)}.pdf"


def _pdf(version_id: int | None) -> Response:
    view = charter_pages.readable_version(get_session(), current_user, version_id)
    html = render_template("charter/print.html", version=view, status_labels=STATUS_LABELS,
                           generated_at=datetime.now(UTC))
    name = _file_name(view.number)
    return attachment(reports.pdf_from_html(html), name, "application/pdf")


@bp.get("/charte.pdf")
def current_pdf():
    return _pdf(None)


@bp.get("/charte/versions/<int:version_id>.pdf")
def version_pdf(version_id: int):
    return _pdf(version_id)


def _refused(form, error: charter.CharterInvalid) -> None:
    """Each problem on its slot's field; those of the whole draft as a message."""
    for problem in error.problems:
        text = gettext(problem.message, **problem.params)
        if problem.slot is not None and problem.slot < len(form.principles.entries):
            field = form.principles.entries[problem.slot].form[problem.field]
            field.errors = [*field.errors, text]
        elif problem.field == "summary":
            form.summary.errors = [*form.summary.errors, text]
        else:
            flash(text, "error")


def _draft_page(form, version_id: int | None):
    status = 422 if request.method == "POST" else 200
    return render_template("charter/edit.html", form=form, version_id=version_id,
                           current=charter.adopted_version(get_session())), status


@bp.route("/charte/projets/nouveau", methods=["GET", "POST"])
@role_required(BOARD)
def new():
    db = get_session()
    if request.method == "GET":
        return _draft_page(draft_form(*charter_pages.draft_slots(db, current_user, None)), None)
    form = draft_form()
    if form.validate_on_submit():
        try:
            row = charter.draft_amendment(db, current_user, slots_of(form), form.summary.data,
                                          signer_for(current_app.config))
        except charter.CharterInvalid as error:
            _refused(form, error)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Projet d'amendement enregistré (version %(number)s).",
                          number=row.number), "success")
            return redirect(url_for("charter.version", version_id=row.id))
    return _draft_page(form, None)


@bp.route("/charte/projets/<int:version_id>/modifier", methods=["GET", "POST"])
@role_required(BOARD)
def edit(version_id: int):
    db = get_session()
    if request.method == "GET":
        return _draft_page(draft_form(*charter_pages.draft_slots(db, current_user, version_id)),
                           version_id)
    form = draft_form()
    if form.validate_on_submit():
        try:
            charter.edit_draft(db, current_user, version_id, slots_of(form), form.summary.data,
                               signer_for(current_app.config))
        except charter.CharterInvalid as error:
            _refused(form, error)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Projet modifié."), "success")
            return redirect(url_for("charter.version", version_id=version_id))
    return _draft_page(form, version_id)


@bp.post("/charte/projets/<int:version_id>/consultation")
@role_required(BOARD)
def open_consultation(version_id: int):
    form = OpenConsultationForm()
    if form.validate_on_submit():
        closes_at = form.closes_at.data.replace(tzinfo=_zone()).astimezone(UTC)
        try:
            charter.open_to_consultation(get_session(), current_user, version_id,
                                         signer_for(current_app.config), closes_at=closes_at)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("La consultation des membres sur cet amendement est ouverte."),
                  "success")
            return redirect(url_for("charter.version", version_id=version_id))
    return _version(version_id, consult_form=form, status=422)


@bp.post("/charte/projets/<int:version_id>/retrait")
@role_required(BOARD)
def withdraw(version_id: int):
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            charter.withdraw_draft(get_session(), current_user, version_id, form.reason.data,
                                   signer_for(current_app.config))
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Projet retiré."), "success")
            return redirect(url_for("charter.version", version_id=version_id))
    return _version(version_id, withdraw_form=form, status=422)

