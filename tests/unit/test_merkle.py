"""The Merkle tree (ethics_register/merkle.py) against the transparency-dev/merkle test vectors
and against proofs it makes itself for every tree up to 64 leaves."""

import base64
import json

import pytest

from ethics_register.merkle import (
    EMPTY_ROOT,
    ProofError,
    RightEdge,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from tests.helpers import SHARED_DATA

VECTORS = SHARED_DATA / "merkle-vectors"


def vectors(kind: str) -> list:
    if not VECTORS.is_dir():
        pytest.skip(f"shared data not found: {VECTORS} (run inside the Palabre workspace)")
    return [(p.relative_to(VECTORS).as_posix(), json.loads(p.read_text()))
            for p in sorted((VECTORS / kind).rglob("*.json"))]


def b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def test_every_vector_is_read():
    assert len(vectors("inclusion")) + len(vectors("consistency")) == 196


@pytest.mark.parametrize("kind", ["inclusion", "consistency"])
def test_the_verifier_accepts_and_rejects_exactly_as_the_vectors_say(kind):
    wrong = []
    for name, probe in vectors(kind):
        try:
            if kind == "inclusion":
                verify_inclusion(probe["leafIdx"], probe["treeSize"], b64(probe["leafHash"]),
                                 [b64(h) for h in probe["proof"] or []], b64(probe["root"]))
            else:
                verify_consistency(probe["size1"], probe["size2"], b64(probe["root1"]),
                                   b64(probe["root2"]), [b64(h) for h in probe["proof"] or []])
            accepted = True
        except ProofError:
            accepted = False
        if accepted == probe["wantErr"]:
            wrong.append(name)
    assert wrong == []


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"événement {i}".encode()) for i in range(n)]


def reference_root(hashes: list[bytes]) -> bytes:
    """RFC 9162's MTH, written as the RFC states it (recursive), as an oracle."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(reference_root(hashes[:k]), reference_root(hashes[k:]))


def test_the_right_edge_gives_the_rfcs_root_at_every_size():
    edge = RightEdge()
    all_leaves = leaves(130)
    assert edge.root() == EMPTY_ROOT
    for n, leaf in enumerate(all_leaves, start=1):
        edge.append(leaf)
        assert edge.size == n and edge.root() == reference_root(all_leaves[:n])
        assert len(edge.subtrees) == bin(n).count("1")  # O(log n) kept, never the tree
    assert root(all_leaves) == reference_root(all_leaves)


def test_every_inclusion_and_consistency_proof_up_to_64_leaves_verifies():
    all_leaves = leaves(64)
    for n in range(1, 65):
        tree = all_leaves[:n]
        top = root(tree)
        for index in range(n):
            verify_inclusion(index, n, tree[index], inclusion_proof(index, tree), top)
        for m in range(1, n + 1):
            verify_consistency(m, n, root(tree[:m]), top, consistency_proof(m, tree))
        with pytest.raises(ProofError):  # from the empty tree: true of any tree, so refused
            verify_consistency(0, n, EMPTY_ROOT, top, consistency_proof(0, tree))


def test_a_changed_leaf_or_root_is_refused():
    tree = leaves(11)
    proof = inclusion_proof(6, tree)
    with pytest.raises(ProofError):
        verify_inclusion(6, 11, leaf_hash(b"autre chose"), proof, root(tree))
    with pytest.raises(ProofError):
        verify_inclusion(6, 11, tree[6], proof, root(tree[:10]))
    rewritten = [*tree[:3], leaf_hash("réécrit".encode()), *tree[4:]]
    with pytest.raises(ProofError):  # history rewritten between two checkpoints
        verify_consistency(5, 11, root(tree[:5]), root(rewritten), consistency_proof(5, rewritten))
