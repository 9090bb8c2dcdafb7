"""The JSON API's tokens: made for a member (shown once), revoked, and checked on every API
request. The table holds each token's SHA-256 only; a revoked token, or the token of a
deactivated or erased member, is refused."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta

from sqlmodel import Session, select

from .. import audit, events
from ..access import ADMINISTRATION
from ..models import ApiToken, Member, utcnow
from ..rules import N_
from . import NotFound, ServiceError, actor_ref, require_role
from .members import find_by_email

PREFIX = "plb_"  # says what a leaked secret is, for secret scanners and for people
NAME_MAX = 80
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token

NO_MEMBER = N_("Aucun membre actif n'a cette adresse.")
NO_TOKEN = N_("Ce jeton n'existe pas.")
ALREADY_REVOKED = N_("Ce jeton est déjà révoqué.")
NAME_NEEDED = N_("Donnez un nom au jeton (à quoi il sert), en %(max)s caractères au plus.")


def digest(token: str) -> str:
    """The hex SHA-256 stored for ``token`` (any text: what a client sends is not trusted)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(session: Session, actor: Member | None, email: str, name: str
                 ) -> tuple[ApiToken, str]:
    """A new token for the active member with ``email``: the row and the token itself, which
    is never stored and cannot be shown again. ``actor`` None is the command line."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise ServiceError(NAME_NEEDED, max=NAME_MAX)
    member = find_by_email(session, email)
    if member is None or not member.active or member.erased_at is not None:
        raise NotFound(NO_MEMBER)
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(member_id=member.id, name=name, token_sha256=digest(token))
    session.add(row)
    session.flush()
    audit.record_event(session, events.ApiTokenCreated(
        actor=actor_ref(actor), object_id=str(row.id), member=member.ref, name=name))
    session.commit()
    return row, token


def revoke_token(session: Session, actor: Member | None, token_id: int) -> ApiToken:
    """Refuse the token from now on (administrators; None is the command line)."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(NO_TOKEN)
    if row.revoked_at is not None:
        raise ServiceError(ALREADY_REVOKED)
    row.revoked_at = utcnow()
    session.add(row)
    member = session.get(Member, row.member_id)
    audit.record_event(session, events.ApiTokenRevoked(
        actor=actor_ref(actor), object_id=str(row.id), member=member.ref))
    session.commit()
    return row


def tokens(session: Session) -> list[tuple[ApiToken, Member]]:
    """Every token with its member, newest first (the command line)."""
    return list(session.exec(select(ApiToken, Member).join(Member, Member.id == ApiToken.member_id)
                             .order_by(ApiToken.id.desc())))


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, value = (header or "").strip().partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def member_for(session: Session, header: str | None) -> Member | None:
    """The member an API request acts for: its bearer token's, if the token exists, is not
    revoked and its member is active; else None (the view answers 401)."""
    token = bearer(header)
    if token is None or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_sha256 == digest(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    member = session.get(Member, row.member_id)
    if member is None or not member.active or member.erased_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - _aware(row.last_used_at) >= TOUCH_EVERY:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return member


def _aware(moment):
    """SQLite gives some times back without their zone: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
