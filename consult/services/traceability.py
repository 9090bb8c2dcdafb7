"""A decision's traceability: everything that informed an AI project's decision, each piece
with the audit-log event that recorded it and that event's inclusion proof, checked here
against the latest signed checkpoint with the log's public key — and the same proofs as one
file a member verifies offline with ``palabre audit verify-proof``.

The chain: the consultation's latest analysis (its themes and verdicts), the ethics committee's
signed opinion, the latest bias test of the register entry's current version and its verdicts,
the motions on the project and their tally per college, the register entry and its deployment,
and every step of the project's path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from ethics_register import Signer, check_proof

from ..models import AnalysisRun, AuditEvent, Consultation, Member, Motion, Proposal
from ..rules import N_
from . import ServiceError, audit_log
from .bias_tests import result_of, tests_of
from .proposal_path import entry_of
from .proposals import get
from .reviews import reviews_of

SIGN_IN = N_("Connectez-vous pour lire la traçabilité des décisions.")


@dataclass(frozen=True)
class Piece:
    """One link of the chain: what it is, its figures, and the event that recorded it."""

    kind: str  # analysis, review, bias_test, motion, entry, step
    title: str
    facts: dict[str, Any]
    event_index: int | None
    event_type: str | None
    verified: bool = False


@dataclass(frozen=True)
class Traceability:
    proposal: Proposal
    consultation: Consultation | None
    themes: list[dict[str, Any]]  # label, size, verdict
    pieces: list[Piece]
    tree_size: int
    root_hash: str
    public_key: str
    proofs: list[dict] = field(default_factory=list)

    @property
    def all_verified(self) -> bool:
        return all(p.verified for p in self.pieces if p.event_index is not None)


def _event(session: Session, object_type: str, object_id, *types: str) -> AuditEvent | None:
    return session.exec(select(AuditEvent).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id),
        AuditEvent.event_type.in_(types)).order_by(AuditEvent.leaf_index.desc())).first()


def _analysis(session, consultation):
    run = session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation.id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.id.desc())).first()
    if run is None:
        return None, []
    result = json.loads(run.result)
    verdicts = result.get("convergence", {}).get("verdicts", {})
    themes = [{"label": t["label"], "size": t["size"],
               "verdict": verdicts.get(str(t["id"]), {}).get("label")}
              for t in result.get("themes", [])]
    event = _event(session, "analysis_run", run.id, "AnalysisRecorded")
    return Piece("analysis", consultation.title, {"run": run.id, "themes": len(themes),
                                                  "input_sha256": run.input_sha256},
                 event.leaf_index if event else None, "AnalysisRecorded"), themes


def _pieces(session: Session, proposal: Proposal) -> tuple[list[Piece], list, Consultation]:
    pieces, themes = [], []
    consultation = (session.get(Consultation, proposal.consultation_id)
                    if proposal.consultation_id else None)
    if consultation is not None:
        piece, themes = _analysis(session, consultation)
        if piece is not None:
            pieces.append(piece)
    entry = entry_of(session, proposal.id)
    if entry is not None:
        signed = next((v for v in reviews_of(session, entry) if v.signatures), None)
        if signed is not None:
            event = _event(session, "review", signed.review.id, "ReviewRecorded")
            pieces.append(Piece("review", entry.name, {
                "version": signed.review.version, "opinion": signed.review.opinion,
                "conditions": signed.review.conditions,
                "signers": [s.signer_name for s in signed.signatures]},
                event.leaf_index if event else None, "ReviewRecorded"))
        test = next((t for t in tests_of(session, entry.id)
                     if t.version == entry.current_version), None)
        if test is not None:
            verdicts = result_of(test)["verdicts"]
            event = _event(session, "bias_test", test.id, "BiasTestRecorded")
            pieces.append(Piece("bias_test", entry.name, {
                "version": test.version, "rows": test.rows, "passed": test.passed,
                "failed": test.failed, "not_enough_data": test.not_enough_data,
                "not_passing": sorted(k for k, v in verdicts.items() if v != "pass")},
                event.leaf_index if event else None, "BiasTestRecorded"))
    for motion in session.exec(select(Motion).where(
            Motion.subject == "proposal", Motion.subject_id == proposal.id)
            .order_by(Motion.id)):
        event = _event(session, "motion", motion.id, "MotionClosed")
        pieces.append(Piece("motion", motion.title, {
            "body": motion.body, "method": motion.method, "majority": motion.majority,
            "status": motion.status, "outcome": motion.outcome,
            "result": json.loads(motion.result or "{}")},
            event.leaf_index if event else None, "MotionClosed"))
    if entry is not None:
        event = _event(session, "register_entry", entry.id, "RegisterEntryStatusChanged",
                       "RegisterEntryCreated")
        pieces.append(Piece("entry", entry.name, {"status": entry.status,
                                                  "version": entry.current_version},
                            event.leaf_index if event else None,
                            event.event_type if event else None))
    for event in session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "proposal", AuditEvent.object_id == str(proposal.id),
            AuditEvent.event_type == "ProposalMoved").order_by(AuditEvent.leaf_index)):
        data = json.loads(event.canonical)["data"]
        pieces.append(Piece("step", data["status"], {"previous": data["previous"],
                                                     "reason": data["reason"]},
                            event.leaf_index, "ProposalMoved"))
    return pieces, themes, consultation


def traceability(session: Session, actor: Member | None, proposal_id: int,
                 signer: Signer) -> Traceability:
    """The chain behind a project's decision, each event's proof checked (any member reads)."""
    if actor is None or not actor.active:
        raise ServiceError(SIGN_IN)
    proposal = get(session, proposal_id)
    pieces, themes, consultation = _pieces(session, proposal)
    indexes = sorted({p.event_index for p in pieces if p.event_index is not None})
    proofs = audit_log.proof_files(session, signer, indexes) if indexes else []
    verifier = signer.verifier()
    verified = set()
    for proof in proofs:
        try:
            check_proof(proof, verifier)
        except Exception:  # noqa: BLE001  (a proof that fails is shown as not verified)
            continue
        verified.add(proof["index"])
    pieces = [Piece(p.kind, p.title, p.facts, p.event_index, p.event_type,
                    p.event_index in verified) for p in pieces]
    latest = audit_log.latest_checkpoint(session)
    return Traceability(proposal, consultation, themes, pieces,
                        latest.tree_size if latest else 0, latest.root_hash if latest else "",
                        verifier.key(), proofs)


def proof_bundle(page: Traceability) -> dict[str, Any]:
    """The page's proofs as one file for ``palabre audit verify-proof``."""
    return {"format": audit_log.BUNDLE_FORMAT, "proposal": page.proposal.id,
            "title": page.proposal.title, "proofs": page.proofs}
