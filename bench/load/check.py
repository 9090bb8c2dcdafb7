"""The exactly-once check of the load test, as plain functions (no database, no Flask).

The load generator writes one line per submission it made: a key that names the submission
(a contribution's marker text, or "member|contribution id" for a vote) and what the site
answered: ``accepted``, ``rejected`` (the site said no, e.g. a 422 or an error message) or
``unknown`` (no answer: a timeout or a dropped connection, which may or may not have landed).
The database is then read into a count of rows per key. Every accepted submission must be
there exactly once, every rejected one not at all, an unknown one at most once, and nothing
may be there that the generator never sent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

ACCEPTED, REJECTED, UNKNOWN = "accepted", "rejected", "unknown"


@dataclass
class Check:
    """What one kind of submission (contributions or votes) looks like in the database."""

    kind: str
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    missing: list[str] = field(default_factory=list)  # accepted, not stored
    duplicated: list[str] = field(default_factory=list)  # stored more than once
    leaked: list[str] = field(default_factory=list)  # rejected, stored all the same
    unexpected: list[str] = field(default_factory=list)  # stored, never sent
    resent: list[str] = field(default_factory=list)  # the generator sent the same key twice

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.leaked or self.unexpected
                    or self.resent)

    def summary(self) -> str:
        verdict = "exactly once: OK" if self.ok else "exactly once: FAILED"
        parts = [f"{self.kind}: {self.accepted} accepted, {self.rejected} rejected, "
                 f"{self.unknown} without answer — {verdict}"]
        for name in ("missing", "duplicated", "leaked", "unexpected", "resent"):
            keys = getattr(self, name)
            if keys:
                parts.append(f"  {name} ({len(keys)}): {', '.join(sorted(keys)[:5])}")
        return "\n".join(parts)


def check_exactly_once(kind: str, outcomes: Iterable[tuple[str, str]],
                       stored: Mapping[str, int]) -> Check:
    """Compare what the generator was told, ``(key, outcome)`` pairs, with the rows stored
    per key."""
    result = Check(kind)
    seen: dict[str, str] = {}
    for key, outcome in outcomes:
        if key in seen:
            result.resent.append(key)
        seen[key] = outcome
    for key, outcome in seen.items():
        count = stored.get(key, 0)
        if outcome == ACCEPTED:
            result.accepted += 1
            if count == 0:
                result.missing.append(key)
        elif outcome == REJECTED:
            result.rejected += 1
            if count:
                result.leaked.append(key)
        else:
            result.unknown += 1
        if count > 1:
            result.duplicated.append(key)
    result.unexpected = [key for key, count in stored.items() if count and key not in seen]
    return result


def read_outcomes(path: Path) -> dict[str, list[tuple[str, str]]]:
    """The generator's journal (JSON lines) as ``kind -> [(key, outcome)]``."""
    by_kind: dict[str, list[tuple[str, str]]] = {"contribution": [], "vote": []}
    if not path.exists():
        return by_kind
    with path.open(encoding="utf-8") as journal:
        for line in journal:
            if line.strip():
                entry = json.loads(line)
                by_kind.setdefault(entry["kind"], []).append((entry["key"], entry["outcome"]))
    return by_kind


def counts(keys: Iterable[str]) -> Counter:
    return Counter(keys)
