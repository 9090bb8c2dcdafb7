"""The facilitation team's analysis page: themes, and whether the colleges converge on each."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ethics_register import ENERGY_EXPLANATIONS
from nlp.convergence import GROUPINGS, GROUPINGS_PLURAL, REASONS, SOURCES
from nlp.opinion import MESSAGES

from .. import jobs
from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm
from ..services import ServiceError
from ..services import analysis as analysis_service
from . import context_of, flash_error, role_required

bp = Blueprint("analysis", __name__, url_prefix="/facilitate")


def reason_text(reason: dict) -> str:
    """A verdict's reason in the reader's language, rebuilt from its code and parameters.

    The analysis stores each reason's French sentence too: it is shown when the code is
    unknown (a result stored by another version) or its parameters do not fit.
    """
    template = REASONS.get(reason.get("code"))
    if template is None:
        return reason.get("text", "")
    params = dict(reason.get("params") or {})
    if params.get("source_code") in SOURCES:
        params["source"] = gettext(SOURCES[params["source_code"]])
    if params.get("grouping") in GROUPINGS:
        params["group_kind"] = gettext(GROUPINGS[params["grouping"]])
        params["group_kind_plural"] = gettext(GROUPINGS_PLURAL[params["grouping"]])
    try:
        return gettext(template, **params)
    except (KeyError, TypeError, ValueError):
        return reason.get("text", "")


def opinion_message(opinion: dict) -> str:
    """Why no opinion groups were formed, in the reader's language."""
    template = MESSAGES.get(opinion.get("message"))
    if template is None:
        return opinion.get("message_text") or ""
    try:
        return gettext(template, **(opinion.get("message_params") or {}))
    except (KeyError, TypeError, ValueError):
        return opinion.get("message_text") or ""


def energy_text(energy: dict) -> str:
    """How the run's energy was measured or estimated, in the reader's language (the stored
    French sentence when the method is unknown or its parameters do not fit)."""
    template = ENERGY_EXPLANATIONS.get(energy.get("method"))
    if template is None:
        return energy.get("explanation", "")
    try:
        return gettext(template, **(energy.get("explanation_params") or {}))
    except (KeyError, TypeError, ValueError):
        return energy.get("explanation", "")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """Analyses are read and started by the facilitation team (and administrators)."""


def _stale_after() -> timedelta:
    return timedelta(minutes=current_app.config["PALABRE_ANALYSIS_STALE_MINUTES"])


@bp.get("/consultations/<int:consultation_id>/analysis")
def analysis(consultation_id: int):
    """The latest analysis: each theme with its verdict, the reasons and the evidence."""
    page = analysis_service.analysis_page(
        get_session(), current_user, consultation_id, stale_after=_stale_after()
    )
    return render_template(
        "facilitate/analysis.html",
        **context_of(page),
        reason_text=reason_text,
        opinion_message=opinion_message,
        energy_text=energy_text,
        status_texts={
            "new": gettext("Nouveau thème depuis l'analyse précédente."),
            "merged": gettext("Réunit des thèmes de l'analyse précédente."),
            "split": gettext("Issu de la division d'un thème de l'analyse précédente."),
        },
        form=ConfirmForm(),
    )


@bp.post("/consultations/<int:consultation_id>/analysis")
def start(consultation_id: int):
    """Ask for an analysis: stored as queued at once, run by the job worker."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            run = analysis_service.request_analysis(
                get_session(), current_user, consultation_id, stale_after=_stale_after()
            )
        except ServiceError as error:
            flash_error(error)
        else:
            jobs.run_analysis(run.id)
            flash(gettext("Analyse demandée : elle tourne en arrière-plan. Rechargez la page "
                          "dans quelques instants."), "success")
    return redirect(url_for("analysis.analysis", consultation_id=consultation_id))
