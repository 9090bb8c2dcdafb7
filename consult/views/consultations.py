"""Members' side of consultations: read, consent, contribute, edit, withdraw, vote, report."""

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlmodel import select

from ..db import get_session
from ..forms import ConfirmForm, ConsentForm, ContributionForm, ReasonForm
from ..models import College, Contribution, Member, utcnow
from ..rules import STANCE_SCALES, participation_problem, phase
from ..services import ServiceError
from ..services import consultations as consultation_service
from ..services import contributions as contribution_service
from ..services import moderation as moderation_service
from ..services import votes as vote_service
from . import flash_error, refuse, say

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


def pseudonym_key() -> str:
    return current_app.config["PALABRE_PSEUDONYM_KEY"]


def retention() -> int:
    return current_app.config["PALABRE_RETENTION_MONTHS"]


def _visible(consultation_id: int):
    try:
        return consultation_service.require_visible(get_session(), current_user, consultation_id)
    except ServiceError as error:
        abort(error.status)


@bp.get("/")
@login_required
def index():
    db = get_session()
    consultations = consultation_service.list_for_member(db, current_user)
    answered = {
        c.id
        for c in consultations
        if contribution_service.mine(
            db, c, contribution_service.participant(c, current_user, pseudonym_key())
        )
    }
    now = utcnow()
    return render_template(
        "consultations/index.html",
        consultations=consultations,
        phases={c.id: phase(consultation_service.state_of(c), now) for c in consultations},
        answered=answered,
        counts=consultation_service.contribution_counts(db, [c.id for c in consultations]),
    )


PER_PAGE = 30


def _others(db, consultation, viewer_ref: str):
    """A page of everyone's contributions, as a member may read them."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
    rows, total = contribution_service.page_of_contributions(
        db, consultation, page=page, per_page=PER_PAGE
    )
    author_ids = {r.author_id for r in rows if r.author_id}
    names = {}
    if consultation.anonymity == "named" and author_ids:
        names = {
            m.id: m.display_name for m in db.exec(select(Member).where(Member.id.in_(author_ids)))
        }
    items = [
        {
            "id": r.id,
            "hidden": r.hidden,
            "text": contribution_service.visible_text(r, current_user, viewer_ref),
            "stance": r.stance,
            "author": contribution_service.public_author(r, consultation.anonymity, names),
            "college": r.college_id,
            "mine": r.participant_ref == viewer_ref,
        }
        for r in rows
    ]
    pages = max(1, -(-total // PER_PAGE))
    return {"items": items, "page": page, "pages": pages, "total": total}


def _page(consultation, form=None, status=200):
    db = get_session()
    who = contribution_service.participant(consultation, current_user, pseudonym_key())
    invited = consultation_service.invited_college_ids(db, consultation.id)
    now = utcnow()
    problem = participation_problem(
        consultation_service.state_of(consultation), who.college_id, invited, now
    )
    if form is None:
        form = ContributionForm(formdata=None)
        form.submission_key.data = uuid.uuid4().hex
    form.fill_choices(STANCE_SCALES[consultation.stance_scale])
    return render_template(
        "consultations/show.html",
        consultation=consultation,
        phase=phase(consultation_service.state_of(consultation), now),
        colleges=consultation_service.invited_colleges(db, consultation.id),
        problem=say(problem) if problem else None,
        consented=contribution_service.has_consented(db, consultation, who, retention()),
        consent_form=ConsentForm(formdata=None),
        form=form,
        mine=contribution_service.mine(db, consultation, who),
        remaining=vote_service.remaining(db, consultation.id, who.ref) if not problem else 0,
        action_form=ConfirmForm(),
        retention_months=retention(),
        others=_others(db, consultation, who.ref),
        college_names={c.id: c.name for c in db.exec(select(College))},
    ), status


@bp.get("/<int:consultation_id>")
@login_required
def show(consultation_id: int):
    return _page(_visible(consultation_id))


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
        return _page(consultation, form, 422)
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
        return _page(consultation, form, 422)  # what was typed stays in the form
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
    try:
        consultation, contribution, _who = contribution_service.own_contribution(
            db, contribution_id, current_user, pseudonym_key()
        )
    except ServiceError as error:
        abort(error.status)
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
    contribution = db.get(Contribution, contribution_id) or abort(404)
    if form.validate_on_submit():
        try:
            contribution_service.withdraw(db, contribution_id, current_user, key=pseudonym_key())
        except ServiceError as error:
            refuse(error)
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
    consultation = _visible(consultation_id)
    db = get_session()
    who = contribution_service.participant(consultation, current_user, pseudonym_key())
    skip = frozenset(int(x) for x in request.args.getlist("skip") if x.isdigit())
    card = vote_service.next_card(db, consultation.id, current_user, key=pseudonym_key(), skip=skip)
    problem = participation_problem(
        consultation_service.state_of(consultation),
        who.college_id,
        consultation_service.invited_college_ids(db, consultation.id),
        utcnow(),
    )
    return render_template(
        "consultations/cards.html",
        consultation=consultation,
        card=card,
        text=contribution_service.visible_text(card, current_user, who.ref) if card else "",
        remaining=vote_service.remaining(db, consultation.id, who.ref),
        problem=say(problem) if problem else None,
        action_form=ConfirmForm(),
        report_form=ReasonForm(formdata=None),
    )


@bp.post("/contributions/<int:contribution_id>/vote")
@login_required
def vote(contribution_id: int):
    form = ConfirmForm()
    db = get_session()
    contribution = db.get(Contribution, contribution_id) or abort(404)
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
            refuse(error)
    return redirect(url_for("consultations.cards", consultation_id=contribution.consultation_id))


@bp.post("/contributions/<int:contribution_id>/report")
@login_required
def report(contribution_id: int):
    form = ReasonForm()
    db = get_session()
    contribution = db.get(Contribution, contribution_id) or abort(404)
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
            refuse(error)
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
