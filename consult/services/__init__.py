"""Use cases. Each one authorises, changes, records its audit event, then commits.

Services take a Session and the acting member (None for the system, e.g. the
CLI's loaders); they never import Flask.
"""

from typing import Any

from ..access import holds
from ..models import Member
from ..rules import N_, Problem


class ServiceError(Exception):
    """A refusal a person can understand: a translatable message and its values."""

    status = 400

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.problem = Problem(message, params)


class PermissionDenied(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


def require_role(actor: Member | None, roles: frozenset[str]) -> Member:
    """The actor, if active and holding one of ``roles`` (a set of consult.access); otherwise
    PermissionDenied."""
    if not holds(actor, roles):
        raise PermissionDenied(N_("Vous n'avez pas le droit de faire cela."))
    return actor


def actor_ref(actor: Member | None) -> str | None:
    return actor.ref if actor is not None else None
