"""Who may do what: the roles, the sets of roles that guard each area, what a member can do.

One policy read by the services (``require_role(actor, FACILITATION)``), the page guards
(``@role_required(FACILITATION)``) and the templates (``can.facilitate``), so that "facilitator or
administrator" is written once. Pure: no Flask, no database; a member is anything with ``roles``
(a set of role names) and ``active``.
"""

from dataclasses import dataclass
from typing import Protocol

ROLES = ("member", "facilitator", "ethics", "board", "admin")

# Run consultations: settings, lifecycle, moderation, imports, exports, analyses.
FACILITATION = frozenset({"facilitator", "admin"})
# Keep the register of AI models: entries, bias tests, reviews, the audit log's proofs.
COMMITTEE = frozenset({"ethics", "admin"})
# Put motions to the vote, write their outcome, draft the AI charter, sign the minutes.
BOARD = frozenset({"board", "admin"})
# Members, colleges and the cooperative's settings.
ADMINISTRATION = frozenset({"admin"})


class Person(Protocol):
    roles: frozenset[str]
    active: bool


def holds(member: Person | None, roles: frozenset[str]) -> bool:
    """Whether the member is active and holds one of ``roles``."""
    return member is not None and member.active and bool(member.roles & roles)


@dataclass(frozen=True)
class Can:
    """What a member can do, as the templates ask it: ``{% if can.facilitate %}``."""

    facilitate: bool = False
    administer: bool = False
    keep_register: bool = False
    lead_board: bool = False


def can(member: Person | None) -> Can:
    """What ``member`` can do (None, a visitor who is not signed in: nothing)."""
    return Can(facilitate=holds(member, FACILITATION), administer=holds(member, ADMINISTRATION),
               keep_register=holds(member, COMMITTEE), lead_board=holds(member, BOARD))
