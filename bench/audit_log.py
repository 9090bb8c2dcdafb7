"""`palabre audit verify`'s check of a stored log of a million events, and the cost of an append.

    .venv/bin/python bench/audit_log.py [--events N] [--postgres]

Fills a fresh database (a SQLite file, or a schema of the local PostgreSQL with --postgres) with
N events chained exactly as Palabre records them, signs a checkpoint every 10,000 events, then
times what `palabre audit verify` does: read every row in batches, recompute every leaf hash, the
chain and the root at every checkpoint, and check each signature. Target of issue 12: ≤ 20 s at
1,000,000 events. Then times `record_event` itself (the whole append in its transaction, not only
the hashing) on the full log.
"""

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from consult import audit  # noqa: E402
from consult.db import make_engine  # noqa: E402
from consult.events import VoteCast  # noqa: E402
from consult.migrate import upgrade  # noqa: E402
from consult.models import AuditCheckpoint, AuditEvent, AuditLog, utcnow  # noqa: E402
from consult.services.audit_log import verify_log  # noqa: E402
from ethics_register import Checkpoint, RightEdge, Signer, sign_checkpoint  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHECKPOINT_EVERY = 10_000


def vote(i: int) -> VoteCast:
    return VoteCast(actor=f"{i:032x}", object_id=str(i % 5000), value=i % 3 - 1)


def fill(engine, n: int, signer: Signer) -> int:
    edge, previous, rows, notes = RightEdge(), audit.GENESIS, [], []
    now = utcnow()
    with engine.begin() as db:
        for i in range(n):
            event = vote(i)
            canonical = audit.canonical_json(event, now, i, previous)
            previous = audit.leaf_hash(canonical)
            edge.append(bytes.fromhex(previous))
            rows.append({"leaf_index": i, "occurred_at": now, "event_type": event.event_type,
                         "actor_ref": event.actor, "object_type": event.object_type,
                         "object_id": event.object_id, "canonical": canonical,
                         "leaf_hash": previous})
            if edge.size % CHECKPOINT_EVERY == 0 or i == n - 1:
                db.execute(insert(AuditEvent), rows)
                rows = []
                note = sign_checkpoint(Checkpoint(signer.name, edge.size, edge.root()), signer)
                notes.append({"created_at": now, "tree_size": edge.size,
                              "root_hash": edge.root().hex(), "note": note, "reason": "bench"})
        db.execute(insert(AuditCheckpoint), notes)
        db.execute(text("UPDATE audit_log SET size = :s, right_edge = :e, last_leaf = :l, "
                        "root_hash = :r WHERE id = 1"),
                   {"s": edge.size, "e": "".join(h.hex() for h in edge.subtrees),
                    "l": previous, "r": edge.root().hex()})
    return len(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    options = parser.parse_args()
    n = options.events
    folder = tempfile.TemporaryDirectory()
    schema = None
    if options.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(POSTGRES)
        with admin.begin() as db:
            db.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    else:
        engine = make_engine(f"sqlite:///{Path(folder.name) / 'bench.sqlite3'}")
    upgrade(engine)
    signer = Signer.generate("bench.example/palabre")
    try:
        started = time.perf_counter()
        signed = fill(engine, n, signer)
        print(f"{engine.dialect.name}: {n:,} events and {signed} signed "
              f"checkpoints written in {time.perf_counter() - started:.1f} s")

        with Session(engine) as session:
            started = time.perf_counter()
            result = verify_log(session, signer.verifier())
            checked = time.perf_counter() - started
        assert result.ok, result.report.problem
        print(f"verify (read, rehash, chain, roots, {result.report.checkpoints_checked} "
              f"signatures): {checked:.2f} s (target ≤ 20 s)")

        appends = 200
        with Session(engine) as session:
            started = time.perf_counter()
            for i in range(appends):
                audit.record_event(session, vote(n + i))
                session.commit()
            each = (time.perf_counter() - started) / appends * 1000
            size = session.get(AuditLog, 1).size
        print(f"record_event at {size:,} events, with its commit: {each:.2f} ms each "
              f"(the hashing alone: bench/merkle.py)")
    finally:
        engine.dispose()
        if schema:
            with admin.begin() as db:
                db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
