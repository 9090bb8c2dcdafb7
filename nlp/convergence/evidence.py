"""How far each college agrees with a theme: counts, shares with their intervals, and a zone.

One observation per person: a person who voted on several verbatims of a theme counts once, with
the sign of the sum of their votes (:func:`person_positions`). Positions are +1 agree, 0 neutral
(a pass, or a "mixed" or "neutral" stance), -1 disagree. Shares are taken over every person of
the group, neutral ones included, as Make.org does for its zones: a group that mostly passes has
a low agree share *and* a low disagree share.

Zones are adapted from Make.org's (consensus, rejection, limbo, controversy) and read on the
overall shares. The group-informed consensus is Polis's: the product over groups of
(agree + 1) / (n + 2), high only when every group agrees.

Plain values in, frozen dataclasses out; the bulk functions count with ``np.bincount`` so that a
million votes take well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..markers import N_

Z95 = 1.959963984540054  # the normal quantile for a two-sided 95 % interval
OVERALL = "ensemble"  # the name of the whole population in ``Evidence.overall``

SOURCES = {"votes": N_("Votes"), "stances": N_("Positions déclarées")}
GROUPINGS = {"college": N_("collège"), "opinion_group": N_("groupe d'opinion")}
ZONE_LABELS = {
    "consensus": "consensus",
    "rejection": "rejet",
    "controversy": "controverse",
    "limbo": "sans avis net",
}


@dataclass(frozen=True)
class ZoneThresholds:
    """Where the overall shares put a theme (shares between 0 and 1).

    Read in this order: ``limbo`` when the neutral share is at least ``limbo_neutral`` or nobody
    said agree or disagree; ``consensus`` when the agree share is at least ``consensus``;
    ``rejection`` when the disagree share is at least ``rejection``; ``controversy`` when both
    the agree and the disagree shares are at least ``controversy``; ``limbo`` otherwise.
    """

    consensus: float = 0.6
    rejection: float = 0.6
    limbo_neutral: float = 0.5
    controversy: float = 0.25


@dataclass(frozen=True)
class Share:
    """``count`` of ``n`` people, their share (0.0 when ``n`` is 0) and its 95 % Wilson interval."""

    count: int
    n: int
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class GroupEvidence:
    """The positions of one group's ``n`` people on a theme."""

    group: str
    n: int
    agree: Share
    neutral: Share
    disagree: Share

    @property
    def expressed(self) -> int:
        """People who said agree or disagree."""
        return self.agree.count + self.disagree.count

    def to_json(self) -> dict:
        return {**asdict(self), "expressed": self.expressed}


@dataclass(frozen=True)
class Gap:
    """The two groups whose agree shares lie furthest apart.

    ``points`` is the difference of the two percentages as shown (each rounded half up), so
    that "82 % ... 31 % : écart 51 points" always adds up; ``difference`` is the exact one.
    """

    higher: GroupEvidence
    lower: GroupEvidence
    points: int

    @property
    def difference(self) -> float:
        return self.higher.agree.share - self.lower.agree.share

    def to_json(self) -> dict:
        return {
            "higher": self.higher.group,
            "lower": self.lower.group,
            "points": self.points,
            "difference": self.difference,
        }


@dataclass(frozen=True)
class Evidence:
    """One source of positions on one theme, split by one grouping.

    ``groups`` holds the groups with at least one person, sorted by name. ``gap`` is the largest
    agree-share gap among groups with at least ``min_count`` expressed positions (None when
    fewer than two have that many). ``consensus`` is :func:`group_informed_consensus` over
    ``groups``.
    """

    source: str  # "votes" or "stances"
    grouping: str  # "college" or "opinion_group"
    overall: GroupEvidence
    groups: tuple[GroupEvidence, ...]
    zone: str
    consensus: float
    gap: Gap | None
    min_count: int

    @property
    def zone_label(self) -> str:
        return ZONE_LABELS[self.zone]

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    def to_json(self) -> dict:
        """Plain JSON-ready values."""
        return {
            "source": self.source,
            "source_label": self.source_label,
            "grouping": self.grouping,
            "overall": self.overall.to_json(),
            "groups": [group.to_json() for group in self.groups],
            "zone": self.zone,
            "zone_label": self.zone_label,
            "consensus": self.consensus,
            "gap": self.gap.to_json() if self.gap else None,
            "min_count": self.min_count,
        }


