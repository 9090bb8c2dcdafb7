"""What the register's pages show, assembled for the views (which never query)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, select

from ethics_register import entry, gate

from ..access import COMMITTEE
from ..models import AuditEvent, Member, RegisterEntry
from . import require_role
from .bias_test_pages import TestsSection, stale_entries, tests_section
from .bias_tests import tests_of
from .own_entries import college_checks
from .register import current_document, deployment_refusals, entries, get_entry, versions
from .reviews import ReviewView, reviews_of


@dataclass(frozen=True)
class VersionView:
    version: int
    created_at: object
    changes: list[entry.Change]


@dataclass(frozen=True)
class StatusChange:
    occurred_at: str
    previous: str
    status: str
    reason: str
    version: int


@dataclass(frozen=True)
class EntryPage:
    entry: RegisterEntry
    document: dict[str, str]
    groups: tuple[entry.Group, ...]
    history: list[VersionView]  # newest first
    status_changes: list[StatusChange]
    transitions: tuple[str, ...]
    deployment_refusals: list[gate.Refusal]
    reviews: list[ReviewView]
    signed_by_actor: frozenset[int]  # ids of the reviews the viewer signed
    bias: TestsSection
    college_checks: list  # Palabre's theme analysis only: each consultation's college check


def entry_page(session: Session, actor: Member, entry_id: int, *,
               retest_days: int = gate.RETEST_DAYS) -> EntryPage:
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    rows = versions(session, row.id)
    history, previous = [], {}
    for version in rows:
        document = json.loads(version.document)
        history.append(VersionView(version.version, version.created_at,
                                   entry.changes(previous, document) if previous else []))
        previous = document
    moves = session.exec(select(AuditEvent.canonical).where(
        AuditEvent.object_type == "register_entry", AuditEvent.object_id == str(row.id),
        AuditEvent.event_type == "RegisterEntryStatusChanged").order_by(AuditEvent.leaf_index))
    changes = []
    for canonical in moves:
        document = json.loads(canonical)
        data = document["data"]
        changes.append(StatusChange(document["occurred_at"], data["previous"], data["status"],
                                    data["reason"], data["version"]))
    reviews = reviews_of(session, row)
    signed = frozenset(v.review.id for v in reviews
                       if any(s.member_id == actor.id for s in v.signatures))
    return EntryPage(row, current_document(session, row), entry.GROUPS, history[::-1], changes,
                     gate.TRANSITIONS[row.status],
                     deployment_refusals(session, row, retest_days=retest_days)
                     if "deployed" in gate.TRANSITIONS[row.status] else [], reviews, signed,
                     tests_section(session, row, tests_of(session, row.id),
                                   retest_days=retest_days),
                     college_checks(session, row.builtin) if row.builtin else [])


@dataclass(frozen=True)
class RegisterList:
    entries: list[RegisterEntry]
    statuses: tuple[str, ...]
    tiers: tuple[str, ...]
    stale: dict[int, object]  # entry id → its latest test's date (None: never tested)
    flagged: frozenset[int]  # Palabre's own entries whose latest college check flags a college


def register_list(session: Session, actor: Member, status: str | None, tier: str | None, *,
                  stale_only: bool = False,
                  retest_days: int = gate.RETEST_DAYS) -> RegisterList:
    """The register, filtered by status and tier; ``stale_only`` keeps the approved or deployed
    entries whose bias test is missing or older than the retest period."""
    rows = entries(session, actor, status=status or None, tier=tier or None)
    stale = stale_entries(session, rows, retest_days=retest_days)
    if stale_only:
        rows = [r for r in rows if r.id in stale]
    flagged = frozenset(r.id for r in rows if r.builtin and any(
        check.flagged for check in college_checks(session, r.builtin)))
    return RegisterList(rows, gate.STATUSES, entry.AI_ACT_TIERS, stale, flagged)


def edit_document(session: Session, actor: Member, entry_id: int) -> dict[str, str]:
    require_role(actor, COMMITTEE)
    return current_document(session, get_entry(session, entry_id))


@dataclass(frozen=True)
class PublicEntry:
    entry: RegisterEntry
    document: dict[str, str]


PUBLIC_STATUSES = ("approved", "deployed", "suspended")


def public_register(session: Session) -> list[PublicEntry]:
    """What anyone may read, as public algorithm registers publish it: the systems approved,
    in use or suspended, with the fields marked public (no contact details)."""
    rows = session.exec(select(RegisterEntry).where(RegisterEntry.status.in_(PUBLIC_STATUSES))
                        .order_by(RegisterEntry.name))
    shown = [name for name, spec in entry.FIELDS.items() if spec.public]
    items = []
    for row in rows:
        document = current_document(session, row)
        items.append(PublicEntry(row, {k: document.get(k, "") for k in shown}))
    return items
