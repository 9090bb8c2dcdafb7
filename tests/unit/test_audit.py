import hashlib
import json
from datetime import UTC, datetime

from consult.audit import canonical_json, leaf_hash
from consult.events import MemberInvited


def test_canonical_form_is_deterministic_and_complete():
    event = MemberInvited(
        actor="a1", object_id="m1", college_id=3, roles=("member", "admin"), mailed=False
    )
    when = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    first = canonical_json(event, when, 7, "ab" * 32)
    assert first == canonical_json(event, when, 7, "ab" * 32)
    document = json.loads(first)
    assert document == {
        "type": "MemberInvited",
        "occurred_at": "2026-11-22T10:00:00+00:00",
        "actor": "a1",
        "object_type": "member",
        "object_id": "m1",
        "data": {"college_id": 3, "roles": ["member", "admin"], "mailed": False},
        "index": 7,
        "previous_leaf": "ab" * 32,
    }
    assert " " not in first


def test_leaf_hash_follows_rfc_6962():
    # RFC 6962: the hash of the empty leaf is SHA-256 of the single byte 0x00.
    assert leaf_hash("") == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash("é") == hashlib.sha256(b"\x00" + "é".encode()).hexdigest()


def test_events_are_frozen():
    event = MemberInvited(actor=None, object_id="m1", college_id=None, roles=(), mailed=False)
    try:
        event.mailed = True
    except AttributeError:
        return
    raise AssertionError("an audit event must not change once built")
