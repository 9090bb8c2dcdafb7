"""The audit recorder: an event, serialised canonically, appended to the Merkle log in the
caller's transaction.

A service builds an event (:mod:`consult.events`) and calls ``record_event(session, event)``
before it commits, so the event lands in the same transaction as the change it describes. The
event takes the next index of the log by updating the log's state row first: that update is a
row lock on PostgreSQL and the write lock on SQLite, so concurrent transactions append one after
the other and never take the same index. The state row keeps the right edge of the tree, so an
append costs O(log n) hashes and the tree is never rebuilt (:class:`ethics_register.RightEdge`).

Each canonical event carries its own index and the leaf hash of the event before it: a changed,
removed or moved row then breaks the chain at a named place, and the signed checkpoints catch
whoever rewrites the whole chain (``consult/services/audit_log.py``).
"""

import hashlib
import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from ethics_register import RightEdge

from .events import Event
from .models import AuditEvent, AuditLog, utcnow

GENESIS = "0" * 64  # the "previous leaf" of the first event


def canonical_json(event: Event, occurred_at: datetime, index: int, previous: str) -> str:
    """Deterministic serialisation: sorted keys, no spaces, UTF-8 text."""
    document = {
        "type": event.event_type,
        "occurred_at": occurred_at.isoformat(),
        "actor": event.actor,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data(),
        "index": index,
        "previous_leaf": previous,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf_hash(canonical: str) -> str:
    """RFC 6962 leaf hash of an entry: SHA-256(0x00 || entry), hex."""
    return hashlib.sha256(b"\x00" + canonical.encode("utf-8")).hexdigest()


def edge_of(state: AuditLog) -> RightEdge:
    hashes = state.right_edge
    return RightEdge(state.size, [bytes.fromhex(hashes[i:i + 64])
                                  for i in range(0, len(hashes), 64)])


def record_event(session: Session, event: Event) -> AuditEvent:
    """Append the event to the log within the session's transaction; the caller commits."""
    claimed = session.execute(
        update(AuditLog).where(AuditLog.id == 1).values(size=AuditLog.size + 1)
        .returning(AuditLog.size, AuditLog.right_edge, AuditLog.last_leaf)
    ).one_or_none()
    if claimed is None:
        raise RuntimeError("the audit log has no state row: run `palabre db upgrade`")
    size, right_edge, last_leaf = claimed
    index = size - 1
    occurred_at = utcnow()
    canonical = canonical_json(event, occurred_at, index, last_leaf or GENESIS)
    leaf = leaf_hash(canonical)
    edge = edge_of(AuditLog(size=index, right_edge=right_edge))
    edge.append(bytes.fromhex(leaf))
    session.execute(update(AuditLog).where(AuditLog.id == 1).values(
        right_edge="".join(h.hex() for h in edge.subtrees), last_leaf=leaf,
        root_hash=edge.root().hex()))
    row = AuditEvent(
        leaf_index=index,
        occurred_at=occurred_at,
        event_type=event.event_type,
        actor_ref=event.actor,
        object_type=event.object_type,
        object_id=str(event.object_id),
        canonical=canonical,
        leaf_hash=leaf,
    )
    session.add(row)
    return row
