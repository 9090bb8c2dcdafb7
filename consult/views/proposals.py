"""AI-project proposals: list, submit, read, comment, support."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import CommentForm, ConfirmForm, ProposalForm
from ..services import ServiceError
from ..services import proposals as proposal_service
from . import context_of, flash_error

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


@bp.get("/")
@login_required
def index():
    listing = proposal_service.proposal_list(get_session())
    return render_template("proposals/index.html", **context_of(listing))


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
        "proposals/show.html", **context_of(page), form=form, action_form=ConfirmForm()
    ), status


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
