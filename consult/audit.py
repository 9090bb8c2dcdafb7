"""The audit recorder: an event, serialised canonically, added to the caller's transaction.

A service builds an event (:mod:`consult.events`) and calls ``record_event(session, event)``
before it commits, so the event lands in the same transaction as the change it describes. Each
row carries its RFC 6962 leaf hash over a canonical form, ready for the tamper-evident log.
"""

import hashlib
import json
from datetime import datetime

from sqlmodel import Session

from .events import Event
from .models import AuditEvent, utcnow


def canonical_json(event: Event, occurred_at: datetime) -> str:
    """Deterministic serialisation: sorted keys, no spaces, UTF-8 text."""
    document = {
        "type": event.event_type,
        "occurred_at": occurred_at.isoformat(),
        "actor": event.actor,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "data": event.data(),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def leaf_hash(canonical: str) -> str:
    """RFC 6962 leaf hash of an entry: SHA-256(0x00 || entry), hex."""
    return hashlib.sha256(b"\x00" + canonical.encode("utf-8")).hexdigest()


def record_event(session: Session, event: Event) -> AuditEvent:
    """Add the event to the session's transaction; the caller commits."""
    occurred_at = utcnow()
    canonical = canonical_json(event, occurred_at)
    row = AuditEvent(
        occurred_at=occurred_at,
        event_type=event.event_type,
        actor_ref=event.actor,
        object_type=event.object_type,
        object_id=str(event.object_id),
        canonical=canonical,
        leaf_hash=leaf_hash(canonical),
    )
    session.add(row)
    return row
