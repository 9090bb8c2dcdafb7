"""Facilitators' side: create and run consultations, read and moderate contributions."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..access import FACILITATION
from ..db import get_session
from ..forms import STATUS_LABELS, ConfirmForm, ConsultationForm, ReasonForm
from ..pseudonyms import pseudonym
from ..services import ServiceError
from ..services import consultation_pages as pages
from ..services import consultations as consultation_service
from ..services import contributions as contribution_service
from ..services import moderation as moderation_service
from ..services.cooperative import list_colleges
from . import context_of, flash_error, page_number, role_required

bp = Blueprint("facilitate", __name__, url_prefix="/facilitate")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """Every page here is for the facilitation team (and administrators)."""


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PALABRE_TIMEZONE"])


def _to_utc(value: datetime | None) -> datetime | None:
    """A date typed in the cooperative's time zone, stored in UTC."""
    return value.replace(tzinfo=_zone()).astimezone(UTC) if value else None


def _to_local(value: datetime | None) -> datetime | None:
    return value.astimezone(_zone()).replace(tzinfo=None) if value else None


def _input(form: ConsultationForm) -> consultation_service.ConsultationInput:
    return consultation_service.ConsultationInput(
        title=form.title.data or "",
        question=form.question.data or "",
        description=form.description.data or "",
        opens_at=_to_utc(form.opens_at.data),
        closes_at=_to_utc(form.closes_at.data),
        anonymity=form.anonymity.data,
        stance_scale=form.stance_scale.data,
        college_ids=tuple(int(x) for x in form.colleges.data or ()),
    )


@bp.get("/consultations")
def consultations():
    listing = pages.facilitation_list(get_session(), current_user)
    return render_template("facilitate/consultations.html", **context_of(listing))


@bp.route("/consultations/new", methods=["GET", "POST"])
def new():
    db = get_session()
    form = ConsultationForm()
    form.fill_choices(list_colleges(db))
    if request.method == "GET":
        form.colleges.data = [str(c.id) for c in list_colleges(db)]
    if form.validate_on_submit():
        try:
            consultation = consultation_service.create_consultation(db, current_user, _input(form))
        except ServiceError as error:
            flash_error(error)
            return render_template("facilitate/edit.html", form=form, consultation=None), 422
        flash(
            gettext("Consultation créée en préparation. Ouvrez-la quand elle est prête."), "success"
        )
        return redirect(url_for("facilitate.consultation", consultation_id=consultation.id))
    return render_template("facilitate/edit.html", form=form, consultation=None)


@bp.route("/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
def edit(consultation_id: int):
    db = get_session()
    consultation = consultation_service.get_consultation(db, consultation_id)
    form = ConsultationForm(obj=consultation if request.method == "GET" else None)
    form.fill_choices(list_colleges(db))
    if request.method == "GET":
        form.opens_at.data = _to_local(consultation.opens_at)
        form.closes_at.data = _to_local(consultation.closes_at)
        form.colleges.data = [
            str(i) for i in consultation_service.invited_college_ids(db, consultation.id)
        ]
    if form.validate_on_submit():
        try:
            consultation_service.update_consultation(
                db, current_user, consultation.id, _input(form)
            )
        except ServiceError as error:
            flash_error(error)
            return render_template(
                "facilitate/edit.html", form=form, consultation=consultation
            ), 422
        flash(gettext("Consultation enregistrée."), "success")
        return redirect(url_for("facilitate.consultation", consultation_id=consultation.id))
    return render_template("facilitate/edit.html", form=form, consultation=consultation)


def author_label(author: pages.Authorship) -> str:
    """Who wrote it, as the facilitation team may know it, in the visitor's language."""
    if author.kind == "member":
        return author.value
    if author.kind == "anonymous":
        return gettext("Anonyme")
    if author.kind == "imported":
        return gettext("Participant importé n° %(number)s", number=author.value)
    return gettext("Participant·e %(pseudonym)s", pseudonym=pseudonym(author.value))


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    """The consultation's dashboard: lifecycle buttons and every contribution."""
    dashboard = pages.consultation_dashboard(
        get_session(),
        current_user,
        consultation_id,
        show=request.args.get("show", "all"),
        page=page_number(),
    )
    context = context_of(dashboard)
    context["authors"] = {i: author_label(a) for i, a in dashboard.authors.items()}
    return render_template(
        "facilitate/consultation.html",
        **context,
        action_form=ConfirmForm(),
        reason_form=ReasonForm(formdata=None),
    )


@bp.post("/consultations/<int:consultation_id>/status/<target>")
def status(consultation_id: int, target: str):
    """Move a consultation along its lifecycle; closing it and marking it analysed, which members
    and the analysis feel at once, are asked to be confirmed first (a page, no script)."""
    form = ConfirmForm()
    if form.validate_on_submit() and target in CONFIRMED and request.form.get("confirm") != "yes":
        consultation = consultation_service.get_consultation(get_session(), consultation_id)
        return render_template("facilitate/confirm_status.html", consultation=consultation,
                               target=target, form=form)
    if form.validate_on_submit():
        try:
            consultation_service.change_status(get_session(), current_user, consultation_id, target)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                gettext("État de la consultation : %(status)s.", status=str(_status_label(target))),
                "success",
            )
    return redirect(url_for("facilitate.consultation", consultation_id=consultation_id))


CONFIRMED = ("closed", "analysed")


def _status_label(status: str):
    return STATUS_LABELS.get(status, status)


@bp.post("/contributions/<int:contribution_id>/<any(hide, restore):action>")
def moderate(contribution_id: int, action: str):
    db = get_session()
    contribution = contribution_service.get_contribution(db, contribution_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if action == "hide":
                moderation_service.hide(db, current_user, contribution_id, form.reason.data or "")
                flash(
                    gettext("Contribution masquée ; elle reste enregistrée et comptée."), "success"
                )
            else:
                moderation_service.restore(
                    db, current_user, contribution_id, form.reason.data or ""
                )
                flash(gettext("Contribution rétablie."), "success")
        except ServiceError as error:
            flash_error(error)
    return redirect(
        url_for(
            "facilitate.consultation",
            consultation_id=contribution.consultation_id,
            show="moderation",
        )
        + f"#contribution-{contribution_id}"
    )
