"""Administration: members, colleges and the cooperative's settings (admins only)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from .. import jobs
from ..access import ADMINISTRATION, ROLES
from ..db import get_session
from ..forms import (
    CollegeForm,
    ConfirmForm,
    CooperativeForm,
    InviteForm,
    MemberEditForm,
    MemberFilterForm,
)
from ..mail import mail_configured
from ..services import ServiceError
from ..services import cooperative as coop_service
from ..services import members as member_service
from ..services.members import INVITATION, IssuedLink
from . import flash_error, ids_from, public_url, role_required, say

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@role_required(ADMINISTRATION)
def only_admins():
    """Every page of this blueprint is for administrators."""


def _int_or_none(value) -> int | None:
    """An id from a form or the query string; None when empty or not an id a row can have."""
    ids = ids_from([str(value)] if value not in (None, "") else [])
    return next(iter(ids), None)


def _deliver(link: IssuedLink, purpose: str) -> str | None:
    """Mail the link when mail is configured; otherwise return it to show the admin."""
    config = current_app.config
    endpoint = "auth.accept_invitation" if purpose == INVITATION else "auth.reset_password"
    url = public_url(endpoint, token=link.token)
    if not mail_configured(config):
        return url
    cooperative = coop_service.get_cooperative(get_session())
    if purpose == INVITATION:
        subject = gettext(
            "Invitation à rejoindre %(name)s sur Palabre",
            name=cooperative.name if cooperative else "Palabre",
        )
        body = render_template(
            "mail/invitation.txt",
            link=url,
            member=link.member,
            hours=config["PALABRE_INVITATION_HOURS"],
        )
    else:
        subject = gettext("Réinitialiser votre mot de passe Palabre")
        body = render_template(
            "mail/password_reset.txt", link=url, hours=config["PALABRE_PASSWORD_RESET_HOURS"]
        )
    if not jobs.enqueue(jobs.send_mail, link.member.email, subject, body):
        return url  # the queue is unreachable: the admin passes the link on instead
    return None


# --- Members ----------------------------------------------------------------------


@bp.get("/members")
def members():
    db = get_session()
    colleges = coop_service.list_colleges(db)
    form = MemberFilterForm(request.args)
    form.fill_choices(colleges)
    status = {"active": True, "inactive": False}.get(form.status.data or "")
    role = form.role.data if form.role.data in ROLES else None
    found = member_service.search_members(
        db,
        current_user,
        text=form.q.data or "",
        college_id=_int_or_none(form.college.data),
        role=role or None,
        active=status,
    )
    return render_template(
        "admin/members.html",
        form=form,
        members=found,
        colleges={c.id: c for c in colleges},
    )


@bp.route("/members/invite", methods=["GET", "POST"])
def invite():
    db = get_session()
    form = InviteForm()
    form.fill_choices(coop_service.list_colleges(db))
    if form.validate_on_submit():
        config = current_app.config
        try:
            link = member_service.invite_member(
                db,
                current_user,
                email=form.email.data,
                display_name=form.display_name.data,
                college_id=_int_or_none(form.college_id.data),
                roles=form.roles.data or ["member"],
                valid_hours=config["PALABRE_INVITATION_HOURS"],
                mailed=mail_configured(config),
            )
        except ServiceError as error:
            flash_error(error)
            return render_template("admin/invite.html", form=form), 422
        return _after_link(link, INVITATION)
    return render_template("admin/invite.html", form=form)


def _after_link(link: IssuedLink, purpose: str):
    shown = _deliver(link, purpose)
    if shown:
        return render_template(
            "admin/link_issued.html", member=link.member, link=shown, purpose=purpose
        )
    flash(
        gettext("Un e-mail avec le lien a été envoyé à %(email)s.", email=link.member.email),
        "success",
    )
    return redirect(url_for("admin.member", member_id=link.member.id))


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
def member(member_id: int):
    db = get_session()
    person = member_service.get_member(db, member_id)
    form = MemberEditForm(obj=person if request.method == "GET" else None)
    form.fill_choices(coop_service.list_colleges(db))
    if request.method == "GET":
        form.college_id.data = str(person.college_id or "")
        form.roles.data = sorted(person.roles)
    if form.validate_on_submit():
        try:
            member_service.update_member(
                db,
                current_user,
                member_id,
                display_name=form.display_name.data,
                college_id=_int_or_none(form.college_id.data),
                roles=form.roles.data or ["member"],
            )
        except ServiceError as error:
            flash_error(error)
            return render_template(
                "admin/member.html", form=form, person=person, action_form=ConfirmForm()
            ), 422
        flash(gettext("Modifications enregistrées."), "success")
        return redirect(url_for("admin.member", member_id=member_id))
    return render_template("admin/member.html", form=form, person=person, action_form=ConfirmForm())


@bp.post("/members/<int:member_id>/<any(deactivate, reactivate):action>")
def member_active(member_id: int, action: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            member_service.set_active(
                get_session(), current_user, member_id, action == "reactivate"
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(
                gettext("Compte réactivé.")
                if action == "reactivate"
                else gettext(
                    "Compte désactivé : ce membre ne peut plus se connecter ; "
                    "ses contributions restent."
                ),
                "success",
            )
    return redirect(url_for("admin.member", member_id=member_id))


@bp.post("/members/<int:member_id>/link")
def member_link(member_id: int):
    """A fresh invitation (no password yet) or password-reset link."""
    form = ConfirmForm()
    db = get_session()
    if not form.validate_on_submit():
        return redirect(url_for("admin.member", member_id=member_id))
    config = current_app.config
    try:
        person = member_service.get_member(db, member_id)
        if person.password_hash is None:
            link = member_service.renew_invitation(
                db,
                current_user,
                member_id,
                valid_hours=config["PALABRE_INVITATION_HOURS"],
                mailed=mail_configured(config),
            )
            purpose = INVITATION
        else:
            link = member_service.issue_reset_link(
                db,
                current_user,
                member_id,
                valid_hours=config["PALABRE_PASSWORD_RESET_HOURS"],
                mailed=mail_configured(config),
            )
            purpose = member_service.PASSWORD_RESET
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("admin.member", member_id=member_id))
    return _after_link(link, purpose)


# --- Colleges ----------------------------------------------------------------------


@bp.get("/colleges")
def colleges():
    db = get_session()
    return render_template(
        "admin/colleges.html",
        colleges=coop_service.list_colleges(db),
        counts=coop_service.college_member_counts(db),
        warnings=[say(w) for w in coop_service.weight_warnings(db)],
    )


@bp.route("/colleges/new", methods=["GET", "POST"])
def college_new():
    form = CollegeForm()
    if form.validate_on_submit():
        try:
            coop_service.create_college(
                get_session(),
                current_user,
                name=form.name.data,
                description=form.description.data or "",
                vote_weight=form.vote_weight.data,
            )
        except ServiceError as error:
            flash_error(error)
            return render_template("admin/college.html", form=form, college=None), 422
        flash(gettext("Collège créé."), "success")
        return redirect(url_for("admin.colleges"))
    return render_template("admin/college.html", form=form, college=None)


@bp.route("/colleges/<int:college_id>", methods=["GET", "POST"])
def college(college_id: int):
    db = get_session()
    existing = coop_service.get_college(db, college_id)
    form = CollegeForm(obj=existing if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            coop_service.update_college(
                db,
                current_user,
                college_id,
                name=form.name.data,
                description=form.description.data or "",
                vote_weight=form.vote_weight.data,
            )
        except ServiceError as error:
            flash_error(error)
            return render_template("admin/college.html", form=form, college=existing), 422
        flash(gettext("Collège enregistré."), "success")
        return redirect(url_for("admin.colleges"))
    return render_template("admin/college.html", form=form, college=existing)


# --- Cooperative ---------------------------------------------------------------------


@bp.route("/cooperative", methods=["GET", "POST"])
def cooperative_settings():
    db = get_session()
    current = coop_service.get_cooperative(db)
    form = CooperativeForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            coop_service.update_cooperative(
                db, current_user, name=form.name.data, purpose=form.purpose.data or ""
            )
        except ServiceError as error:
            flash_error(error)
            return render_template("admin/cooperative.html", form=form), 422
        flash(gettext("Coopérative enregistrée."), "success")
        return redirect(url_for("admin.cooperative_settings"))
    return render_template("admin/cooperative.html", form=form)
