"""Members' side of consultations: read, consent, contribute, edit, withdraw, vote, report."""

import uuid

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import ConfirmForm, ConsentForm, ContributionForm, ReasonForm
from ..rules import STANCE_SCALES
from ..services import ServiceError
from ..services import consultation_pages as pages
from ..services import consultations as consultation_service
from ..services import contributions as contribution_service
from ..services import moderation as moderation_service
from ..services import votes as vote_service
from . import context_of, flash_error, ids_from, page_number, say

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


def pseudonym_key() -> str:
    return current_app.config["PALABRE_PSEUDONYM_KEY"]


def retention() -> int:
    return current_app.config["PALABRE_RETENTION_MONTHS"]


def _visible(consultation_id: int):
    return consultation_service.require_visible(get_session(), current_user, consultation_id)


@bp.get("/")
@login_required
def index():
    listing = pages.member_consultations(get_session(), current_user, key=pseudonym_key())
    return render_template("consultations/index.html", **context_of(listing))


def _page(consultation_id: int, form=None, status=200):
    page = pages.consultation_page(
        get_session(),
        current_user,
        consultation_id,
        key=pseudonym_key(),
        retention_months=retention(),
        page=page_number(),
    )
    if form is None:
        form = ContributionForm(formdata=None)
        form.submission_key.data = uuid.uuid4().hex
    form.fill_choices(STANCE_SCALES[page.consultation.stance_scale])
    context = context_of(page)
    context["problem"] = say(page.problem) if page.problem else None
    return render_template(
        "consultations/show.html",
        **context,
        consent_form=ConsentForm(formdata=None),
        form=form,
        action_form=ConfirmForm(),
    ), status


@bp.get("/<int:consultation_id>")
@login_required
def show(consultation_id: int):
    return _page(consultation_id)


@bp.post("/<int:consultation_id>/consent")
@login_required
def consent(consultation_id: int):
    consultation = _visible(consultation_id)
    form = ConsentForm()
    if form.validate_on_submit():
        who = contribution_service.participant(consultation, current_user, pseudonym_key())
        contribution_service.accept_notice(get_session(), consultation, who, retention())
        flash(gettext("Merci. Vous pouvez maintenant contribuer."), "success")
    else:
        flash(gettext("Cochez la case pour accepter la notice."), "error")
    return redirect(url_for("consultations.show", consultation_id=consultation_id) + "#contribuer")


@bp.post("/<int:consultation_id>/contribute")
@login_required
def contribute(consultation_id: int):
    consultation = _visible(consultation_id)
    form = ContributionForm()
    form.fill_choices(STANCE_SCALES[consultation.stance_scale])
    if not form.validate_on_submit():
        return _page(consultation.id, form, 422)
    try:
        contribution_service.submit(
            get_session(),
            consultation.id,
            current_user,
            key=pseudonym_key(),
            text=form.text.data or "",
            stance=form.stance.data or None,
            submission_key=form.submission_key.data or None,
            retention_months=retention(),
        )
    except ServiceError as error:
        flash_error(error)
        return _page(consultation.id, form, 422)  # what was typed stays in the form
    flash(
        gettext(
            "Votre contribution est enregistrée. Vous pouvez la modifier ou la retirer "
            "jusqu'à la clôture."
        ),
        "success",
    )
    return redirect(
        url_for("consultations.show", consultation_id=consultation.id) + "#mes-contributions"
    )


@bp.route("/contributions/<int:contribution_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contribution_id: int):
    db = get_session()
    consultation, contribution, _who = contribution_service.own_contribution(
        db, contribution_id, current_user, pseudonym_key()
    )
    form = ContributionForm(obj=contribution if request.method == "GET" else None)
    form.fill_choices(STANCE_SCALES[consultation.stance_scale])
    if request.method == "GET":
        form.stance.data = contribution.stance or ""
    if form.validate_on_submit():
        try:
            contribution_service.edit(
                db,
                contribution_id,
                current_user,
                key=pseudonym_key(),
                text=form.text.data or "",
                stance=form.stance.data or None,
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                gettext("Contribution modifiée ; la version précédente est conservée."), "success"
            )
            return redirect(
                url_for("consultations.show", consultation_id=consultation.id)
                + "#mes-contributions"
            )
    return render_template(
        "consultations/edit.html",
        form=form,
        consultation=consultation,
        contribution=contribution,
        versions=contribution_service.versions(db, contribution.id),
    ), (422 if request.method == "POST" else 200)


@bp.post("/contributions/<int:contribution_id>/withdraw")
@login_required
def withdraw(contribution_id: int):
    form = ConfirmForm()
    db = get_session()
    contribution = contribution_service.get_contribution(db, contribution_id)
    if form.validate_on_submit():
        try:
            contribution_service.withdraw(db, contribution_id, current_user, key=pseudonym_key())
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                gettext(
                    "Contribution retirée. Elle ne compte plus, mais ses versions sont conservées."
                ),
                "success",
            )
    return redirect(url_for("consultations.show", consultation_id=contribution.consultation_id))


@bp.get("/<int:consultation_id>/vote")
@login_required
def cards(consultation_id: int):
    """One contribution at a time, the next one this member has not voted on."""
    skip = ids_from(request.args.getlist("skip"))
    card = pages.voting_card(
        get_session(), current_user, consultation_id, key=pseudonym_key(), skip=skip
    )
    context = context_of(card)
    context["problem"] = say(card.problem) if card.problem else None
    return render_template(
        "consultations/cards.html",
        **context,
        action_form=ConfirmForm(),
        report_form=ReasonForm(formdata=None),
    )


@bp.post("/contributions/<int:contribution_id>/vote")
@login_required
def vote(contribution_id: int):
    form = ConfirmForm()
    db = get_session()
    contribution = contribution_service.get_contribution(db, contribution_id)
    value = request.form.get("value", "")
    if form.validate_on_submit():
        try:
            vote_service.cast(
                db,
                contribution_id,
                current_user,
                key=pseudonym_key(),
                value=int(value) if value.lstrip("-").isdigit() else 99,
            )
        except ServiceError as error:
            flash_error(error)
    return redirect(url_for("consultations.cards", consultation_id=contribution.consultation_id))


@bp.post("/contributions/<int:contribution_id>/report")
@login_required
def report(contribution_id: int):
    form = ReasonForm()
    db = get_session()
    contribution = contribution_service.get_contribution(db, contribution_id)
    if form.validate_on_submit():
        try:
            moderation_service.report(
                db,
                contribution_id,
                current_user,
                key=pseudonym_key(),
                reason=form.reason.data or "",
                auto_hide_threshold=current_app.config["PALABRE_AUTO_HIDE_REPORTS"],
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                gettext("Merci : la contribution est signalée à l'équipe d'animation."), "success"
            )
    return redirect(
        url_for(
            "consultations.cards",
            consultation_id=contribution.consultation_id,
            skip=contribution_id,
        )
    )
