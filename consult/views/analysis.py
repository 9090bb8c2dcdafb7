"""The facilitation team's analysis page: themes, and whether the colleges converge on each."""

import json

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from ..db import get_session
from ..forms import ConfirmForm
from ..services import ServiceError
from ..services import analysis as analysis_service
from ..services import consultations as consultation_service
from . import refuse, role_required

bp = Blueprint("analysis", __name__, url_prefix="/facilitate")


@bp.before_request
@role_required("facilitator", "admin")
def only_facilitators():
    """Analyses are read and started by the facilitation team (and administrators)."""


@bp.get("/consultations/<int:consultation_id>/analysis")
def analysis(consultation_id: int):
    """The latest analysis: each theme with its verdict, the reasons and the evidence."""
    db = get_session()
    try:
        consultation = consultation_service.get_consultation(db, consultation_id)
    except ServiceError as error:
        return refuse(error)
    run = analysis_service.latest_run(db, consultation.id)
    document = json.loads(run.result) if run is not None and run.result else {}
    texts = {}
    if document:
        ids = json.loads(run.contribution_ids)
        by_id = {c.id: c for c in analysis_service.analysed_contributions(db, consultation.id)}
        texts = {i: by_id[cid].redacted_text for i, cid in enumerate(ids) if cid in by_id}
    convergence = document.get("convergence", {})
    return render_template(
        "facilitate/analysis.html",
        consultation=consultation,
        run=run,
        themes=document.get("themes", []),
        verdicts=convergence.get("verdicts", {}),
        counts=convergence.get("counts", {}),
        opinion=convergence.get("opinion"),
        thresholds=convergence.get("thresholds", {}),
        texts=texts,
        form=ConfirmForm(),
    )


@bp.post("/consultations/<int:consultation_id>/analysis")
def start(consultation_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            analysis_service.queue_analysis(get_session(), current_user, consultation_id)
        except ServiceError as error:
            refuse(error)
        else:
            flash(gettext("Analyse demandée : elle tourne en arrière-plan. Rechargez la page "
                          "dans quelques instants."), "success")
    return redirect(url_for("analysis.analysis", consultation_id=consultation_id))
