"""The audit log's Merkle tree at a million events: hashing, root, appends, proofs.

    .venv/bin/python bench/merkle.py [--events N]

Prints the seconds each step takes on this machine (the targets of issue 12: verifying 1,000,000
events in ≤ 20 s, appending one in ≤ 1 ms of hashing at 1,000,000). Events are made up, of the
size of Palabre's canonical audit events (about 250 bytes of JSON).
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ethics_register.merkle import (  # noqa: E402
    RightEdge,
    inclusion_proof,
    leaf_hash,
    root,
    verify_inclusion,
)


def event(i: int) -> bytes:
    return json.dumps({
        "type": "VoteCast", "occurred_at": f"2026-12-01T10:{i % 60:02d}:00.{i % 999999:06d}+00:00",
        "actor": f"m{i:031x}", "object_type": "contribution", "object_id": str(i % 5000),
        "data": {"value": i % 3 - 1},
    }, sort_keys=True, separators=(",", ":")).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    n = parser.parse_args().events
    entries = [event(i) for i in range(n)]
    print(f"{n:,} events of {sum(map(len, entries)) / n:.0f} bytes on average")

    started = time.perf_counter()
    leaves = [leaf_hash(e) for e in entries]
    hashed = time.perf_counter() - started
    started = time.perf_counter()
    top = root(leaves)
    rooted = time.perf_counter() - started
    print(f"leaf hashes: {hashed:.2f} s · root: {rooted:.2f} s · "
          f"verification of the whole log (both): {hashed + rooted:.2f} s (target ≤ 20 s)")

    edge = RightEdge()
    for leaf in leaves:
        edge.append(leaf)
    appends = 10_000
    started = time.perf_counter()
    for i in range(appends):
        edge.append(leaf_hash(event(n + i)))
        edge.root()
    per_append = (time.perf_counter() - started) / appends * 1000
    print(f"one append and its new root at {n:,} events: {per_append:.3f} ms (target ≤ 1 ms)")

    started = time.perf_counter()
    proof = inclusion_proof(n // 3, leaves)
    verify_inclusion(n // 3, n, leaves[n // 3], proof, top)
    print(f"one inclusion proof ({len(proof)} hashes) made from the leaves and verified: "
          f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
