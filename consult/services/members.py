"""Members: invitation, changes of college and roles, deactivation, search."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_
from sqlalchemy.orm import joinedload
from sqlmodel import Session, func, select

from .. import audit, events
from ..access import ADMINISTRATION
from ..models import College, Member, MemberRole, MemberToken, utcnow
from ..rules import N_, normalise_email, normalise_roles, tidy
from ..security import new_token, token_hash
from . import NotFound, ServiceError, actor_ref, require_role

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"


@dataclass(frozen=True)
class IssuedLink:
    """A member and the clear token of the link just issued to them (shown or mailed once)."""

    member: Member
    token: str


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("Ce membre n'existe pas."))
    return member


def find_by_email(session: Session, email: str) -> Member | None:
    return session.exec(select(Member).where(Member.email == normalise_email(email))).first()


def find_by_ref(session: Session, ref: str) -> Member | None:
    """The member with this ref, their roles in the same query: it runs at every signed-in
    request (bench/load counted one round trip to PostgreSQL saved out of about eleven)."""
    return session.exec(
        select(Member).where(Member.ref == ref).options(joinedload(Member.role_links))
    ).unique().one_or_none()


def search_members(
    session: Session,
    actor: Member | None,
    *,
    text: str = "",
    college_id: int | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> list[Member]:
    """Members matching a text (name or e-mail), a college, a role and an active flag."""
    require_role(actor, ADMINISTRATION)
    query = select(Member)
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(
            or_(func.lower(Member.display_name).like(pattern), Member.email.like(pattern))
        )
    if college_id is not None:
        query = query.where(Member.college_id == college_id)
    if role:
        query = query.where(
            Member.id.in_(select(MemberRole.member_id).where(MemberRole.role == role))
        )
    if active is not None:
        query = query.where(Member.active == active)
    return list(session.exec(query.order_by(func.lower(Member.display_name), Member.id)))


def _check_college(session: Session, college_id: int | None) -> None:
    if college_id is not None and session.get(College, college_id) is None:
        raise ServiceError(N_("Ce collège n'existe pas."))


def _check_roles(roles) -> tuple[str, ...]:
    try:
        return normalise_roles(roles)
    except ValueError as error:
        raise ServiceError(N_("Rôle inconnu.")) from error


def issue_token(session: Session, member: Member, purpose: str, hours: int) -> str:
    """Issue a single-use link, voiding the member's earlier unused links of that purpose."""
    now = utcnow()
    earlier = session.exec(
        select(MemberToken).where(
            MemberToken.member_id == member.id,
            MemberToken.purpose == purpose,
            MemberToken.used_at.is_(None),
        )
    )
    for old in earlier:
        old.used_at = now
        session.add(old)
    token = new_token()
    session.add(
        MemberToken(
            member_id=member.id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def invite_member(
    session: Session,
    actor: Member | None,
    *,
    email: str,
    display_name: str,
    college_id: int | None,
    roles: tuple[str, ...] | list[str] = ("member",),
    valid_hours: int = 168,
    mailed: bool = False,
) -> IssuedLink:
    """Create a member without password and issue their invitation link (admins only)."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    email, display_name = normalise_email(email), tidy(display_name)
    if not email or "@" not in email:
        raise ServiceError(N_("Adresse e-mail invalide."))
    if not display_name:
        raise ServiceError(N_("Le nom affiché est obligatoire."))
    if find_by_email(session, email) is not None:
        raise ServiceError(N_("Un membre utilise déjà l'adresse %(email)s."), email=email)
    _check_college(session, college_id)
    roles = _check_roles(roles)
    member = Member(email=email, display_name=display_name, college_id=college_id)
    member.role_links = [MemberRole(role=role) for role in roles]
    session.add(member)
    session.flush()
    token = issue_token(session, member, INVITATION, valid_hours)
    audit.record_event(
        session,
        events.MemberInvited(
            actor=actor_ref(actor),
            object_id=member.ref,
            college_id=college_id,
            roles=roles,
            mailed=mailed,
        ),
    )
    session.commit()
    return IssuedLink(member, token)


def renew_invitation(
    session: Session, actor: Member, member_id: int, *, valid_hours: int = 168, mailed: bool = False
) -> IssuedLink:
    """Issue a fresh invitation link to a member who has not set a password yet."""
    require_role(actor, ADMINISTRATION)
    member = get_member(session, member_id)
    if member.password_hash is not None:
        raise ServiceError(N_("Ce membre a déjà choisi son mot de passe."))
    token = issue_token(session, member, INVITATION, valid_hours)
    audit.record_event(
        session,
        events.MemberInvitationRenewed(actor=actor.ref, object_id=member.ref, mailed=mailed),
    )
    session.commit()
    return IssuedLink(member, token)


def update_member(
    session: Session,
    actor: Member,
    member_id: int,
    *,
    display_name: str,
    college_id: int | None,
    roles: tuple[str, ...] | list[str],
) -> Member:
    """Change a member's name, college and roles (admins only)."""
    require_role(actor, ADMINISTRATION)
    member = get_member(session, member_id)
    display_name = tidy(display_name)
    if not display_name:
        raise ServiceError(N_("Le nom affiché est obligatoire."))
    _check_college(session, college_id)
    roles = _check_roles(roles)
    if member.id == actor.id and "admin" not in roles:
        raise ServiceError(N_("Vous ne pouvez pas retirer votre propre rôle d'administration."))
    changes = []
    if member.display_name != display_name:
        changes.append("display_name")
    if member.college_id != college_id:
        changes.append("college")
    if member.roles != frozenset(roles):
        changes.append("roles")
    if not changes:
        return member
    member.display_name, member.college_id = display_name, college_id
    if "roles" in changes:
        kept = [link for link in member.role_links if link.role in roles]
        added = [MemberRole(role=role) for role in roles if role not in member.roles]
        member.role_links = kept + added
        member.end_sessions()  # the member signs in again with the new roles
    member.updated_at = utcnow()
    session.add(member)
    audit.record_event(
        session,
        events.MemberUpdated(
            actor=actor.ref,
            object_id=member.ref,
            changes=tuple(changes),
            college_id=college_id,
            roles=roles,
        ),
    )
    session.commit()
    return member


def set_active(session: Session, actor: Member, member_id: int, active: bool) -> Member:
    """Deactivate (cannot sign in, data kept) or reactivate a member (admins only)."""
    require_role(actor, ADMINISTRATION)
    member = get_member(session, member_id)
    if member.id == actor.id and not active:
        raise ServiceError(N_("Vous ne pouvez pas désactiver votre propre compte."))
    if member.active == active:
        return member
    member.active = active
    member.end_sessions()
    member.updated_at = utcnow()
    session.add(member)
    event = events.MemberReactivated if active else events.MemberDeactivated
    audit.record_event(session, event(actor=actor.ref, object_id=member.ref))
    session.commit()
    return member


def issue_reset_link(
    session: Session, actor: Member, member_id: int, *, valid_hours: int = 2, mailed: bool = False
) -> IssuedLink:
    """An administrator issues a password-reset link for a member who has a password."""
    require_role(actor, ADMINISTRATION)
    member = get_member(session, member_id)
    if member.password_hash is None:
        raise ServiceError(
            N_("Ce membre n'a pas encore choisi de mot de passe : renvoyez plutôt une invitation.")
        )
    if not member.active:
        raise ServiceError(N_("Ce compte est désactivé : réactivez-le d'abord."))
    token = issue_token(session, member, PASSWORD_RESET, valid_hours)
    audit.record_event(
        session,
        events.MemberPasswordResetRequested(actor=actor.ref, object_id=member.ref, mailed=mailed),
    )
    session.commit()
    return IssuedLink(member, token)
