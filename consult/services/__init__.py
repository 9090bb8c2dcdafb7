"""Use cases. Each one authorises, changes, records its audit event, then commits.

Services take a Session and the acting member (None for the system, e.g. the
CLI's loaders); they never import Flask.
"""

from typing import Any

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
        super().__init__(message % params if params else message)
        self.problem = Problem(message, params)


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


def actor_ref(actor: Member | None) -> str | None:
    return actor.ref if actor is not None else None
