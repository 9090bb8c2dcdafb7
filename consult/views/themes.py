"""The theme explorer and the facilitator's corrections of the themes."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm
from ..forms_themes import MergeForm, MoveForm, RenameForm, SummaryForm
from ..services import ServiceError, workspace
from ..services import explorer as explorer_service
from . import context_of, flash_error, page_number, role_required
from .analysis import opinion_message, reason_text

bp = Blueprint("themes", __name__, url_prefix="/facilitate")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """The themes are read and corrected by the facilitation team (and administrators)."""


def _run_arg() -> int | None:
    value = request.args.get("run", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/consultations/<int:consultation_id>/themes")
def explorer(consultation_id: int):
    """Every theme of the latest analysis, corrected: verdicts, colleges, the map."""
    page = explorer_service.explorer_page(get_session(), current_user, consultation_id,
                                          run_id=_run_arg())
    return render_template("facilitate/themes.html", **context_of(page),
                           reason_text=reason_text, opinion_message=opinion_message,
                           form=ConfirmForm())


@bp.get("/consultations/<int:consultation_id>/themes/<int:theme_id>")
def theme(consultation_id: int, theme_id: int):
    """One theme: its evidence, its verbatims by college and stance, and its corrections."""
    stance = request.args.get("stance") or None
    page = explorer_service.theme_page(
        get_session(), current_user, consultation_id, theme_id,
        college=request.args.get("college") or None, stance=stance, page=page_number(),
        run_id=_run_arg())
    choices = [(tid, label) for tid, label in page.others]
    merge, move = MergeForm(), MoveForm()
    merge.other.choices = choices
    move.destination.choices = choices
    rename = RenameForm(formdata=None, label=page.card.label)
    summary = SummaryForm(formdata=None, text=page.card.summary)
    return render_template("facilitate/theme.html", **context_of(page), reason_text=reason_text,
                           rename=rename, summary=summary, merge=merge, move=move,
                           form=ConfirmForm())


def _back(consultation_id: int, theme_id: int | None = None):
    if theme_id is None:
        return redirect(url_for("themes.explorer", consultation_id=consultation_id))
    return redirect(url_for("themes.theme", consultation_id=consultation_id, theme_id=theme_id))


def _edit(consultation_id: int, theme_id: int, kind: str, form, done: str, back=None,
          **details):
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _back(consultation_id, theme_id)
    try:
        workspace.edit_theme(get_session(), current_user, consultation_id, kind, theme_id,
                             **details)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(done, "success")
    return _back(consultation_id, back if back is not None else theme_id)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/rename")
def rename(consultation_id: int, theme_id: int):
    form = RenameForm()
    return _edit(consultation_id, theme_id, "rename", form, gettext("Thème renommé."),
                 label=form.label.data)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/summary")
def summary(consultation_id: int, theme_id: int):
    form = SummaryForm()
    return _edit(consultation_id, theme_id, "summary", form, gettext("Résumé enregistré."),
                 text=form.text.data)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/review")
def review(consultation_id: int, theme_id: int):
    reviewed = request.form.get("reviewed", "1") != "0"
    return _edit(consultation_id, theme_id, "review", ConfirmForm(),
                 gettext("Thème marqué relu.") if reviewed else gettext("Thème à relire."),
                 reviewed=reviewed)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/merge")
def merge(consultation_id: int, theme_id: int):
    form = MergeForm()
    form.other.choices = None  # any theme id: the service checks it is one of the run's
    form.other.validate_choice = False
    return _edit(consultation_id, theme_id, "merge", form, gettext("Thèmes réunis."),
                 other=form.other.data)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/move")
def move(consultation_id: int, theme_id: int):
    """Move one verbatim of this theme (or of none) into the theme chosen."""
    form = MoveForm()
    form.destination.choices = None
    form.destination.validate_choice = False
    return _edit(consultation_id, form.destination.data if form.destination.data else theme_id,
                 "move", form, gettext("Verbatim déplacé."), back=theme_id,
                 contribution=form.contribution.data)


@bp.post("/consultations/<int:consultation_id>/themes/<int:theme_id>/split")
def split(consultation_id: int, theme_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        edit = workspace.split_theme(get_session(), current_user, consultation_id, theme_id)
    except ServiceError as error:
        flash_error(error)
        return _back(consultation_id, theme_id)
    flash(gettext("Thème divisé en deux."), "success")
    return _back(consultation_id, workspace.SPLIT_BASE + edit.id)


@bp.post("/consultations/<int:consultation_id>/themes/edits/<int:edit_id>/undo")
def undo(consultation_id: int, edit_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        workspace.undo_edit(get_session(), current_user, consultation_id, edit_id)
    except ServiceError as error:
        flash_error(error)
    else:
        flash(gettext("Correction annulée."), "success")
    return _back(consultation_id)
