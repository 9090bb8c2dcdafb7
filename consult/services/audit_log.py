"""The tamper-evident log as the cooperative uses it: its signing key, its signed checkpoints,
proofs for members, and the check of the whole history.

The key is an Ed25519 signer kept in ``instance/audit_log.key`` (created on first use, readable
by its owner only); the public key is published on the log's public page. A checkpoint is
signed at every state change of the register, every hour if events were added, and whenever a
proof needs one. The checking itself is pure (:mod:`ethics_register.history`); this module reads
the rows, checks the signatures and hands them over.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, func, select

from ethics_register import (
    Checkpoint,
    CheckpointError,
    LogReport,
    Problem,
    Signer,
    StoredEvent,
    Verifier,
    check_log,
    consistency_proof,
    inclusion_proof,
    sign_checkpoint,
    verify_checkpoint,
)
from ethics_register.history import BUNDLE_FORMAT  # noqa: F401  (the bundle's name)

from ..access import COMMITTEE
from ..models import AuditCheckpoint, AuditEvent, AuditLog
from ..rules import N_
from . import NotFound, require_role

KEY_FILE = "audit_log.key"
PROOF_FORMAT = "palabre-audit-proof/1"
BATCH = 20_000  # rows fetched at a time when the whole log is read


def default_origin(settings: dict) -> str:
    if settings.get("PALABRE_LOG_ORIGIN"):
        return settings["PALABRE_LOG_ORIGIN"]
    host = urlsplit(settings.get("PALABRE_BASE_URL") or "").hostname
    return f"{host}/palabre" if host else "palabre.localhost"


def log_signer(instance_path: str | Path, origin: str) -> Signer:
    """The instance's signing key, created (owner-only) the first time it is needed."""
    path = Path(instance_path) / KEY_FILE
    if path.exists():
        return Signer.from_key(path.read_text())
    signer = Signer.generate(origin)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(signer.key() + "\n")
    return signer


def signer_for(settings: dict) -> Signer:
    return log_signer(settings["PALABRE_INSTANCE_PATH"], default_origin(settings))


def log_state(session: Session) -> AuditLog:
    return session.get(AuditLog, 1)


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.exec(select(AuditCheckpoint).order_by(
        AuditCheckpoint.tree_size.desc(), AuditCheckpoint.id.desc())).first()


def checkpoint(session: Session, signer: Signer, reason: str) -> AuditCheckpoint:
    """Sign the log as it stands in this transaction, unless the latest checkpoint already
    covers every event. The caller commits."""
    state = log_state(session)
    latest = latest_checkpoint(session)
    if latest is not None and latest.tree_size == state.size:
        return latest
    root = bytes.fromhex(state.root_hash)
    note = sign_checkpoint(Checkpoint(signer.name, state.size, root), signer)
    row = AuditCheckpoint(tree_size=state.size, root_hash=state.root_hash, note=note,
                          reason=reason)
    session.add(row)
    session.flush()
    return row


def checkpoint_now(session: Session, signer: Signer, reason: str) -> AuditCheckpoint:
    """Sign and commit (the hourly job, the command line)."""
    row = checkpoint(session, signer, reason)
    session.commit()
    return row


# --- Checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    report: LogReport
    forged: list[int]  # ids of stored checkpoints whose signature does not verify
    kept: Checkpoint | None  # the member's own checkpoint, when one was given
    state_matches: bool  # the cached state row agrees with the recomputed log

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.forged and self.state_matches


def _check_stored(session: Session, trusted: list[Checkpoint]) -> LogReport:
    """Every event in stored order, read in batches (a million rows never sit in memory),
    through the pure checker; the cursor is closed even when the check stops early."""
    table = AuditEvent.__table__  # Core rows: a third of the ORM's cost at a million events
    query = (select(table.c.leaf_index, table.c.canonical, table.c.leaf_hash)
             .order_by(table.c.leaf_index))
    result = session.connection().execution_options(yield_per=BATCH).execute(query)
    try:
        return check_log((StoredEvent(*row) for row in result), trusted)
    finally:
        result.close()


