"""Sign in, sign out, and set a password from an invitation or reset link."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from .. import jobs
from ..db import get_session
from ..extensions import limiter
from ..forms import ConfirmForm, LoginForm, ResetRequestForm, SetPasswordForm
from ..mail import mail_configured
from ..rules import normalise_email
from ..services import ServiceError
from ..services import auth as auth_service
from ..services.members import INVITATION, PASSWORD_RESET
from . import flash_error, public_url, safe_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["PALABRE_LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["PALABRE_LOGIN_ACCOUNT_RATE_LIMIT"]


def _account_key() -> str:
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
# Failures only, per address and per account: a workshop signing in from one office connection
# is not locked out, and guessing one member's password from many addresses is.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed, scope="sign-in-address")
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed,
               scope="sign-in-account")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            member = auth_service.authenticate(get_session(), form.email.data, form.password.data)
        except ServiceError as error:
            flash_error(error)
            return render_template("auth/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()  # a fresh session at sign-in
        if lang:
            session["lang"] = lang
        session.permanent = True
        login_user(member)
        return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            auth_service.sign_out(get_session(), current_user)
        logout_user()
        lang = session.get("lang")
        session.clear()
        if lang:
            session["lang"] = lang
        flash(gettext("Vous êtes déconnecté·e."), "info")
    return redirect(url_for("auth.login"))


def _set_password_page(token: str, purpose: str, template: str):
    form = SetPasswordForm()
    db = get_session()
    try:
        row = auth_service.find_valid_token(db, token, purpose)
    except ServiceError as error:
        flash_error(error)
        return render_template("auth/link_invalid.html"), 410
    if form.validate_on_submit():
        try:
            member = auth_service.set_password_with_token(
                db, token, purpose, form.password.data, form.confirmation.data
            )
        except ServiceError as error:
            flash_error(error)
            return render_template(template, form=form, member_id=row.member_id), 422
        session.clear()
        login_user(member)
        flash(gettext("Votre mot de passe est enregistré. Bienvenue !"), "success")
        return redirect(url_for("main.index"))
    return render_template(template, form=form, member_id=row.member_id)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_password_page(token, INVITATION, "auth/invitation.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_password_page(token, PASSWORD_RESET, "auth/reset.html")


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    config = current_app.config
    if form.validate_on_submit():
        if mail_configured(config):
            token = auth_service.request_password_reset(
                get_session(), form.email.data, valid_hours=config["PALABRE_PASSWORD_RESET_HOURS"]
            )
            if token:
                link = public_url("auth.reset_password", token=token)
                # Queue unreachable: logged; the answer stays the same, or it would tell
                # whether the address is a member's.
                jobs.enqueue(
                    jobs.send_mail,
                    form.email.data.strip().lower(),
                    gettext("Réinitialiser votre mot de passe Palabre"),
                    render_template(
                        "mail/password_reset.txt",
                        link=link,
                        hours=config["PALABRE_PASSWORD_RESET_HOURS"],
                    ),
                )
            flash(
                gettext(
                    "Si cette adresse appartient à un membre, un lien de réinitialisation "
                    "vient de lui être envoyé."
                ),
                "info",
            )
        else:
            flash(
                gettext(
                    "Cette coopérative n'envoie pas d'e-mails : demandez à un administrateur "
                    "un nouveau lien."
                ),
                "info",
            )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)
