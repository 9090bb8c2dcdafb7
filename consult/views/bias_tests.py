"""The register's bias tests: upload a prediction file, read a test (tables and charts), download
its JSON, sign a waiver, approve an entry's thresholds. Thin: parse, call one service, render."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from ethics_register.bias import METRICS, Thresholds

from ..access import COMMITTEE
from ..db import get_session, rollback_session
from ..forms_bias import BiasTestForm, ThresholdsForm, WaiverForm, split_list
from ..services import ServiceError, bias_test_pages, bias_tests, register
from ..services.audit_log import signer_for
from ..services.bias_test_pages import DIRECTION_LABELS, METRIC_LABELS, VERDICT_LABELS
from ..services.imports import ImportLimits
from . import attachment, context_of, flash_error, role_required, say

bp = Blueprint("bias_tests", __name__, url_prefix="/registre")

def _retest_days() -> int:
    return current_app.config["PALABRE_RETEST_DAYS"]


@bp.route("/<int:entry_id>/tests/nouveau", methods=["GET", "POST"])
@role_required(COMMITTEE)
def new(entry_id: int):
    db = get_session()
    row = register.get_entry(db, entry_id)
    form = BiasTestForm()
    problems = []
    if form.validate_on_submit():
        upload = bias_tests.Upload(
            data=form.file.data.read(), file_name=form.file.data.filename or "",
            label=form.label.data.strip(), prediction=(form.prediction.data or "").strip() or None,
            score=(form.score.data or "").strip() or None,
            threshold=(form.threshold.data or "").strip() or None,
            sensitive=split_list(form.sensitive.data), reference=split_list(form.reference.data),
            positive=(form.positive.data or "").strip() or None, n_boot=form.n_boot.data,
            seed=form.seed.data)
        if (upload.prediction is None) == (upload.score is None) \
                or (upload.score is None) != (upload.threshold is None):
            problems = [gettext("Donnez la colonne de la prédiction, ou celle du score avec "
                                "son seuil.")]
        else:
            try:
                test = bias_tests.record_upload(
                    db, current_user, entry_id, upload, signer_for(current_app.config),
                    ImportLimits.from_settings(current_app.config))
            except bias_tests.BiasTestRefused as error:
                rollback_session()
                problems = [say(p) for p in error.problems]
            except ServiceError as error:
                flash_error(error)
            else:
                flash(gettext("Test de biais enregistré pour la version %(version)s.",
                              version=test.version), "success")
                return redirect(url_for("bias_tests.show", test_id=test.id))
    status = 422 if request.method == "POST" else 200
    thresholds, min_count = bias_tests.thresholds_of(db, entry_id)
    return render_template("register/bias_new.html", form=form, entry=row, problems=problems,
                           thresholds=thresholds, min_count=min_count), status


@bp.get("/tests/<int:test_id>")
@role_required(COMMITTEE)
def show(test_id: int):
    page = bias_test_pages.test_page(get_session(), current_user, test_id,
                                     retest_days=_retest_days())
    return render_template("register/bias_show.html", waiver_form=WaiverForm(),
                           metric_labels=METRIC_LABELS, verdict_labels=VERDICT_LABELS,
                           direction_labels=DIRECTION_LABELS, metrics=METRICS,
                           retest_days=_retest_days(), **context_of(page))


@bp.get("/tests/<int:test_id>.json")
@role_required(COMMITTEE)
def download(test_id: int):
    page = bias_test_pages.test_page(get_session(), current_user, test_id)
    name = f"test-de-biais-{page.entry.id}-v{page.test.version}-{page.test.id}.json"
    return attachment(page.test.result, name, "application/json")


@bp.post("/tests/<int:test_id>/derogation")
@role_required(COMMITTEE)
def waive(test_id: int):
    form = WaiverForm()
    if not form.validate_on_submit():
        flash(gettext("Donnez la raison de la dérogation."), "error")
        return redirect(url_for("bias_tests.show", test_id=test_id))
    try:
        bias_tests.waive(get_session(), current_user, test_id, form.metric.data,
                         form.reason.data, signer_for(current_app.config))
    except ServiceError as error:
        flash_error(error)
    else:
        flash(gettext("Dérogation signée."), "success")
    return redirect(url_for("bias_tests.show", test_id=test_id) + "#derogations")


@bp.route("/<int:entry_id>/seuils", methods=["GET", "POST"])
@role_required(COMMITTEE)
def thresholds(entry_id: int):
    db = get_session()
    row = register.get_entry(db, entry_id)
    current, min_count = bias_tests.thresholds_of(db, entry_id)
    form = ThresholdsForm(data=None if request.method == "POST" else {
        "ratio_min": current.ratio_min, "ratio_max": current.ratio_max,
        "max_difference": current.max_difference, "min_count": min_count})
    problems = []
    if form.validate_on_submit():
        try:
            bias_tests.approve_thresholds(
                db, current_user, entry_id,
                Thresholds(float(form.ratio_min.data), float(form.ratio_max.data),
                           float(form.max_difference.data)),
                form.min_count.data, form.reason.data, signer_for(current_app.config))
        except bias_tests.BiasTestRefused as error:
            rollback_session()
            problems = [say(p) for p in error.problems]
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Seuils approuvés : ils valent pour les prochains tests de cette "
                          "entrée."), "success")
            return redirect(url_for("register.show", entry_id=entry_id) + "#tests")
    status = 422 if request.method == "POST" else 200
    return render_template("register/thresholds.html", form=form, entry=row, problems=problems,
                           history=bias_tests.thresholds_history(db, entry_id)), status
