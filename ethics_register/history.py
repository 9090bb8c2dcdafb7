"""Checking a stored audit log against itself and against signed checkpoints.

The log is a list of events, each a canonical JSON text that names its own index and the leaf
hash of the event before it. :func:`check_log` reads them in stored order and recomputes
everything: each leaf hash from its text, the chain from one event to the next, and the
Merkle root at the size of every checkpoint. It names the first thing that does not hold:

- ``altered``: an event's text no longer gives its stored leaf hash, or the next event
  recorded another hash for it;
- ``deleted``: an index is missing, or a checkpoint signed a larger log than the one stored;
- ``inserted``: an index appears twice, or an event's recorded predecessor is not the event
  before it;
- ``reordered``: an event stored at one place says it was recorded at another;
- ``rewritten``: every event agrees with its neighbours but the root differs from a signed
  checkpoint: someone recomputed the chain; the change lies between the last checkpoint that
  matches and the first that does not.

Signatures are checked by the caller (:mod:`.checkpoint`), which passes the checkpoints it
trusts. Pure: text in, a report out. One pass, O(n) hashes: a million events in seconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from .checkpoint import Checkpoint, verify_checkpoint
from .merkle import ProofError, RightEdge, verify_inclusion

GENESIS = "0" * 64  # the recorded predecessor of the first event


@dataclass(frozen=True)
class StoredEvent:
    index: int  # where the database keeps it
    canonical: str
    leaf_hash: str  # hex, as stored


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong: its kind, the event's index, what was expected."""

    kind: str
    index: int
    detail: str
    event: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LogReport:
    size: int
    root: bytes
    problem: Problem | None
    checkpoints_checked: int
    latest_checkpoint: int  # the size of the largest checkpoint that matches (0 if none)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def unsigned(self) -> int:
        """Events after the latest matching checkpoint: not yet covered by a signature."""
        return self.size - self.latest_checkpoint


def _leaf(canonical: str) -> bytes:
    return hashlib.sha256(b"\x00" + canonical.encode("utf-8")).digest()


def check_log(events: Iterable[StoredEvent], checkpoints: Iterable[Checkpoint] = ()) -> LogReport:
    """Recompute the log from its stored events, in stored order, and check it."""
    wanted: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        wanted.setdefault(checkpoint.size, []).append(checkpoint)
    edge, previous, matched, checked = RightEdge(), GENESIS, 0, 0
    previous_event: dict = {}

    def at_size() -> Problem | None:
        nonlocal matched, checked
        for checkpoint in wanted.get(edge.size, ()):
            checked += 1
            if checkpoint.root != edge.root():
                return Problem("rewritten", matched, (
                    f"the first {edge.size} events do not give the root signed at that size; "
                    f"the first {matched} do: the change lies between events {matched} and "
                    f"{edge.size - 1}"))
            matched = edge.size
        return None

    def report(problem: Problem | None) -> LogReport:
        return LogReport(edge.size, edge.root(), problem, checked, matched)

    if problem := at_size():
        return report(problem)
    stream = iter(events)
    for event in stream:
        position = edge.size
        try:
            document = json.loads(event.canonical)
            recorded_index = document["index"]
            recorded_previous = document["previous_leaf"]
        except (ValueError, KeyError, TypeError):
            return report(Problem("altered", position, "the event's text is not one Palabre "
                                  "wrote (unreadable JSON, or its index or chain is missing)"))
        leaf = _leaf(event.canonical)
        if event.index > position:
            return report(Problem("deleted", position, (
                f"no event is stored at index {position}; the next one is {event.index}"),
                document))
        if event.index < position:
            return report(Problem("inserted", event.index, (
                f"a second event is stored at index {event.index}"), document))
        if leaf.hex() != event.leaf_hash:
            return report(Problem("altered", position, (
                "its text no longer gives the leaf hash stored with it"), document))
        if recorded_index != position:
            return report(_misplaced(position, recorded_index, document, stream))
        if recorded_previous != previous:
            problem = _broken_chain(position, recorded_previous, previous, previous_event,
                                    document)
            return report(problem)
        edge.append(leaf)
        previous, previous_event = leaf.hex(), document
        if problem := at_size():
            return report(problem)
    larger = [size for size in wanted if size > edge.size]
    if larger:
        return report(Problem("deleted", edge.size, (
            f"the log holds {edge.size} events but a checkpoint signed {max(larger)}")))
    return report(None)


def _misplaced(position: int, recorded: int, document: dict,
               rest: Iterable[StoredEvent]) -> Problem:
    """An event stored at ``position`` that was recorded at ``recorded``: moved, or the sign
    that one was removed or added before it (the rest of the log tells which)."""
    if recorded < position:
        return Problem("inserted", position, (
            f"stored at index {position}, it was recorded at index {recorded}: an event was "
            f"inserted before it"), document)
    for later in rest:
        try:
            if json.loads(later.canonical).get("index") == position:
                return Problem("reordered", position, (
                    f"stored at index {position}, it was recorded at index {recorded}; the "
                    f"event recorded at {position} is stored at {later.index}"), document)
        except (ValueError, AttributeError):
            continue
    return Problem("deleted", position, (
        f"the event recorded at index {position} is missing: the one stored there was "
        f"recorded at index {recorded}"), document)


def _broken_chain(position: int, recorded: str, actual: str, before: dict,
                  document: dict) -> Problem:
    if position == 0:
        return Problem("inserted", 0, "the first event says another came before it", document)
    return Problem("altered", position - 1, (
        f"event {position} recorded its predecessor's hash as {recorded[:16]}…, the stored "
        f"event {position - 1} gives {actual[:16]}…: it was altered, or replaced by another"),
        before)


PROOF_FORMAT = "palabre-audit-proof/1"
BUNDLE_FORMAT = "palabre-audit-proofs/1"  # {"format", "proofs": [proof files]}


def check_proof(document: dict, verifier) -> tuple[Checkpoint, dict]:
    """Check a proof file with the log's public key alone: the checkpoint carries the key's
    signature, and the event's inclusion path leads to its root. Returns the checkpoint and the
    event; raises ProofError or CheckpointError saying what does not hold."""
    try:
        if document["format"] != PROOF_FORMAT:
            raise ProofError(f"not a {PROOF_FORMAT} file")
        index, size, event = int(document["index"]), int(document["tree_size"]), document["event"]
        path = [bytes.fromhex(h) for h in document["inclusion"]]
        note = document["checkpoint"]
        recorded = json.loads(event)
    except (KeyError, TypeError, ValueError) as error:
        raise ProofError(f"the proof file is incomplete or malformed ({error})") from error
    checkpoint = verify_checkpoint(note, verifier)
    if checkpoint.size != size:
        raise ProofError(f"the proof is for a log of {size} events, its checkpoint signs "
                         f"{checkpoint.size}")
    if recorded.get("index") != index:
        raise ProofError(f"the event says it is number {recorded.get('index')}, not {index}")
    verify_inclusion(index, size, _leaf(event), path, checkpoint.root)
    return checkpoint, recorded
