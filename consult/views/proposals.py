"""AI-project proposals: list, submit, read, comment, support."""

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlmodel import select

from ..db import get_session
from ..forms import CommentForm, ConfirmForm, ProposalForm
from ..models import College, Member
from ..services import ServiceError
from ..services import proposals as proposal_service
from . import flash_error

bp = Blueprint("proposals", __name__, url_prefix="/proposals")


def _names(db, ids):
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {m.id: m.display_name for m in db.exec(select(Member).where(Member.id.in_(ids)))}


@bp.get("/")
@login_required
def index():
    db = get_session()
    items = proposal_service.list_all(db)
    return render_template(
        "proposals/index.html",
        proposals=items,
        supports=proposal_service.support_counts(db),
        authors=_names(db, [p.author_id for p in items]),
    )


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
    try:
        proposal = proposal_service.get(db, proposal_id)
    except ServiceError as error:
        abort(error.status)
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
    comments = proposal_service.comments(db, proposal.id)
    return render_template(
        "proposals/show.html",
        proposal=proposal,
        form=form,
        comments=comments,
        authors=_names(db, [proposal.author_id] + [c.author_id for c in comments]),
        colleges={c.id: c.name for c in db.exec(select(College))},
        supported=proposal_service.supports(db, proposal.id, current_user.id),
        support_count=proposal_service.support_counts(db).get(proposal.id, 0),
        action_form=ConfirmForm(),
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
            if error.status == 404:
                abort(404)
            flash_error(error)
    return redirect(url_for("proposals.show", proposal_id=proposal_id))
