"""The ethics committee's register: the list, an entry's page and history, its form, its
status. Thin: parse, call one service, render."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ethics_register import entry as catalogue
from ethics_register import gate, review

from ..access import COMMITTEE
from ..db import get_session, rollback_session
from ..forms import (
    ENTRY_STATUS_LABELS,
    ConfirmForm,
    RegisterFilterForm,
    StatusForm,
    entry_form,
    review_form,
)
from ..forms import options as choices
from ..services import ServiceError, register, register_pages, reviews
from ..services.audit_log import signer_for
from . import context_of, flash_error, role_required, say

bp = Blueprint("register", __name__, url_prefix="/registre")


def _labels(problem):
    """A refusal's status codes shown as the statuses' names."""
    params = {k: ENTRY_STATUS_LABELS.get(v, v) if k in ("current", "target") else v
              for k, v in problem.params.items()}
    return type("Shown", (), {"message": problem.message, "params": params})


def _document(form) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in catalogue.FIELDS}


def _refused(form, error: register.EntryInvalid) -> None:
    for problem in error.problems:
        field = getattr(form, problem.field, None)
        params = {**problem.params, "field": gettext(problem.params.get("field", ""))}
        text = gettext(problem.message, **params)
        if field is not None:
            field.errors = [*field.errors, text]
        else:
            flash(text, "error")


@bp.get("")
@role_required(COMMITTEE)
def index():
    filters = RegisterFilterForm(request.args)
    page = register_pages.register_list(get_session(), current_user, filters.status.data,
                                        filters.tier.data, stale_only=bool(filters.stale.data),
                                        retest_days=current_app.config["PALABRE_RETEST_DAYS"])
    filters.status.choices = choices([("", gettext("tous"))] + [
        (s, ENTRY_STATUS_LABELS[s]) for s in page.statuses])
    filters.tier.choices = choices([("", gettext("tous"))] + [
        (t, gettext(catalogue.CHOICE_LABELS[t])) for t in page.tiers])
    return render_template("register/index.html", filters=filters,
                           status_labels=ENTRY_STATUS_LABELS,
                           tier_labels=catalogue.CHOICE_LABELS, **context_of(page))


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(COMMITTEE)
def new():
    form = entry_form(catalogue.GROUPS, catalogue.CHOICE_LABELS)
    if form.validate_on_submit():
        try:
            row = register.create_entry(get_session(), current_user, _document(form),
                                        signer_for(current_app.config))
        except register.EntryInvalid as error:
            _refused(form, error)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Entrée enregistrée (version 1)."), "success")
            return redirect(url_for("register.show", entry_id=row.id))
    status = 422 if request.method == "POST" else 200
    return render_template("register/edit.html", form=form, groups=catalogue.GROUPS,
                           entry=None), status


@bp.route("/<int:entry_id>/modifier", methods=["GET", "POST"])
@role_required(COMMITTEE)
def edit(entry_id: int):
    db = get_session()
    data = None if request.method == "POST" else register_pages.edit_document(
        db, current_user, entry_id)
    form = entry_form(catalogue.GROUPS, catalogue.CHOICE_LABELS, data=data)
    row = register.get_entry(db, entry_id)
    if form.validate_on_submit():
        try:
            version = register.revise_entry(db, current_user, entry_id, _document(form),
                                            signer_for(current_app.config))
        except register.EntryInvalid as error:
            _refused(form, error)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Version %(version)s enregistrée.", version=version.version),
                  "success")
            return redirect(url_for("register.show", entry_id=entry_id))
    status = 422 if request.method == "POST" else 200
    return render_template("register/edit.html", form=form, groups=catalogue.GROUPS,
                           entry=row), status


@bp.get("/<int:entry_id>")
@role_required(COMMITTEE)
def show(entry_id: int):
    retest_days = current_app.config["PALABRE_RETEST_DAYS"]
    page = register_pages.entry_page(get_session(), current_user, entry_id,
                                     retest_days=retest_days)
    form = StatusForm()
    form.status.choices = choices([(s, ENTRY_STATUS_LABELS[s]) for s in page.transitions])
    refusals = [say(_labels(r)) for r in page.deployment_refusals]
    return render_template("register/show.html", status_form=form, refusals=refusals,
                           labels=catalogue.CHOICE_LABELS, status_labels=ENTRY_STATUS_LABELS,
                           fields=catalogue.FIELDS, requirements=review.REQUIREMENTS,
                           review_labels=review.LABELS, sign_form=ConfirmForm(),
                           retest_days=retest_days, **context_of(page))


@bp.post("/<int:entry_id>/etat")
@role_required(COMMITTEE)
def change_status(entry_id: int):
    form = StatusForm()
    form.status.choices = choices([(s, s) for s in gate.STATUSES])
    if not form.validate_on_submit():
        flash(gettext("Choisissez un état et donnez la raison du changement."), "error")
        return redirect(url_for("register.show", entry_id=entry_id))
    try:
        register.change_status(get_session(), current_user, entry_id, form.status.data,
                               form.reason.data, signer_for(current_app.config),
                               retest_days=current_app.config["PALABRE_RETEST_DAYS"])
    except register.GateRefused as error:
        rollback_session()
        for refusal in error.refusals:
            flash(say(_labels(refusal)), "error")
    except ServiceError as error:
        flash_error(error)
    else:
        flash(gettext("État changé : %(status)s.",
                      status=ENTRY_STATUS_LABELS[form.status.data]), "success")
    return redirect(url_for("register.show", entry_id=entry_id))


def _review_form():
    return review_form(review.REQUIREMENTS, review.LABELS, review.ANSWERS, review.OPINIONS)


@bp.route("/<int:entry_id>/avis", methods=["GET", "POST"])
@role_required(COMMITTEE)
def new_review(entry_id: int):
    db = get_session()
    row = register.get_entry(db, entry_id)
    form = _review_form()
    if form.validate_on_submit():
        names = [name for name, _label in review.REQUIREMENTS]
        data = reviews.ReviewInput(
            answers={n: form[f"answer_{n}"].data or "" for n in names},
            notes={n: form[f"notes_{n}"].data or "" for n in names},
            opinion=form.opinion.data or "", conditions=form.conditions.data or "",
            dissent=form.dissent.data or "")
        try:
            reviews.record_review(db, current_user, entry_id, data,
                                  signer_for(current_app.config))
        except reviews.ReviewInvalid as error:
            for problem in error.problems:
                params = {k: gettext(v) if k == "requirement" else v
                          for k, v in problem.params.items()}
                form[problem.field].errors = [*form[problem.field].errors,
                                              gettext(problem.message, **params)]
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Avis enregistré et signé. Les autres membres présents peuvent le "
                          "signer à leur tour."), "success")
            return redirect(url_for("register.show", entry_id=entry_id))
    status = 422 if request.method == "POST" else 200
    return render_template("register/review.html", form=form, entry=row,
                           requirements=review.REQUIREMENTS), status


@bp.post("/avis/<int:review_id>/signer")
@role_required(COMMITTEE)
def sign_review(review_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(gettext("Le formulaire a expiré : rechargez la page."), "error")
        return redirect(url_for("register.index"))
    try:
        record = reviews.sign_review(get_session(), current_user, review_id,
                                     signer_for(current_app.config))
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("register.index"))
    flash(gettext("Avis signé."), "success")
    return redirect(url_for("register.show", entry_id=record.entry_id))


public = Blueprint("public_register", __name__)


@public.get("/ia")
def public_index():
    """The cooperative's AI systems, for anyone: no sign-in needed."""
    return render_template("register/public.html",
                           items=register_pages.public_register(get_session()),
                           groups=catalogue.GROUPS, labels=catalogue.CHOICE_LABELS,
                           status_labels=ENTRY_STATUS_LABELS)