def verify_log(session: Session, verifier: Verifier, kept_note: str | None = None
               ) -> Verification:
    """Recompute the whole log and check it against every stored checkpoint that carries a
    valid signature and, if given, the checkpoint a member kept."""
    trusted, forged = [], []
    for row in session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        try:
            trusted.append(verify_checkpoint(row.note, verifier))
        except CheckpointError:
            forged.append(row.id)
    kept = None
    if kept_note is not None:
        kept = verify_checkpoint(kept_note, verifier)  # CheckpointError: the caller says so
        trusted.append(kept)
    report = _check_stored(session, trusted)
    state = log_state(session)
    matches = report.ok and state is not None and state.size == report.size and (
        state.root_hash == report.root.hex())
    return Verification(report, forged, kept, matches or not report.ok)


# --- The public page --------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalPage:
    origin: str
    size: int
    public_key: str
    checkpoint: AuditCheckpoint | None  # the latest signed
    checkpoints: int  # how many were signed


def journal_page(session: Session, signer: Signer) -> JournalPage:
    """What anyone may see of the log: its size, its latest signed checkpoint, its key."""
    count = session.exec(select(func.count()).select_from(AuditCheckpoint)).one()
    return JournalPage(signer.name, log_state(session).size, signer.verifier().key(),
                       latest_checkpoint(session), count)


def proof_for(session: Session, actor, signer: Signer, index: int) -> dict:
    """A proof file, for the ethics committee and the administrators."""
    require_role(actor, COMMITTEE)
    return proof_file(session, signer, index)


# --- Proofs -----------------------------------------------------------------------------------


def _leaves(session: Session, size: int) -> list[bytes]:
    query = (select(AuditEvent.leaf_hash).where(AuditEvent.leaf_index < size)
             .order_by(AuditEvent.leaf_index).execution_options(yield_per=BATCH))
    return [bytes.fromhex(leaf) for leaf in session.exec(query)]


NO_EVENT = N_("Le journal n'a pas d'événement n° %(index)s.")


def proof_file(session: Session, signer: Signer, index: int) -> dict:
    """A self-contained proof that event ``index`` is in the log: the event, its inclusion
    path and the signed checkpoint it leads to. Verifiable offline with the public key."""
    return proof_files(session, signer, [index])[0]


def proof_files(session: Session, signer: Signer, indexes: list[int]) -> list[dict]:
    """The proof files of several events, against one signed checkpoint (the log's leaves are
    read once)."""
    rows = {e.leaf_index: e for e in session.exec(
        select(AuditEvent).where(AuditEvent.leaf_index.in_(indexes)))}
    for index in indexes:
        if index not in rows:
            raise NotFound(NO_EVENT, index=index)
    signed = checkpoint(session, signer, "proof")
    session.commit()
    leaves = _leaves(session, signed.tree_size)
    key = signer.verifier().key()
    return [{
        "format": PROOF_FORMAT,
        "index": index,
        "tree_size": signed.tree_size,
        "event": rows[index].canonical,
        "inclusion": [h.hex() for h in inclusion_proof(index, leaves)],
        "checkpoint": signed.note,
        "public_key": key,
    } for index in indexes]


def consistency(session: Session, old_size: int, new_size: int) -> list[str]:
    """The proof that the log of ``old_size`` events is a prefix of the log of ``new_size``."""
    return [h.hex() for h in consistency_proof(old_size, _leaves(session, new_size))]


def problem_text(problem: Problem) -> str:
    event = problem.event
    what = f"{event.get('type', '?')} ({event.get('occurred_at', '?')})" if event else ""
    return f"{problem.kind} — event {problem.index} {what}: {problem.detail}".replace("  ", " ")


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
