"""AI-project proposals: list, submit, read, comment, support."""

import json
import uuid

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
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import ENTRY_STATUS_LABELS, CommentForm, ConfirmForm, ProposalForm
from ..forms_board import MOTION_STATUS_LABELS, OUTCOME_LABELS
from ..proposal_path import LABELS as STEP_LABELS
from ..services import ServiceError, proposal_path
from ..services import proposals as proposal_service
from ..services import traceability as trace
from ..services.audit_log import signer_for
from . import attachment, context_of, flash_error, ids_from

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


@bp.get("/")
@login_required
def index():
    listing = proposal_service.proposal_list(get_session())
    return render_template("proposals/index.html", step_labels=STEP_LABELS, **context_of(listing))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = ProposalForm()
    if request.method == "GET":
        form.submission_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        data = proposal_service.ProposalInput(
            **{
                name: getattr(form, name).data
                or ("" if name not in ("personal_data", "sensitive_data") else False)
                for name in proposal_service.ProposalInput.__dataclass_fields__
            }
        )
        try:
            proposal = proposal_service.submit(
                get_session(), current_user, data, submission_key=form.submission_key.data or None
            )
        except ServiceError as error:
            flash_error(error)
            return render_template("proposals/new.html", form=form), 422
        flash(
            gettext("Proposition soumise. Les autres membres peuvent la commenter et la soutenir."),
            "success",
        )
        return redirect(url_for("proposals.show", proposal_id=proposal.id))
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/new.html", form=form), status


@bp.route("/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def show(proposal_id: int):
    db = get_session()
    proposal = proposal_service.get(db, proposal_id)
    form = CommentForm()
    status = 200
    if request.method == "GET":
        form.submission_key.data = uuid.uuid4().hex
    elif form.validate_on_submit():
        try:
            proposal_service.comment(
                db,
                current_user,
                proposal.id,
                form.text.data or "",
                submission_key=form.submission_key.data or None,
            )
        except ServiceError as error:
            flash_error(error)
            status = 422
        else:
            flash(gettext("Commentaire publié."), "success")
            return redirect(url_for("proposals.show", proposal_id=proposal.id) + "#commentaires")
    else:
        status = 422
    page = proposal_service.proposal_page(db, current_user, proposal.id)
    return render_template(
        "proposals/show.html", **context_of(page), form=form, action_form=ConfirmForm(),
        path=proposal_path.proposal_path(db, current_user, proposal.id),
        step_labels=STEP_LABELS,
    ), status


@bp.post("/<int:proposal_id>/etape")
@login_required
def step(proposal_id: int):
    """Take the next step of the proposal's path (who may, and when, is the service's)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(gettext("Le formulaire a expiré : rechargez la page."), "error")
        return redirect(url_for("proposals.show", proposal_id=proposal_id))
    target = request.form.get("target", "")
    signer = signer_for(current_app.config)
    try:
        if target == "resubmit":
            proposal_path.resubmit(get_session(), current_user, proposal_id, signer)
        else:
            proposal_path.move(
                get_session(), current_user, proposal_id, target, signer,
                reason=request.form.get("reason", "")[:2000],
                consultation_id=next(iter(ids_from([request.form.get("consultation_id", "")])),
                                     None),
                entry_id=next(iter(ids_from([request.form.get("entry_id", "")])), None))
    except ServiceError as error:
        flash_error(error)
    else:
        flash(gettext("Étape enregistrée."), "success")
    return redirect(url_for("proposals.show", proposal_id=proposal_id) + "#parcours")


@bp.post("/<int:proposal_id>/support")
@login_required
def support(proposal_id: int):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            proposal_service.set_support(
                get_session(), current_user, proposal_id, request.form.get("support") == "1"
            )
        except ServiceError as error:
            flash_error(error)
    return redirect(url_for("proposals.show", proposal_id=proposal_id))


@bp.get("/<int:proposal_id>/tracabilite")
@login_required
def traceability(proposal_id: int):
    """Everything that informed the project's decision, each piece's log proof checked."""
    page = trace.traceability(get_session(), current_user, proposal_id,
                              signer_for(current_app.config))
    return render_template("proposals/traceability.html", page=page, step_labels=STEP_LABELS,
                           entry_status_labels=ENTRY_STATUS_LABELS,
                           outcome_labels=OUTCOME_LABELS,
                           motion_status_labels=MOTION_STATUS_LABELS)


@bp.get("/<int:proposal_id>/preuves.json")
@login_required
def proofs(proposal_id: int):
    """The traceability page's proofs as one file, for `palabre audit verify-proof`."""
    page = trace.traceability(get_session(), current_user, proposal_id,
                              signer_for(current_app.config))
    body = json.dumps(trace.proof_bundle(page), ensure_ascii=False, indent=1)
    return attachment(body, f"preuves-projet-{proposal_id}.json", "application/json")
