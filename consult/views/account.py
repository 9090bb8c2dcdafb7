"""My account: download all my data, erase my account."""

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, logout_user

from ..db import get_session
from ..forms import ConfirmForm, EraseForm
from ..services import ServiceError
from ..services import rights as rights_service
from . import flash_error

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@login_required
def index():
    return render_template(
        "account/index.html", erase_form=EraseForm(formdata=None), action_form=ConfirmForm()
    )


@bp.post("/data")
@login_required
def data():
    """All my data as a JSON file (a POST: it is recorded in the audit log)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.index"))
    document = rights_service.export_my_data(
        get_session(), current_user, key=current_app.config["PALABRE_PSEUDONYM_KEY"]
    )
    body = json.dumps(document, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-palabre.json"'},
    )


@bp.post("/erase")
@login_required
def erase():
    form = EraseForm()
    if not form.validate_on_submit():
        flash(gettext("Cochez la confirmation et saisissez votre mot de passe."), "error")
        return render_template(
            "account/index.html", erase_form=form, action_form=ConfirmForm()
        ), 422
    try:
        deleted, kept = rights_service.erase_account(
            get_session(),
            current_user,
            key=current_app.config["PALABRE_PSEUDONYM_KEY"],
            password=form.password.data,
            delete_contributions=form.delete_contributions.data,
        )
    except ServiceError as error:
        flash_error(error)
        return render_template(
            "account/index.html", erase_form=form, action_form=ConfirmForm()
        ), 422
    logout_user()
    flash(
        gettext(
            "Votre compte est effacé. Contributions supprimées : %(deleted)s ; "
            "conservées anonymement : %(kept)s.",
            deleted=deleted,
            kept=kept,
        ),
        "success",
    )
    return redirect(url_for("auth.login"))
