"""Facilitators' side: create and run consultations, read and moderate contributions."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlmodel import func, select

from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm, ConsultationForm, ReasonForm
from ..models import College, Contribution, Member, utcnow
from ..pseudonyms import pseudonym
from ..rules import TRANSITIONS, phase
from ..services import ServiceError
from ..services import consultations as consultation_service
from ..services import moderation as moderation_service
from ..services import votes as vote_service
from ..services.cooperative import list_colleges
from . import flash_error, role_required

bp = Blueprint("facilitate", __name__, url_prefix="/facilitate")
PER_PAGE = 100


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
    db = get_session()
    items = consultation_service.list_all(db, current_user)
    now = utcnow()
    return render_template(
        "facilitate/consultations.html",
        consultations=items,
        phases={c.id: phase(consultation_service.state_of(c), now) for c in items},
        counts=consultation_service.contribution_counts(db, [c.id for c in items]),
    )


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
    consultation = _get(consultation_id)
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


def _get(consultation_id: int):
    try:
        return consultation_service.get_consultation(get_session(), consultation_id)
    except ServiceError as error:
        abort(error.status)


def author_label(contribution: Contribution, anonymity: str, members: dict[int, Member]) -> str:
    """Who wrote it, as the facilitation team may know it."""
    if contribution.author_id in members:
        return members[contribution.author_id].display_name
    if anonymity == "anonymous":
        return gettext("Anonyme")
    if contribution.external_id is not None or not contribution.participant_ref.startswith("m"):
        return gettext("Importée (%(ref)s)", ref=contribution.participant_ref)
    return gettext("Participant·e %(pseudonym)s", pseudonym=pseudonym(contribution.participant_ref))


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    """The consultation's dashboard: lifecycle buttons and every contribution."""
    db = get_session()
    item = _get(consultation_id)
    show = request.args.get("show", "all")
    query = select(Contribution).where(Contribution.consultation_id == item.id)
    if show == "moderation":
        query = query.where((Contribution.report_count > 0) | Contribution.hidden)
    total = db.exec(select(func.count()).select_from(query.subquery())).one()
    pages = max(1, -(-total // PER_PAGE))
    page = request.args.get("page", "1")
    page = min(int(page), pages) if page.isdigit() and int(page) > 0 else 1
    contributions = list(
        db.exec(
            query.order_by(Contribution.created_at, Contribution.id)
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    author_ids = {c.author_id for c in contributions if c.author_id}
    members = (
        {m.id: m for m in db.exec(select(Member).where(Member.id.in_(author_ids)))}
        if author_ids and item.anonymity != "anonymous"
        else {}
    )
    current = phase(consultation_service.state_of(item), utcnow())
    return render_template(
        "facilitate/consultation.html",
        consultation=item,
        phase=current,
        show=show,
        page=page,
        pages=pages,
        total=total,
        per_page=PER_PAGE,
        transitions=TRANSITIONS.get("open" if current == "scheduled" else current, ()),
        contributions=contributions,
        authors={c.id: author_label(c, item.anonymity, members) for c in contributions},
        colleges={c.id: c.name for c in db.exec(select(College))},
        invited=consultation_service.invited_colleges(db, item.id),
        tallies=vote_service.latest_tallies(db, [c.id for c in contributions]),
        action_form=ConfirmForm(),
        reason_form=ReasonForm(formdata=None),
    )


@bp.post("/consultations/<int:consultation_id>/status/<target>")
def status(consultation_id: int, target: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            consultation_service.change_status(get_session(), current_user, consultation_id, target)
        except ServiceError as error:
            if error.status == 404:
                abort(404)
            flash_error(error)
        else:
            flash(
                gettext("État de la consultation : %(status)s.", status=str(_status_label(target))),
                "success",
            )
    return redirect(url_for("facilitate.consultation", consultation_id=consultation_id))


def _status_label(status: str):
    from ..forms import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


@bp.post("/contributions/<int:contribution_id>/<any(hide, restore):action>")
def moderate(contribution_id: int, action: str):
    db = get_session()
    contribution = db.get(Contribution, contribution_id) or abort(404)
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
