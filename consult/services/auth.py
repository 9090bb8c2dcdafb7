"""Signing in and setting a password through a single-use link."""

from sqlmodel import Session, select

from .. import audit, events
from ..models import Member, MemberToken, utcnow
from ..passwords import password_problems
from ..rules import N_
from ..security import hash_password, token_hash, verify_password
from . import ServiceError
from .members import PASSWORD_RESET, find_by_email, issue_token


class SignInRefused(ServiceError):
    status = 401


def authenticate(session: Session, email: str, password: str) -> Member:
    """The member with these credentials, or SignInRefused (same message whatever failed)."""
    member = find_by_email(session, email) if email else None
    ok = verify_password(member.password_hash if member else None, password)
    if member is None or not ok:
        raise SignInRefused(N_("Adresse e-mail ou mot de passe incorrect."))
    if not member.active:
        raise SignInRefused(
            N_("Ce compte est désactivé. Adressez-vous à l'administration de la coopérative.")
        )
    member.last_login_at = utcnow()
    session.add(member)
    audit.record_event(session, events.MemberSignedIn(actor=member.ref, object_id=member.ref))
    session.commit()
    return member


def sign_out(session: Session, member: Member) -> None:
    """End every session of the member, this one and any copy of its cookie."""
    member.end_sessions()
    session.add(member)
    audit.record_event(session, events.MemberSignedOut(actor=member.ref, object_id=member.ref))
    session.commit()


def find_valid_token(session: Session, token: str, purpose: str) -> MemberToken:
    """The unused, unexpired token row for this clear token, or ServiceError."""
    row = session.exec(
        select(MemberToken).where(MemberToken.token_hash == token_hash(token))
    ).first()
    if row is None or row.purpose != purpose:
        raise ServiceError(N_("Ce lien n'est pas valide."))
    if row.used_at is not None:
        raise ServiceError(N_("Ce lien a déjà été utilisé. Demandez-en un nouveau."))
    if row.expires_at <= utcnow():
        raise ServiceError(N_("Ce lien a expiré. Demandez-en un nouveau."))
    member = session.get(Member, row.member_id)
    if member is None or not member.active:
        raise ServiceError(N_("Ce lien n'est pas valide."))
    return row


def set_password_with_token(
    session: Session, token: str, purpose: str, password: str, confirmation: str
) -> Member:
    """Use a single-use link to set a member's password."""
    row = find_valid_token(session, token, purpose)
    member = session.get(Member, row.member_id)
    if password != confirmation:
        raise ServiceError(N_("Les deux mots de passe ne sont pas identiques."))
    problems = password_problems(password, member.email, member.display_name)
    if problems:
        raise ServiceError(problems[0].message, **problems[0].params)
    member.password_hash = hash_password(password)
    member.end_sessions()  # whoever knew the old password is signed out
    member.updated_at = row.used_at = utcnow()
    session.add_all([member, row])
    audit.record_event(
        session, events.MemberPasswordSet(actor=member.ref, object_id=member.ref, purpose=purpose)
    )
    session.commit()
    return member


def request_password_reset(
    session: Session, email: str, *, valid_hours: int = 2, mailed: bool = True
) -> str | None:
    """Issue a reset link for an active member who has a password; None otherwise.

    The caller answers the same way in both cases, so that the form does not
    reveal which addresses belong to members.
    """
    member = find_by_email(session, email)
    if member is None or not member.active or member.password_hash is None:
        return None
    token = issue_token(session, member, PASSWORD_RESET, valid_hours)
    audit.record_event(
        session,
        events.MemberPasswordResetRequested(actor=member.ref, object_id=member.ref, mailed=mailed),
    )
    session.commit()
    return token
