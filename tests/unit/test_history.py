"""The log checker names the first event altered, deleted, inserted or reordered."""

import json
from dataclasses import replace

import pytest

from consult.audit import GENESIS, canonical_json, leaf_hash
from consult.events import CollegeCreated
from ethics_register import (
    Checkpoint,
    ProofError,
    RightEdge,
    Signer,
    StoredEvent,
    check_log,
    check_proof,
    inclusion_proof,
    sign_checkpoint,
)
from ethics_register.checkpoint import CheckpointError
from tests.helpers import utcnow


def make_log(n: int) -> list[StoredEvent]:
    events, previous = [], GENESIS
    for index in range(n):
        event = CollegeCreated(actor="a1", object_id=str(index), name=f"Collège {index}",
                               vote_weight=10)
        text = canonical_json(event, utcnow(), index, previous)
        previous = leaf_hash(text)
        events.append(StoredEvent(index, text, previous))
    return events


def root_of(events, size):
    edge = RightEdge()
    for event in events[:size]:
        edge.append(bytes.fromhex(event.leaf_hash))
    return edge.root()


def checkpoints(events, *sizes):
    return [Checkpoint("coop.example/palabre", size, root_of(events, size)) for size in sizes]


def rewrite(text: str, **changes) -> str:
    document = json.loads(text)
    document.update(changes)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rechain(events):
    """What an attacker with the database does after a change: recompute every index, chain
    and leaf hash so that the events agree with each other again."""
    fixed, previous = [], GENESIS
    for position, event in enumerate(events):
        text = rewrite(event.canonical, index=position, previous_leaf=previous)
        previous = leaf_hash(text)
        fixed.append(StoredEvent(position, text, previous))
    return fixed


def test_an_untouched_log_checks_and_matches_its_checkpoints():
    log = make_log(40)
    report = check_log(log, checkpoints(log, 1, 17, 40))
    assert report.ok and report.size == 40 and report.root == root_of(log, 40)
    assert report.checkpoints_checked == 3 and report.unsigned == 0
    assert check_log(log, checkpoints(log, 30)).unsigned == 10


def test_changed_text_is_named_altered_at_its_index():
    log = make_log(20)
    log[7] = replace(log[7], canonical=rewrite(log[7].canonical, actor="someone-else"))
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("altered", 7)


def test_changed_text_with_its_hash_recomputed_is_caught_by_the_next_event():
    log = make_log(20)
    text = rewrite(log[7].canonical, data={"name": "Autre", "vote_weight": 10})
    log[7] = replace(log[7], canonical=text, leaf_hash=leaf_hash(text))
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("altered", 7)
    assert problem.event["data"]["name"] == "Autre"


def test_a_deleted_row_is_named():
    log = make_log(20)
    del log[5]
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("deleted", 5)


def test_a_deleted_row_with_the_next_ones_renumbered_is_still_named_deleted():
    log = make_log(20)
    del log[5]
    log = [replace(e, index=i) for i, e in enumerate(log)]
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("deleted", 5)


def test_an_inserted_row_is_named():
    log = make_log(20)
    forged = replace(log[9], canonical=rewrite(log[9].canonical, actor="intruder"))
    forged = replace(forged, leaf_hash=leaf_hash(forged.canonical))
    log.insert(10, forged)  # a second row at index 9
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("inserted", 9)
    # with the indices renumbered, the event that followed says it was moved
    renumbered = [replace(e, index=i) for i, e in enumerate(log)]
    problem = check_log(renumbered).problem
    assert problem.kind in ("inserted", "altered") and problem.index in (9, 10)


def test_two_swapped_rows_are_named_reordered():
    log = make_log(20)
    log[3], log[4] = replace(log[4], index=3), replace(log[3], index=4)
    problem = check_log(log).problem
    assert (problem.kind, problem.index) == ("reordered", 3)


def test_a_consistent_rewrite_is_caught_by_the_checkpoints_between_two_sizes():
    log = make_log(60)
    signed = checkpoints(log, 10, 25, 60)
    tampered = list(log)
    tampered[30] = replace(tampered[30], canonical=rewrite(tampered[30].canonical, actor="x"))
    tampered = rechain(tampered)
    assert check_log(tampered).ok  # without signatures, a full rewrite cannot be seen
    problem = check_log(tampered, signed).problem
    assert problem.kind == "rewritten" and problem.index == 25
    assert "25 and 59" in problem.detail


def test_events_removed_from_the_end_are_caught_by_a_larger_checkpoint():
    log = make_log(30)
    problem = check_log(log[:25], checkpoints(log, 10, 30)).problem
    assert (problem.kind, problem.index) == ("deleted", 25)


def test_unreadable_text_is_altered():
    log = make_log(5)
    log[2] = replace(log[2], canonical="not json")
    assert check_log(log).problem.kind == "altered"


def proof_document(log, signer, index, size):
    leaves = [bytes.fromhex(e.leaf_hash) for e in log[:size]]
    note = sign_checkpoint(Checkpoint(signer.name, size, root_of(log, size)), signer)
    return {"format": "palabre-audit-proof/1", "index": index, "tree_size": size,
            "event": log[index].canonical,
            "inclusion": [h.hex() for h in inclusion_proof(index, leaves)], "checkpoint": note}


def test_a_proof_file_checks_with_the_public_key_alone_and_fails_when_changed():
    signer = Signer.generate("coop.example/palabre")
    log = make_log(37)
    document = proof_document(log, signer, 11, 37)
    signed, event = check_proof(document, signer.verifier())
    assert signed.size == 37 and event["index"] == 11
    with pytest.raises(ProofError):  # another event's text
        check_proof({**document, "event": log[12].canonical}, signer.verifier())
    with pytest.raises(ProofError):  # a changed path
        check_proof({**document, "inclusion": document["inclusion"][::-1]}, signer.verifier())
    with pytest.raises(CheckpointError):  # someone else's key
        check_proof(document, Signer.generate("coop.example/palabre").verifier())
    with pytest.raises(ProofError):
        check_proof({"format": "other"}, signer.verifier())
