"""A member's notifications: the list with what is unread, the e-mail settings, the header's
count."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_login import current_user, login_required

from ..db import get_session
from ..forms import ConfirmForm
from ..services import notifications as service
from . import context_of, page_number, safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.before_request
@login_required
def _members_only():
    """Every page here is a signed-in member's own."""


@bp.app_context_processor
def unread_notifications():
    """The header's count of the signed-in member's unread notifications."""
    if not current_user.is_authenticated:
        return {"unread_notifications": None}
    try:
        return {"unread_notifications": service.unread_count(get_session(), current_user)}
    except Exception:  # an error page must render even when the database is down
        return {"unread_notifications": None}


@bp.get("/")
def index():
    page = service.list_for(get_session(), current_user, page_number())
    return render_template("notifications/index.html", **context_of(page),
                           action_form=ConfirmForm())


@bp.post("/lues")
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        changed = service.mark_read(get_session(), current_user)
        flash(ngettext("%(num)s notification marquée comme lue.",
                       "%(num)s notifications marquées comme lues.", changed), "success")
    return redirect(url_for("notifications.index"))


@bp.get("/<int:notification_id>")
def open_one(notification_id: int):
    """Mark the notification read and go to its page."""
    target = service.open_notification(get_session(), current_user, notification_id)
    return redirect(safe_next(target, url_for("notifications.index")))


@bp.route("/reglages", methods=["GET", "POST"])
def settings():
    form = ConfirmForm()
    if form.validate_on_submit():
        service.set_emails(get_session(), current_user, request.form.getlist("email"))
        flash(gettext("Vos choix de notifications par e-mail sont enregistrés."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form,
                           choices=service.settings_for(get_session(), current_user))
