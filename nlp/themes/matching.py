"""Match the themes of a new analysis to those of a previous one: kept, new, gone, merged, split.

A consultation is analysed again when contributions arrive or are hidden; the facilitator's work
on the previous themes (names, summaries, reviews) must follow the themes that are still there.
Verbatims are told apart across runs by a key (a contribution's id), never by row number.

For a previous theme P and a new theme N, with only the verbatims both runs hold counted:

- ``out(P, N)`` is the share of P's verbatims that went to N;
- ``into(P, N)`` the share of N's verbatims that came from P.

The rules, in order:

1. **Split**: P is split when at least two new themes each take at least ``part`` (25 %) of P and
   come mostly (``majority``, 50 %) from P. The largest part keeps P's id and label; the others
   are new themes that say they came from P.
2. **Merge**: N is a merge when at least two previous themes each sent a majority of their
   verbatims to N. N keeps the id and label of the largest of them; the others are gone into N.
3. **Kept**: P and N match when a majority of P went to N and a majority of N came from P.
4. When the verbatims shared are too few to decide (a theme with fewer than ``min_shared`` of
   them), its representative verbatims decide: P matches N when most of P's representatives that
   the new run still holds are in N.
5. Any other new theme is **new**; any other previous theme is **gone**.

The thresholds are plain shares so that the rules read the same for 10 verbatims or 100,000.
Written by hand: the libraries that track clusters over time (MONIC-style transition detection)
are research code, not packages; the rules above are a few dozen lines.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

MAJORITY = 0.5
PART = 0.25
MIN_SHARED = 3


@dataclass(frozen=True)
class ThemeChanges:
    """How a new run's themes relate to the previous run's, by theme id.

    ``ids`` maps each new theme's provisional id to its final id (the previous id it keeps, or
    a fresh one above every previous id). ``kept`` maps final id → previous id for themes that
    match one to one; ``merged`` maps a final id to the previous ids that went into it;
    ``split`` maps a previous id to the final ids of its parts; ``new`` and ``gone`` list ids.
    """

    ids: Mapping[int, int] = field(default_factory=dict)
    kept: Mapping[int, int] = field(default_factory=dict)
    merged: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    split: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    new: tuple[int, ...] = ()
    gone: tuple[int, ...] = ()

    def to_json(self) -> dict:
        return {
            "kept": {str(k): v for k, v in sorted(self.kept.items())},
            "merged": {str(k): list(v) for k, v in sorted(self.merged.items())},
            "split": {str(k): list(v) for k, v in sorted(self.split.items())},
            "new": list(self.new),
            "gone": list(self.gone),
        }


def match_themes(
    previous: Mapping[int, Sequence[Hashable]],
    current: Mapping[int, Sequence[Hashable]],
    previous_representatives: Mapping[int, Sequence[Hashable]] | None = None,
    *,
    majority: float = MAJORITY,
    part: float = PART,
    min_shared: int = MIN_SHARED,
) -> ThemeChanges:
    """Match themes given as id → member keys (previous run, then new run with provisional ids).

    ``previous_representatives`` (id → keys) decides where members are too few (rule 4).
    """
    theme_of_previous = {key: p for p, keys in previous.items() for key in keys}
    shared_keys = set(theme_of_previous) & {key for keys in current.values() for key in keys}
    overlap: Counter = Counter()
    for n, keys in current.items():
        for key in keys:
            if key in shared_keys:
                overlap[theme_of_previous[key], n] += 1
    size_p = Counter(theme_of_previous[k] for k in shared_keys)
    size_n = {n: sum(1 for k in keys if k in shared_keys) for n, keys in current.items()}

    def out(p, n):
        return overlap[p, n] / size_p[p] if size_p[p] else 0.0

    def into(p, n):
        return overlap[p, n] / size_n[n] if size_n[n] else 0.0

    taken_n: dict[int, int] = {}  # new theme → the previous id it keeps
    fresh_from: dict[int, int] = {}  # new theme born of a split → the previous theme
    split: dict[int, tuple[int, ...]] = {}
    merged_sources: dict[int, tuple[int, ...]] = {}
    used_p: set[int] = set()

    for p in sorted(previous):
        parts = [n for n in sorted(current) if out(p, n) >= part and into(p, n) >= majority]
        if len(parts) >= 2 and size_p[p] >= min_shared:
            parts.sort(key=lambda n: (-overlap[p, n], n))
            taken_n[parts[0]] = p
            for n in parts[1:]:
                fresh_from[n] = p
            split[p] = tuple(parts)
            used_p.add(p)

    for n in sorted(current):
        if n in taken_n or n in fresh_from:
            continue
        sources = [p for p in sorted(previous) if p not in used_p and out(p, n) >= majority
                   and size_p[p] >= min_shared]
        if len(sources) >= 2:
            sources.sort(key=lambda p: (-overlap[p, n], p))
            taken_n[n] = sources[0]
            merged_sources[n] = tuple(sources)
            used_p.update(sources)

    for n in sorted(current):
        if n in taken_n or n in fresh_from:
            continue
        candidates = [
            p for p in sorted(previous)
            if p not in used_p and size_p[p] >= min_shared and size_n[n] >= min_shared
            and out(p, n) >= majority and into(p, n) >= majority
        ]
        if candidates:
            p = max(candidates, key=lambda p: (overlap[p, n], -p))
            taken_n[n] = p
            used_p.add(p)

    if previous_representatives:
        where = {key: n for n, keys in current.items() for key in keys}
        for p in sorted(previous):
            if p in used_p or size_p[p] >= min_shared:
                continue
            found = Counter(where[k] for k in previous_representatives.get(p, ()) if k in where)
            held = sum(found.values())
            if not held:
                continue
            n, count = min(found.items(), key=lambda item: (-item[1], item[0]))
            if count / held > majority and n not in taken_n and n not in fresh_from:
                taken_n[n] = p
                used_p.add(p)

    next_id = max([*previous, -1]) + 1
    ids: dict[int, int] = {}
    for n in sorted(current, key=lambda n: (-len(current[n]), n)):
        if n in taken_n:
            ids[n] = taken_n[n]
        else:
            ids[n] = next_id
            next_id += 1
    merged = {ids[n]: sources for n, sources in merged_sources.items()}
    split_final = {p: tuple(ids[n] for n in parts) for p, parts in split.items()}
    kept = {
        ids[n]: p for n, p in taken_n.items() if n not in merged_sources and p not in split
    }
    new = tuple(sorted(ids[n] for n in current if n not in taken_n and n not in fresh_from))
    gone = tuple(sorted(p for p in previous if p not in used_p))
    return ThemeChanges(ids=ids, kept=kept, merged=merged, split=split_final, new=new, gone=gone)
