"""Home page and language choice."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..config import LANGUAGES
from ..db import get_session
from ..services.consultation_pages import open_for_member
from ..services.cooperative import get_college
from . import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@login_required
def index():
    db = get_session()
    college = get_college(db, current_user.college_id) if current_user.college_id else None
    open_now = open_for_member(
        db, current_user, key=current_app.config["PALABRE_PSEUDONYM_KEY"]
    )
    return render_template("main/index.html", college=college, open_now=open_now)


@bp.get("/language/<code>")
def language(code: str):
    """Remember the chosen language, then go back where the visitor was."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("main.index")))


@bp.get("/health")
def health():
    return {"status": "ok"}
