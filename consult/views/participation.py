"""The participation dashboard of a consultation (facilitation team)."""

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from flask_babel import gettext
from flask_login import current_user

from ..access import FACILITATION
from ..db import get_session
from ..services import participation as service
from . import context_of, role_required

bp = Blueprint("participation", __name__, url_prefix="/facilitate")


@bp.before_request
@role_required(FACILITATION)
def only_facilitators():
    """The dashboard is for the facilitation team (and administrators)."""


@bp.get("/consultations/<int:consultation_id>/participation")
def dashboard(consultation_id: int):
    """Who took part, by college and by day: which college is not being heard."""
    page = service.participation_page(
        get_session(), current_user, consultation_id, without_college=gettext("sans collège"),
        zone=ZoneInfo(current_app.config["PALABRE_TIMEZONE"]))
    return render_template("facilitate/participation.html", **context_of(page))
