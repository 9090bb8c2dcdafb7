"""The minutes (*procès-verbal*) of a closed motion: the board's page, its PDF and the chair's
signature under /conseil; the members' page and PDF under /votes, once signed (who reads what:
consult/services/minutes.py). Thin: call the service, render, hand the file over."""

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import reports
from ..access import BOARD
from ..db import get_session
from ..forms import ConfirmForm
from ..forms_board import OUTCOME_LABELS
from ..services import ServiceError
from ..services import minutes as service
from ..services.audit_log import signer_for
from . import attachment, flash_error, role_required
from .board import LABELS

bp = Blueprint("minutes", __name__, url_prefix="/conseil")
members = Blueprint("member_minutes", __name__, url_prefix="/votes")


@bp.before_request
@role_required(BOARD)
def _board_only():
    """The board's minutes pages are for the board (and administrators)."""


@members.before_request
@login_required
def _members_only():
    """The members' minutes pages are for signed-in members (of the motion's body)."""


METHOD_WORDS = {"college_weighted": _l("pondéré par collège"),
                "one_member_one_vote": _l("une personne, une voix")}
MAJORITY_WORDS = {"simple": _l("majorité simple requise"),
                  "two_thirds": _l("majorité des deux tiers requise"),
                  "consent": _l("par consentement, sauf objection motivée")}


def file_name(motion_id: int) -> str:
    return f"proces-verbal-motion-{motion_id}.pdf"


def percent(share: float | None) -> str:
    """A share 0–1 as a percent in the reader's language, to two decimals at most: 62,5."""
    return "—" if share is None else format_decimal(share * 100, "0.##")


def verdict(minutes: service.Minutes) -> str:
    """The result in words and figures: "Adoptée : 62,5 % de pour, pondéré par collège
    (majorité simple requise)". Plain text: the print template gives it its typography."""
    outcome = OUTCOME_LABELS[minutes.outcome]
    majority = MAJORITY_WORDS[minutes.majority]
    if minutes.share is None or minutes.majority == "consent" or minutes.outcome == "no_quorum":
        return gettext("%(outcome)s (%(majority)s)", outcome=outcome, majority=majority)
    return gettext("%(outcome)s : %(share)s %% de pour, %(method)s (%(majority)s)",
                   outcome=outcome, share=percent(minutes.share),
                   method=METHOD_WORDS[minutes.method], majority=majority)


def _read(motion_id: int, back: str):
    """The minutes, or a redirect to the motion's page saying why there are none yet."""
    try:
        return service.minutes(get_session(), current_user, motion_id), None
    except ServiceError as error:
        flash_error(error)
        return None, redirect(url_for(back, motion_id=motion_id))


def _page(minutes: service.Minutes, *, board: bool):
    return render_template("board/minutes.html", minutes=minutes, board=board, **LABELS,
                           verdict=verdict(minutes), percent=percent,
                           sign_form=ConfirmForm(formdata=None))


def _pdf(minutes: service.Minutes) -> Response:
    html = render_template("board/minutes_print.html", minutes=minutes,
                           generated_at=datetime.now(UTC), verdict=verdict(minutes),
                           percent=percent, **LABELS)
    return attachment(reports.pdf_from_html(html), file_name(minutes.motion_id),
                      "application/pdf")


@bp.get("/motions/<int:motion_id>/pv", endpoint="page")
def board_page(motion_id: int):
    minutes, refused = _read(motion_id, "board.motion")
    return refused or _page(minutes, board=True)


@bp.get("/motions/<int:motion_id>/pv.pdf", endpoint="pdf")
def board_pdf(motion_id: int):
    minutes, refused = _read(motion_id, "board.motion")
    return refused or _pdf(minutes)


@bp.post("/motions/<int:motion_id>/pv/signer", endpoint="sign")
def sign(motion_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            service.sign_minutes(get_session(), current_user, motion_id,
                                 signer_for(current_app.config))
        except ServiceError as error:
            flash_error(error)
        else:
            flash(gettext("Le procès-verbal est signé."), "success")
    return redirect(url_for("minutes.page", motion_id=motion_id))


@members.get("/<int:motion_id>/pv", endpoint="page")
def member_page(motion_id: int):
    minutes, refused = _read(motion_id, "votes.motion")
    return refused or _page(minutes, board=False)


@members.get("/<int:motion_id>/pv.pdf", endpoint="pdf")
def member_pdf(motion_id: int):
    minutes, refused = _read(motion_id, "votes.motion")
    return refused or _pdf(minutes)
