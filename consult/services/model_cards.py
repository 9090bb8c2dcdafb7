"""The model card of a register entry: what its PDF and its JSON say, assembled once.

Two audiences. The committee's card (the committee and administrators, as the entry's page)
holds the whole current version, its history, the latest signed review and the bias tests. The
public card, for the entries the public register shows (approved, deployed, suspended), holds
only what that page shows: the name, status, risk tier, version and the fields marked public.
Both end with the log's latest checkpoint (the journal's public page shows it too), so that a
reader can check the card against the tamper-evident log.

People appear only as the entry's page already shows them: the names of the members who signed
the review. Who wrote each version is not on the card.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ethics_register import entry, review

from ..access import COMMITTEE
from ..models import (
    AuditEvent,
    Member,
    Proposal,
    RegisterEntry,
    RegisterEntryVersion,
    utcnow,
)
from . import NotFound, require_role
from .audit_log import latest_checkpoint
from .bias_test_pages import card_tests
from .register import NO_ENTRY, get_entry, versions
from .register_pages import PUBLIC_STATUSES
from .reviews import reviews_of

SCHEMA = "palabre.model-card/1"
COMMITTEE_CARD, PUBLIC_CARD = "committee", "public"


@dataclass(frozen=True)
class CardField:
    name: str
    label: str  # French, marked for translation
    kind: str  # as in ethics_register.entry: text, long, choice, url, number
    value: str  # as stored ('' when not filled in)
    shown: str  # a choice's label (French, marked for translation), else the value


@dataclass(frozen=True)
class CardGroup:
    name: str
    label: str
    fields: tuple[CardField, ...]


@dataclass(frozen=True)
class CardVersion:
    version: int
    created_at: datetime
    changed: tuple[str, ...]  # the fields that differ from the version before


@dataclass(frozen=True)
class CardStatusChange:
    occurred_at: datetime
    previous: str
    status: str
    version: int
    reason: str


@dataclass(frozen=True)
class CardAnswer:
    requirement: str
    label: str  # French, marked for translation
    answer: str  # met, partly, not_met, not_applicable
    notes: str


@dataclass(frozen=True)
class CardSigner:
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class CardReview:
    version: int  # the version the committee reviewed
    created_at: datetime
    opinion: str  # favourable, favourable_with_conditions, unfavourable
    conditions: str
    dissent: str
    answers: tuple[CardAnswer, ...]
    signers: tuple[CardSigner, ...]


@dataclass(frozen=True)
class CardCheckpoint:
    tree_size: int
    root_hash: str  # hexadecimal SHA-256
    created_at: datetime
    note: str  # the signed note, as /journal/checkpoint.txt gives it


@dataclass(frozen=True)
class CardProposal:
    id: int
    title: str


@dataclass(frozen=True)
class ModelCard:
    audience: str  # committee or public
    entry_id: int
    name: str
    status: str  # a code of ethics_register.gate.STATUSES
    ai_act_tier: str
    version: int
    version_date: datetime | None  # None on the public card
    groups: tuple[CardGroup, ...]
    generated_at: datetime
    checkpoint: CardCheckpoint | None
    history: tuple[CardVersion, ...] = ()  # newest first
    status_changes: tuple[CardStatusChange, ...] = ()  # oldest first
    review: CardReview | None = None  # the latest signed review
    proposal: CardProposal | None = None
    # The current version's bias tests, newest first, one dict each: version, recorded_at
    # (datetime), rows, dataset_sha256, passed, failed, not_enough_data, and (for the latest)
    # verdicts: a list of {attribute, metric, metric_label, group, value, verdict,
    # verdict_label, waived}, labels French and marked for translation
    # (services.bias_test_pages.card_tests).
    bias_tests: list[dict[str, Any]] = field(default_factory=list)


def _groups(document: dict[str, str], public: bool) -> tuple[CardGroup, ...]:
    groups = []
    for group in entry.GROUPS:
        shown = tuple(
            CardField(spec.name, spec.label, spec.kind, value := document.get(spec.name, ""),
                      entry.CHOICE_LABELS.get(value, value) if spec.kind == "choice" else value)
            for spec in group.fields if spec.public or not public)
        if public:
            shown = tuple(f for f in shown if f.value)  # as the public page: filled fields
        if shown:
            groups.append(CardGroup(group.name, group.label, shown))
    return tuple(groups)


def _checkpoint(session: Session) -> CardCheckpoint | None:
    row = latest_checkpoint(session)
    if row is None:
        return None
    return CardCheckpoint(row.tree_size, row.root_hash, row.created_at, row.note)


def _history(rows: list[RegisterEntryVersion]) -> tuple[CardVersion, ...]:
    history, previous = [], {}
    for row in rows:
        document = json.loads(row.document)
        changed = tuple(c.field for c in entry.changes(previous, document)) if previous else ()
        history.append(CardVersion(row.version, row.created_at, changed))
        previous = document
    return tuple(history[::-1])


def _status_changes(session: Session, row: RegisterEntry) -> tuple[CardStatusChange, ...]:
    moves = session.exec(select(AuditEvent.occurred_at, AuditEvent.canonical).where(
        AuditEvent.object_type == "register_entry", AuditEvent.object_id == str(row.id),
        AuditEvent.event_type == "RegisterEntryStatusChanged").order_by(AuditEvent.leaf_index))
    changes = []
    for occurred_at, canonical in moves:
        data = json.loads(canonical)["data"]
        changes.append(CardStatusChange(occurred_at, data["previous"], data["status"],
                                        data["version"], data["reason"]))
    return tuple(changes)


def _latest_signed_review(session: Session, row: RegisterEntry) -> CardReview | None:
    signed = next((v for v in reviews_of(session, row) if v.signatures), None)
    if signed is None:
        return None
    record = signed.review
    answers = tuple(CardAnswer(name, label, signed.answers.get(name, ""),
                               signed.notes.get(name, ""))
                    for name, label in review.REQUIREMENTS)
    signers = tuple(CardSigner(s.signer_name, s.signed_at) for s in signed.signatures)
    return CardReview(record.version, record.created_at, record.opinion, record.conditions,
                      record.dissent, answers, signers)


def _current(rows: list[RegisterEntryVersion], row: RegisterEntry) -> RegisterEntryVersion:
    return next(v for v in rows if v.version == row.current_version)


def model_card(session: Session, actor: Member, entry_id: int,
               now: datetime | None = None) -> ModelCard:
    """The committee's model card of the entry: everything its page shows, as of its current
    version. For the committee and administrators."""
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    rows = versions(session, row.id)
    current = _current(rows, row)
    proposal = session.get(Proposal, row.proposal_id) if row.proposal_id else None
    return ModelCard(
        audience=COMMITTEE_CARD, entry_id=row.id, name=row.name, status=row.status,
        ai_act_tier=row.ai_act_tier, version=row.current_version,
        version_date=current.created_at,
        groups=_groups(json.loads(current.document), public=False),
        generated_at=now or utcnow(), checkpoint=_checkpoint(session),
        history=_history(rows), status_changes=_status_changes(session, row),
        review=_latest_signed_review(session, row),
        proposal=CardProposal(proposal.id, proposal.title) if proposal else None,
        bias_tests=card_tests(session, row))


def public_model_card(session: Session, entry_id: int,
                      now: datetime | None = None) -> ModelCard:
    """The card of an entry the public register shows, with what that page shows and the log's
    checkpoint; any other entry is "not found", as if it did not exist."""
    row = session.get(RegisterEntry, entry_id)
    if row is None or row.status not in PUBLIC_STATUSES:
        raise NotFound(NO_ENTRY)
    current = session.exec(select(RegisterEntryVersion).where(
        RegisterEntryVersion.entry_id == row.id,
        RegisterEntryVersion.version == row.current_version)).one()
    return ModelCard(
        audience=PUBLIC_CARD, entry_id=row.id, name=row.name, status=row.status,
        ai_act_tier=row.ai_act_tier, version=row.current_version, version_date=None,
        groups=_groups(json.loads(current.document), public=True),
        generated_at=now or utcnow(), checkpoint=_checkpoint(session))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def model_card_json(card: ModelCard, *, proposal_url: str | None = None) -> dict[str, Any]:
    """The card as a JSON document: every field, dates in ISO 8601 (UTC), codes as stored
    and labels in French (the register's language). The public card leaves out what the
    public register does not show."""
    document: dict[str, Any] = {"schema": SCHEMA}
    document.update(_plain(card))
    document["fields"] = {f.name: f.value for g in card.groups for f in g.fields}
    if card.proposal is not None:
        document["proposal"]["url"] = proposal_url
    if card.audience == PUBLIC_CARD:
        for name in ("version_date", "history", "status_changes", "review", "proposal",
                     "bias_tests"):
            document.pop(name)
    return document
