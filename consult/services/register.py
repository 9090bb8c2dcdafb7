"""The ethics register's entries: create, revise (every change a new version), move along the
lifecycle through the deployment gate. Each use case authorises (the ethics committee or an
administrator), changes, records its audit event and signs a checkpoint of the log in the same
transaction, then commits.

What an entry says, its validation and the difference between versions are the pure catalogue
of :mod:`ethics_register.entry`; the lifecycle and the gate are :mod:`ethics_register.gate`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ethics_register import Signer, entry, gate

from .. import audit, events
from ..access import COMMITTEE
from ..models import Member, Proposal, RegisterEntry, RegisterEntryVersion, utcnow
from ..rules import N_
from . import NotFound, ServiceError, actor_ref, audit_log, require_role


class EntryInvalid(ServiceError):
    """A document that cannot be an entry's version: every problem, the first as the message."""

    def __init__(self, problems: list[entry.Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, **first.params)
        self.problems = problems


class GateRefused(ServiceError):
    """A transition the lifecycle or the deployment gate refuses, with every reason."""

    def __init__(self, refusals: list[gate.Refusal]) -> None:
        first = refusals[0]
        super().__init__(first.message, **first.params)
        self.refusals = refusals


NO_ENTRY = N_("Cette entrée du registre n'existe pas.")
NO_PROPOSAL = N_("Ce projet d'IA n'existe pas.")
NOTHING_CHANGED = N_("Rien n'a changé : aucune nouvelle version n'a été enregistrée.")
REASON_NEEDED = N_("Donnez la raison de ce changement d'état.")


def _document_text(document: dict[str, str]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _checked(document: dict[str, Any]) -> dict[str, str]:
    problems = entry.problems(document)
    if problems:
        raise EntryInvalid(problems)
    return entry.clean(document)


def get_entry(session: Session, entry_id: int) -> RegisterEntry:
    row = session.get(RegisterEntry, entry_id)
    if row is None:
        raise NotFound(NO_ENTRY)
    return row


def create_entry(session: Session, actor: Member | None, document: dict[str, Any],
                 signer: Signer, *, proposal_id: int | None = None,
                 builtin: str | None = None) -> RegisterEntry:
    """Register an AI system: its first version, status `proposed`. ``actor`` None is the
    system (the demo, Palabre's own entries)."""
    if actor is not None:
        require_role(actor, COMMITTEE)
    values = _checked(document)
    if proposal_id is not None and session.get(Proposal, proposal_id) is None:
        raise NotFound(NO_PROPOSAL)
    row = RegisterEntry(name=values["name"], ai_act_tier=values["ai_act_tier"],
                        proposal_id=proposal_id, builtin=builtin)
    session.add(row)
    session.flush()
    text = _document_text(values)
    session.add(RegisterEntryVersion(entry_id=row.id, version=1, document=text,
                                     author_ref=actor_ref(actor)))
    audit.record_event(session, events.RegisterEntryCreated(
        actor=actor_ref(actor), object_id=str(row.id), name=row.name, proposal_id=proposal_id,
        document_sha256=hashlib.sha256(text.encode()).hexdigest()))
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return row


def versions(session: Session, entry_id: int) -> list[RegisterEntryVersion]:
    return list(session.exec(select(RegisterEntryVersion)
                             .where(RegisterEntryVersion.entry_id == entry_id)
                             .order_by(RegisterEntryVersion.version)))


def current_document(session: Session, row: RegisterEntry) -> dict[str, str]:
    version = session.exec(select(RegisterEntryVersion).where(
        RegisterEntryVersion.entry_id == row.id,
        RegisterEntryVersion.version == row.current_version)).one()
    return json.loads(version.document)


def revise_entry(session: Session, actor: Member, entry_id: int, document: dict[str, Any],
                 signer: Signer) -> RegisterEntryVersion:
    """A new version of the entry. Its status stays; but the gate reads the opinion and bias
    test of the current version only, so a new version needs its own before any deployment."""
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    values = _checked(document)
    changed = entry.changes(current_document(session, row), values)
    if not changed:
        raise ServiceError(NOTHING_CHANGED)
    text = _document_text(values)
    version = RegisterEntryVersion(entry_id=row.id, version=row.current_version + 1,
                                   document=text, author_ref=actor.ref)
    session.add(version)
    row.current_version, row.name = version.version, values["name"]
    row.ai_act_tier, row.updated_at = values["ai_act_tier"], utcnow()
    session.add(row)
    audit.record_event(session, events.RegisterEntryVersioned(
        actor=actor.ref, object_id=str(row.id), version=version.version,
        changed=tuple(c.field for c in changed),
        document_sha256=hashlib.sha256(text.encode()).hexdigest()))
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return version


@dataclass(frozen=True)
class GateEvidence:
    """What the gate reads of an entry: its signed opinions, bias tests and the waivers of
    each version's latest test (plain values)."""

    opinions: tuple[gate.Opinion, ...] = ()
    tests: tuple[gate.BiasTest, ...] = ()
    waivers: tuple[gate.Waiver, ...] = ()


def gate_evidence(session: Session, row: RegisterEntry) -> GateEvidence:
    from .bias_tests import gate_tests, gate_waivers
    from .reviews import signed_opinions

    return GateEvidence(opinions=signed_opinions(session, row), tests=gate_tests(session, row),
                        waivers=gate_waivers(session, row))


def deployment_refusals(session: Session, row: RegisterEntry, now: datetime | None = None,
                        retest_days: int = gate.RETEST_DAYS) -> list[gate.Refusal]:
    evidence = gate_evidence(session, row)
    return gate.deployment_refusals(row.current_version, evidence.opinions, evidence.tests,
                                    evidence.waivers, now or utcnow(), retest_days)


def change_status(session: Session, actor: Member, entry_id: int, target: str, reason: str,
                  signer: Signer, now: datetime | None = None,
                  retest_days: int = gate.RETEST_DAYS) -> RegisterEntry:
    """Move the entry along its lifecycle; `deployed` only through the gate, whose bias test
    must be younger than ``retest_days`` (the PALABRE_RETEST_DAYS setting)."""
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    if not reason.strip():
        raise ServiceError(REASON_NEEDED)
    refusal = gate.transition_refusal(row.status, target)
    if refusal is not None:
        raise GateRefused([refusal])
    if target == "deployed":
        refusals = deployment_refusals(session, row, now, retest_days)
        if refusals:
            raise GateRefused(refusals)
    _move(session, actor, row, target, reason.strip())
    if target == "deployed":
        from .proposal_path import entry_deployed

        entry_deployed(session, row)  # the approved project it came from is deployed too
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return row


def _move(session: Session, actor: Member | None, row: RegisterEntry, target: str,
          reason: str) -> None:
    previous, row.status, row.updated_at = row.status, target, utcnow()
    session.add(row)
    audit.record_event(session, events.RegisterEntryStatusChanged(
        actor=actor_ref(actor), object_id=str(row.id), version=row.current_version,
        previous=previous, status=target, reason=reason))


def entries(session: Session, actor: Member, *, status: str | None = None,
            tier: str | None = None) -> list[RegisterEntry]:
    require_role(actor, COMMITTEE)
    query = select(RegisterEntry).order_by(RegisterEntry.name)
    if status:
        query = query.where(RegisterEntry.status == status)
    if tier:
        query = query.where(RegisterEntry.ai_act_tier == tier)
    return list(session.exec(query))
