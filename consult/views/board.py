"""The board's area (/conseil: motions opened, closed, their outcome written) and the members'
votes (/votes: vote, change one's vote, proxies, receipts and their check). Thin: parse, call
one service, render."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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

from ..access import BOARD
from ..db import get_session
from ..forms import options
from ..forms_board import (
    BODY_LABELS,
    CHOICE_LABELS,
    MAJORITY_LABELS,
    METHOD_LABELS,
    MOTION_STATUS_LABELS,
    OUTCOME_LABELS,
    SUBJECT_LABELS,
    BallotForm,
    CancelForm,
    MotionForm,
    NonceForm,
    OutcomeForm,
    ProxyForm,
    RevokeProxyForm,
)
from ..services import ServiceError, ballots, board, board_pages
from ..services.audit_log import dumps, signer_for
from . import attachment, context_of, flash_error, role_required, say

bp = Blueprint("board", __name__, url_prefix="/conseil")
votes = Blueprint("votes", __name__, url_prefix="/votes")

LABELS = {"choice_labels": CHOICE_LABELS, "body_labels": BODY_LABELS,
          "method_labels": METHOD_LABELS, "majority_labels": MAJORITY_LABELS,
          "subject_labels": SUBJECT_LABELS, "outcome_labels": OUTCOME_LABELS,
          "motion_status_labels": MOTION_STATUS_LABELS}


@bp.before_request
@role_required(BOARD)
def _board_only():
    """Every page here is for the board (and administrators)."""


@votes.before_request
@login_required
def _members_only():
    """Every page here is for signed-in members."""


def _to_utc(value: datetime | None) -> datetime | None:
    zone = ZoneInfo(current_app.config["PALABRE_TIMEZONE"])
    return value.replace(tzinfo=zone).astimezone(UTC) if value else None


def _share(value: Decimal | None) -> float:
    return float(value or 0) / 100


def _flash_all(error: ServiceError) -> None:
    flash_error(error)
    for problem in getattr(error, "problems", [])[1:]:
        flash(say(problem), "error")


# --- The board ----------------------------------------------------------------------------


@bp.get("")
def index():
    page = board_pages.board_list(get_session(), current_user)
    return render_template("board/index.html", **LABELS, **context_of(page))


@bp.route("/motions/nouvelle", methods=["GET", "POST"])
def new_motion():
    form = MotionForm().fill_choices()
    if form.validate_on_submit():
        data = board.MotionInput(
            title=form.title.data, text=form.text.data, body=form.body.data,
            method=form.method.data, majority=form.majority.data,
            opens_at=_to_utc(form.opens_at.data) or datetime.now(UTC),
            closes_at=_to_utc(form.closes_at.data), quorum=_share(form.quorum.data),
            college_quorum=_share(form.college_quorum.data), secret=bool(form.secret.data),
            subject=form.subject.data, subject_id=form.subject_id.data)
        try:
            motion = board.open_motion(get_session(), current_user, data,
                                       signer_for(current_app.config), current_app.config)
        except ServiceError as error:
            _flash_all(error)
        else:
            flash(gettext("Motion ouverte."), "success")
            return redirect(url_for("board.motion", motion_id=motion.id))
    status = 422 if request.method == "POST" else 200
    return render_template("board/new.html", form=form), status


@bp.get("/motions/<int:motion_id>")
def motion(motion_id: int):
    page = board_pages.motion_page(get_session(), current_user, motion_id,
                                   current_app.config, board=True)
    return render_template("board/motion.html", **LABELS, **context_of(page),
                           close_form=CancelForm(formdata=None), cancel_form=CancelForm(),
                           outcome_form=OutcomeForm(
                               data={"statement": page.motion.outcome_statement}))


@bp.post("/motions/<int:motion_id>/cloturer")
def close(motion_id: int):
    form = CancelForm()
    if form.validate_on_submit():
        try:
            board.close_motion(get_session(), current_user, motion_id,
                               signer_for(current_app.config), current_app.config)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Le vote est clos et dépouillé."), "success")
    return redirect(url_for("board.motion", motion_id=motion_id))


@bp.post("/motions/<int:motion_id>/annuler")
def cancel(motion_id: int):
    form = CancelForm()
    if form.validate_on_submit():
        try:
            board.cancel_motion(get_session(), current_user, motion_id, form.reason.data or "",
                                signer_for(current_app.config))
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Motion annulée."), "success")
    return redirect(url_for("board.motion", motion_id=motion_id))


@bp.post("/motions/<int:motion_id>/decision")
def outcome(motion_id: int):
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            board.write_outcome(get_session(), current_user, motion_id, form.statement.data,
                                signer_for(current_app.config))
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Décision enregistrée."), "success")
    else:
        flash(gettext("Écrivez la décision."), "error")
    return redirect(url_for("board.motion", motion_id=motion_id))


# --- The members' votes ---------------------------------------------------------------------


@votes.get("", endpoint="index")
def votes_index():
    page = board_pages.member_votes(get_session(), current_user)
    return render_template("board/votes.html", **LABELS, **context_of(page))


def _motion_page(motion_id: int, ballot_form=None, status=200):
    page = board_pages.motion_page(get_session(), current_user, motion_id, current_app.config)
    if ballot_form is None:
        ballot_form = BallotForm(formdata=None, data={"choice": page.my_vote,
                                                      "reason": page.my_reason})
    proxy_form = ProxyForm(formdata=None)
    proxy_form.holder.choices = options([(str(i), name) for i, name in page.holders])
    return render_template("board/vote.html", **LABELS, **context_of(page),
                           ballot_form=ballot_form, proxy_form=proxy_form,
                           revoke_form=RevokeProxyForm(formdata=None)), status


@votes.get("/<int:motion_id>", endpoint="motion")
def vote_page(motion_id: int):
    return _motion_page(motion_id)


@votes.route("/<int:motion_id>/voter", methods=["POST"])
@votes.route("/<int:motion_id>/voter/<int:for_member>", methods=["GET", "POST"])
def cast(motion_id: int, for_member: int | None = None):
    form = BallotForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            done = ballots.cast(get_session(), current_user, motion_id, form.choice.data,
                                form.reason.data or "", current_app.config,
                                for_member_id=for_member)
        except ServiceError as error:
            flash_error(error)
        else:
            if done.secret:  # the nonce is shown once, on this page, and never stored
                return render_template("board/cast.html", done=done, **LABELS)
            flash(gettext("Votre vote est enregistré : %(choice)s.",
                          choice=CHOICE_LABELS[done.choice]), "success")
            return redirect(url_for("votes.motion", motion_id=motion_id))
    if for_member is not None:
        page = board_pages.motion_page(get_session(), current_user, motion_id,
                                       current_app.config)
        giver = next((h for h in page.held if h.giver_id == for_member), None)
        return render_template("board/proxy_vote.html", **LABELS, **context_of(page),
                               giver=giver, ballot_form=form), (
            422 if request.method == "POST" else 200)
    return _motion_page(motion_id, form, 422)


@votes.post("/<int:motion_id>/pouvoir")
def give_proxy(motion_id: int):
    form = ProxyForm()
    form.holder.choices = []  # the service checks the holder (validate_choice off)
    holder = form.holder.data or ""
    if form.validate_on_submit() and holder.isdigit():
        try:
            ballots.give_proxy(get_session(), current_user, motion_id, int(holder),
                               current_app.config)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Votre pouvoir est donné."), "success")
    else:
        flash(gettext("Choisissez le membre à qui donner votre pouvoir."), "error")
    return redirect(url_for("votes.motion", motion_id=motion_id))


@votes.post("/<int:motion_id>/pouvoir/retirer")
def revoke_proxy(motion_id: int):
    form = RevokeProxyForm()
    if form.validate_on_submit():
        giver = form.giver.data
        try:
            ballots.revoke_proxy(get_session(), current_user, motion_id,
                                 giver_id=int(giver) if giver and giver.isdigit() else None)
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Le pouvoir est retiré."), "success")
    return redirect(url_for("votes.motion", motion_id=motion_id))


def _receipt(motion_id: int):
    return ballots.receipt(get_session(), current_user, motion_id,
                           signer_for(current_app.config), current_app.config)


@votes.get("/<int:motion_id>/recu")
def receipt(motion_id: int):
    page = board_pages.motion_page(get_session(), current_user, motion_id, current_app.config)
    return render_template("board/receipt.html", **LABELS, receipt=_receipt(motion_id),
                           motion=page.motion)


@votes.get("/<int:motion_id>/recu/preuve.json")
def proof(motion_id: int):
    found = _receipt(motion_id)
    if found.proof is None:
        flash(gettext("La preuve sera disponible à la clôture du vote."), "error")
        return redirect(url_for("votes.receipt", motion_id=motion_id))
    name = f"preuve-motion-{motion_id}-{found.proof['index']}.json"
    return attachment(dumps(found.proof), name, "application/json")


@votes.route("/<int:motion_id>/verifier", methods=["GET", "POST"])
def check(motion_id: int):
    form = NonceForm()
    checked = None
    if form.validate_on_submit():
        checked = ballots.check_nonce(get_session(), motion_id, form.nonce.data)
    motion_row = board.get_motion(get_session(), motion_id)
    index, commitments = ballots.counted_commitments(get_session(), motion_id)
    return render_template("board/check.html", **LABELS, form=form, checked=checked,
                           motion=motion_row, closed_index=index,
                           commitments=commitments)
