"""Use cases. Each one authorises, changes, records its audit event, then commits.

Services take a Session and the acting member (None for the system, e.g. the
CLI's loaders); they never import Flask.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from ..access import holds
from ..models import Member
from ..rules import N_, Problem


class Refusal(Exception):
    """A refusal a person can understand: a translatable message and its values.

    Views catch :class:`ServiceError` only, and re-render the form with a message; the app
    answers :class:`NotFound` and :class:`PermissionDenied` with its error pages, once for every
    view (consult/views/__init__.py). The CLI catches every refusal.
    """

    status = 400

    def __init__(self, message: str, **params: Any) -> None:
        self.problem = Problem(message, params)
        super().__init__(self.problem.text())


class ServiceError(Refusal):
    """What was asked cannot be done as it stands (bad input, wrong state): say why."""


class PermissionDenied(Refusal):
    """The actor may not do this, or see this object."""

    status = 403


class NotFound(Refusal):
    """The object does not exist."""

    status = 404


def require_role(actor: Member | None, roles: frozenset[str]) -> Member:
    """The actor, if active and holding one of ``roles`` (a set of consult.access); otherwise
    PermissionDenied."""
    if not holds(actor, roles):
        raise PermissionDenied(N_("Vous n'avez pas le droit de faire cela."))
    return actor


T = TypeVar("T")
CONFLICT_ATTEMPTS = 8


def _is_conflict(error: Exception) -> bool:
    """A rule the database held against a concurrent change (a unique index), or SQLite
    refusing a write that began on a snapshot another connection has since changed."""
    if isinstance(error, IntegrityError):
        return True
    message = str(error).lower()
    return isinstance(error, OperationalError) and ("locked" in message or "busy" in message)


def retry_on_conflict(session: Session, change: Callable[[], T]) -> T:
    """Run ``change`` (which reads, changes and commits); when a concurrent request made it
    conflict, roll back and run it again on what is now there.

    Where the rules say "one" (one latest vote, one active analysis), a unique index makes the
    database refuse the second row, and the retry reads the first one instead.
    """
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return change()
        except (IntegrityError, OperationalError) as error:
            session.rollback()
            if not _is_conflict(error) or attempt == CONFLICT_ATTEMPTS - 1:
                raise
            time.sleep(0.005 * 2**attempt)  # 5 ms, 10 ms, … up to 0.6 s
    raise AssertionError("unreachable")


def actor_ref(actor: Member | None) -> str | None:
    return actor.ref if actor is not None else None
