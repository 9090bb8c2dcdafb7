"""The facilitation team's analysis pages: themes, and whether the colleges converge on each;
the progress of a run, its cancellation, every run of a consultation and two runs compared."""

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from ethics_register import ENERGY_EXPLANATIONS
from nlp.convergence import GROUPINGS, GROUPINGS_PLURAL, REASONS, SOURCES
from nlp.opinion import MESSAGES

from .. import jobs
from ..access import FACILITATION
from ..db import get_session
from ..forms import ConfirmForm
from ..services import ServiceError, analysis_pages
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


def stage_label(status: str, stage: str | None) -> str:
    """What a queued or running analysis is doing, in plain words."""
    if status == "queued":
        return gettext("En attente du worker")
    labels = {
        "preprocess": gettext("Lecture des verbatims"),
        "embed": gettext("Calcul des vecteurs"),
        "neighbours": gettext("Recherche des voisins"),
        "reduce": gettext("Réduction"),
        "propagate": gettext("Reprise des thèmes de l'analyse précédente"),
        "cluster": gettext("Regroupement"),
        "reassign": gettext("Regroupement"),
        "merge": gettext("Regroupement"),
        "describe": gettext("Description des thèmes"),
        "match": gettext("Comparaison avec l'analyse précédente"),
        "map": gettext("Carte des thèmes"),
        "convergence": gettext("Verdicts"),
    }
    return labels.get(stage, gettext("Démarrage"))


@bp.get("/consultations/<int:consultation_id>/analysis")
def analysis(consultation_id: int):
    """The latest analysis: each theme with its verdict, the reasons and the evidence."""
    return _analysis(consultation_id)


@bp.get("/consultations/<int:consultation_id>/analysis/runs/<int:run_id>")
def run(consultation_id: int, run_id: int):
    """One analysis of the consultation, as it was stored, whether or not it is the latest."""
    return _analysis(consultation_id, run_id)


def _analysis(consultation_id: int, run_id: int | None = None):
    page = analysis_pages.analysis_page(
        get_session(), current_user, consultation_id, run_id=run_id, stale_after=_stale_after()
    )
    return render_template(
        "facilitate/analysis.html",
        **context_of(page),
        reason_text=reason_text,
        opinion_message=opinion_message,
        energy_text=energy_text,
        stage_label=stage_label,
        status_texts={
            "new": gettext("Nouveau thème depuis l'analyse précédente."),
            "merged": gettext("Réunit des thèmes de l'analyse précédente."),
            "split": gettext("Issu de la division d'un thème de l'analyse précédente."),
        },
        form=ConfirmForm(),
    )


@bp.get("/consultations/<int:consultation_id>/analysis/<int:run_id>/progress.json")
def progress(consultation_id: int, run_id: int):
    """Where a run is, for the script that follows it on the analysis page."""
    state = analysis_pages.run_progress(
        get_session(), current_user, consultation_id, run_id, stale_after=_stale_after()
    )
    return jsonify({
        **state.to_json(),
        "stage_label": stage_label(state.status, state.stage),
        "percent_text": gettext("%(percent)s %%", percent=state.percent),
    })


@bp.post("/consultations/<int:consultation_id>/analysis/<int:run_id>/cancel")
def cancel(consultation_id: int, run_id: int):
    """Stop a queued or running analysis."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            run = analysis_service.cancel_analysis(
                get_session(), current_user, run_id, consultation_id=consultation_id
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Analyse annulée.") if run.status == "cancelled" else gettext(
                "Arrêt demandé : l'analyse s'arrête à sa prochaine étape."), "success")
    return redirect(url_for("analysis.analysis", consultation_id=consultation_id))


@bp.get("/consultations/<int:consultation_id>/analysis/runs")
def runs(consultation_id: int):
    """Every analysis of the consultation, newest first, and a form to compare two."""
    page = analysis_pages.runs_page(
        get_session(), current_user, consultation_id, stale_after=_stale_after()
    )
    return render_template("facilitate/runs.html", **context_of(page))


@bp.get("/consultations/<int:consultation_id>/analysis/compare")
def compare(consultation_id: int):
    """What changed between two analyses: themes kept, gained, lost, merged, split."""
    try:
        comparison = analysis_pages.compare_runs(
            get_session(), current_user, consultation_id,
            request.args.get("a", type=int), request.args.get("b", type=int)
        )
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("analysis.runs", consultation_id=consultation_id))
    return render_template("facilitate/compare.html", **context_of(comparison))


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
            if not jobs.enqueue(jobs.run_analysis, run.id):
                analysis_service.fail_unqueued(get_session(), run.id)
                flash(gettext("La file d'attente des tâches est injoignable : l'analyse n'a pas "
                              "pu être lancée. Réessayez dans quelques minutes ou prévenez "
                              "l'administrateur."), "error")
            else:
                flash(gettext("Analyse demandée : elle tourne en arrière-plan. Rechargez la "
                              "page dans quelques instants."), "success")
    return redirect(url_for("analysis.analysis", consultation_id=consultation_id))
