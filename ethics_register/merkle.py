"""The Merkle tree of RFC 6962 / RFC 9162 over the audit log: roots, proofs, their verification.

    leaf hash = SHA-256(0x00 ‖ entry)        node hash = SHA-256(0x01 ‖ left ‖ right)

A tree of n leaves splits at k, the largest power of two below n: its root is the node hash of the
roots of the first k leaves and of the n − k others. Written here rather than taken from a
library because none on PyPI is both maintained and complete (sigstore-python verifies inclusion
only, inside a private module); the algorithms follow RFC 9162 §2.1 and the verifier is checked
against the transparency-dev/merkle test vectors (``../shared/data/merkle-vectors``).

:class:`RightEdge` appends a leaf at O(log n) cost by keeping the roots of the perfect subtrees
along the tree's right edge, so that the log never rebuilds its tree. Proofs are computed from
the leaf hashes in O(n). Pure: bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

HASH_SIZE = 32


class ProofError(ValueError):
    """A proof that does not prove what it claims, with the reason."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()  # the root of a tree with no leaf


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree of these leaf hashes (iteratively: a million leaves in one pass)."""
    edge = RightEdge()
    for leaf in leaves:
        edge.append(leaf)
    return edge.root()


@dataclass
class RightEdge:
    """The roots of the perfect subtrees along a tree's right edge, largest first: all a log
    needs to append a leaf and know its new root without reading the other leaves."""

    size: int = 0
    subtrees: list[bytes] = field(default_factory=list)

    def append(self, leaf: bytes) -> None:
        """Add a leaf hash: at most log2(n) node hashes."""
        self.subtrees.append(leaf)
        merges, size = 0, self.size
        while size & 1:  # each trailing 1 bit of the old size is a perfect subtree to merge
            merges += 1
            size >>= 1
        for _ in range(merges):
            right = self.subtrees.pop()
            left = self.subtrees.pop()
            self.subtrees.append(node_hash(left, right))
        self.size += 1

    def root(self) -> bytes:
        if not self.subtrees:
            return EMPTY_ROOT
        value = self.subtrees[-1]
        for left in reversed(self.subtrees[:-1]):
            value = node_hash(left, value)
        return value


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``leaves`` (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < len(leaves):
        raise ProofError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    return _path(index, leaves)


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of the first ``old_size`` leaves is a prefix of the tree of all
    of them (RFC 9162 §2.1.4.1)."""
    if not 0 <= old_size <= len(leaves):
        raise ProofError(f"a tree of {old_size} leaves is not a prefix of {len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


# --- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------------------


def _decompose(index: int, size: int) -> tuple[int, int]:
    """How many hashes of an inclusion proof are inner ones, and how many are on the border."""
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        seed = node_hash(seed, sibling) if (index >> i) & 1 == 0 else node_hash(sibling, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, sibling in enumerate(proof):
        if (index >> i) & 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = node_hash(sibling, seed)
    return seed


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that this inclusion proof leads to, or ProofError if it cannot be one."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    if len(leaf) != HASH_SIZE or any(len(h) != HASH_SIZE for h in proof):
        raise ProofError("hashes must be 32 bytes")
    inner, border = _decompose(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"an inclusion proof in this tree has {inner + border} hashes, "
                         f"not {len(proof)}")
    return _chain_border_right(_chain_inner(leaf, proof[:inner], index), proof[inner:])


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes],
                     expected_root: bytes) -> None:
    """Return if leaf ``index`` of a tree of ``size`` leaves is ``leaf`` under this root."""
    if root_from_inclusion(index, size, leaf, proof) != expected_root:
        raise ProofError("the proof leads to another root: the leaf is not in this tree")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes,
                       proof: Sequence[bytes]) -> None:
    """Return if the tree of ``size1`` leaves with ``root1`` is a prefix of the tree of
    ``size2`` leaves with ``root2``: history was only appended to, never rewritten."""
    if size2 < size1:
        raise ProofError(f"a tree of {size2} leaves cannot extend one of {size1}")
    if any(len(h) != HASH_SIZE for h in (*proof,)):
        raise ProofError("hashes must be 32 bytes")
    if size1 == 0:  # every tree extends the empty one: such a proof would prove nothing
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError("two trees of the same size need an empty proof")
        if root1 != root2:
            raise ProofError("two trees of the same size with different roots")
        return
    if not proof:
        raise ProofError("an empty proof cannot show consistency")
    inner, border = _decompose(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1  # trailing zeros of size1
    inner -= shift
    seed, start = proof[0], 1
    if size1 == 1 << shift:  # the old tree is a perfect subtree of the new one
        seed, start = root1, 0
    if len(proof) != start + inner + border:
        raise ProofError(f"a consistency proof between these sizes has "
                         f"{start + inner + border} hashes, not {len(proof)}")
    rest = proof[start:]
    mask = (size1 - 1) >> shift
    hash1 = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if hash1 != root1:
        raise ProofError("the proof does not lead to the old root")
    hash2 = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if hash2 != root2:
        raise ProofError("the proof does not lead to the new root")