def wilson_intervals(successes, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals, element-wise on arrays; (0, 1) wherever ``n`` is 0."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    empty = n <= 0
    safe_n = np.where(empty, 1.0, n)  # keeps the arithmetic below free of division by zero
    p = np.where(empty, 0.0, successes / safe_n)
    z2 = z * z
    denominator = 1.0 + z2 / safe_n
    centre = (p + z2 / (2.0 * safe_n)) / denominator
    half = z * np.sqrt(np.maximum(p * (1.0 - p) / safe_n + z2 / (4.0 * safe_n**2), 0.0))
    half = half / denominator
    # At 0 or n successes the bound is exactly 0 or 1; rounding would leave 1e-17 off it.
    low = np.where(empty | (successes <= 0), 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty | (successes >= n), 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (95 % by default); (0, 1) for n = 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    low, high = wilson_intervals(successes, n, z)
    return float(low), float(high)


def percent(share: float) -> int:
    """A share as a whole percentage, rounded half up (0.825 -> 83, 0.145 -> 15)."""
    # 100 * 0.145 is 14.499999999999998: drop the floating-point noise before rounding.
    return math.floor(round(100.0 * share, 9) + 0.5)


def group_informed_consensus(agree_counts, n_counts) -> float:
    """Polis's group-informed consensus: the product over groups of (agree + 1) / (n + 2).

    Near 1 only when every group agrees; a single reluctant group pulls it down. With no group
    at all there is no consensus to speak of, and it is 0.0.
    """
    agree = np.asarray(agree_counts, dtype=float)
    n = np.asarray(n_counts, dtype=float)
    if agree.shape != n.shape:
        raise ValueError("agree_counts and n_counts must have the same length")
    if agree.size == 0:
        return 0.0
    return float(np.prod((agree + 1.0) / (n + 2.0)))


def classify_zone(
    agree: float, neutral: float, disagree: float, zones: ZoneThresholds = ZoneThresholds()
) -> str:
    """The zone of a theme from its overall agree, neutral and disagree shares."""
    if neutral >= zones.limbo_neutral or agree + disagree <= 0:
        return "limbo"
    if agree >= zones.consensus:
        return "consensus"
    if disagree >= zones.rejection:
        return "rejection"
    if agree >= zones.controversy and disagree >= zones.controversy:
        return "controversy"
    return "limbo"


def largest_gap(groups: Iterable[GroupEvidence], min_count: int) -> Gap | None:
    """The largest agree-share gap among groups with at least ``min_count`` expressed positions.

    Ties go to the group whose name sorts first. None when fewer than two groups qualify.
    """
    eligible = sorted(
        (g for g in groups if g.expressed >= min_count), key=lambda g: (-g.agree.share, g.group)
    )
    if len(eligible) < 2:
        return None
    higher, lower = eligible[0], eligible[-1]
    return Gap(higher, lower, percent(higher.agree.share) - percent(lower.agree.share))


def evidence(
    groups: Sequence[str],
    positions: Sequence[int],
    *,
    source: str,
    grouping: str,
    min_count: int = 5,
    zones: ZoneThresholds = ZoneThresholds(),
) -> Evidence:
    """The evidence of one theme from one observation per person: their group and position."""
    groups, positions = _checked(groups, positions, len(groups), source, grouping)
    names, codes = np.unique(groups, return_inverse=True)
    counts = np.bincount(codes * 3 + (1 - positions), minlength=3 * len(names))
    return _assemble(
        names,
        counts.reshape(-1, 3),
        source=source,
        grouping=grouping,
        min_count=min_count,
        zones=zones,
    )


def evidence_by_theme(
    themes,
    groups,
    positions,
    *,
    source: str,
    grouping: str,
    min_count: int = 5,
    zones: ZoneThresholds = ZoneThresholds(),
    theme_ids: Iterable[int] = (),
) -> dict[int, Evidence]:
    """The evidence of every theme at once, from one observation per (theme, person).

    ``themes`` holds each observation's theme id; -1 (no theme) is ignored. Themes listed in
    ``theme_ids`` get an (empty) evidence even when nobody took a position on them.
    """
    themes = np.asarray(themes, dtype=np.int64).reshape(-1)
    groups, positions = _checked(groups, positions, len(themes), source, grouping)
    kept = themes >= 0
    themes, groups, positions = themes[kept], groups[kept], positions[kept]
    names, group_codes = np.unique(groups, return_inverse=True)
    wanted = np.union1d(themes, np.asarray([t for t in theme_ids if t >= 0], dtype=np.int64))
    theme_codes = np.searchsorted(wanted, themes)
    cells = 3 * len(names)
    index = theme_codes * cells + group_codes * 3 + (1 - positions)
    counts = np.bincount(index, minlength=len(wanted) * cells).reshape(len(wanted), len(names), 3)
    return {
        int(theme): _assemble(
            names, counts[i], source=source, grouping=grouping, min_count=min_count, zones=zones
        )
        for i, theme in enumerate(wanted)
    }


def person_positions(person_ids, groups, values) -> tuple[np.ndarray, np.ndarray]:
    """One (group, position) per person, ordered by person id.

    A person's position is the sign of the sum of their values (0 when it sums to 0); their group
    is the one on their first row.
    """
    person_ids, groups, values = _rows(person_ids, groups, values)
    _people, first, inverse = np.unique(person_ids, return_index=True, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=values, minlength=len(first))
    return groups[first], np.sign(sums).astype(np.int64)


def person_positions_by_theme(
    themes, person_ids, groups, values
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (theme, group, position) per (theme, person), as :func:`person_positions` per theme.

    Rows whose theme is -1 are ignored. Output is ordered by theme, then person id.
    """
    themes = np.asarray(themes, dtype=np.int64).reshape(-1)
    person_ids, groups, values = _rows(person_ids, groups, values)
    if len(themes) != len(person_ids):
        raise ValueError("themes and person_ids must have the same length")
    kept = themes >= 0
    themes, person_ids, groups, values = themes[kept], person_ids[kept], groups[kept], values[kept]
    people, person_codes = np.unique(person_ids, return_inverse=True)
    size = max(len(people), 1)
    keys = themes * size + person_codes.reshape(-1)
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=values, minlength=len(unique_keys))
    return unique_keys // size, groups[first], np.sign(sums).astype(np.int64)


def _rows(person_ids, groups, values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    person_ids = np.asarray(person_ids).reshape(-1)
    groups = np.asarray(groups, dtype=str).reshape(-1)
    values = np.asarray(values, dtype=float).reshape(-1)
    if not len(person_ids) == len(groups) == len(values):
        raise ValueError("person_ids, groups and values must have the same length")
    return person_ids, groups, values


def _checked(groups, positions, length, source, grouping) -> tuple[np.ndarray, np.ndarray]:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: expected one of {sorted(SOURCES)}")
    if grouping not in GROUPINGS:
        raise ValueError(f"unknown grouping {grouping!r}: expected one of {sorted(GROUPINGS)}")
    groups = np.asarray(groups, dtype=str).reshape(-1)
    positions = np.asarray(positions).reshape(-1)
    if len(groups) != length or len(positions) != length:
        raise ValueError("every observation needs a group and a position")
    if positions.size and not np.isin(positions, (-1, 0, 1)).all():
        raise ValueError("positions must be +1 (agree), 0 (neutral) or -1 (disagree)")
    return groups, positions.astype(np.int64)


def _assemble(names, counts, *, source, grouping, min_count, zones) -> Evidence:
    """Evidence from ``counts[g]`` = (agree, neutral, disagree) of group ``names[g]``."""
    present = counts.sum(axis=1) > 0
    names = [str(name) for name, here in zip(names, present, strict=True) if here]
    counts = counts[present]
    table = np.vstack([counts.sum(axis=0, keepdims=True), counts])  # row 0: everybody
    n = table.sum(axis=1)
    low, high = wilson_intervals(table, n[:, None])
    rows = [
        _group(name, table[i], int(n[i]), low[i], high[i])
        for i, name in enumerate([OVERALL, *names])
    ]
    overall, groups = rows[0], tuple(rows[1:])
    return Evidence(
        source=source,
        grouping=grouping,
        overall=overall,
        groups=groups,
        zone=classify_zone(
            overall.agree.share, overall.neutral.share, overall.disagree.share, zones
        ),
        consensus=group_informed_consensus(counts[:, 0], counts.sum(axis=1)),
        gap=largest_gap(groups, min_count),
        min_count=min_count,
    )


def _group(name: str, counts, n: int, low, high) -> GroupEvidence:
    shares = [
        Share(int(c), n, int(c) / n if n else 0.0, float(lo), float(hi))
        for c, lo, hi in zip(counts, low, high, strict=True)
    ]
    return GroupEvidence(name, n, *shares)
