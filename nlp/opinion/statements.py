"""What the opinion groups say about each comment, with Polis's statistics.

For every comment and group: na agrees, nd disagrees, ns votes (passes included), then

- pa = (na + 1) / (ns + 2), the agree probability with one pseudo-vote each way (pd alike);
- pat = 2·sqrt(ns + 1)·((na + 1) / (ns + 1) − 0.5), a one-proportion z-test that the group
  agrees more often than not (pdt alike);
- ra = pa / ((1 + na_rest) / (2 + ns_rest)), how much more the group agrees than everyone else
  clustered, and rat its two-proportion z-test (rd, rdt alike).

From these:

- :func:`group_informed_consensus` — product over groups of pa: high only when every group
  agrees, whatever its size;
- :func:`representative_comments` — per group, the comments that set it apart (rat and pat both
  above 1.2816, i.e. 90 % one-sided), best first, at most 5, with Polis's "best agree" first;
- :func:`majority_statements` — what most of the clustered participants agree (or disagree) on:
  pa > 0.5 and pat > 1.2816, top 5 by pa·pat;
- :func:`divisive_statements` — the comments on which the groups' agree probabilities are
  furthest apart (not a Polis output: Polis shows it only through its map).

Moderated-out comments are never selected.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

Z_90 = 1.2816  # one-sided 90 %: Polis's threshold for a significant test
PER_GROUP = 5
TOP = 5


@dataclass(frozen=True)
class CommentStatistics:
    """Arrays of shape (groups, comments), as named in the module's docstring."""

    comment_ids: tuple
    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


@dataclass(frozen=True)
class Statement:
    """One comment picked out for a group (or for everyone), in the direction it was picked for."""

    comment_id: object
    direction: str  # "agree" or "disagree"
    n_success: int  # agrees (or disagrees) in the group
    n_trials: int  # votes in the group
    p_success: float
    p_test: float
    repness: float | None = None
    repness_test: float | None = None
    best_agree: bool = False

    def to_json(self) -> dict:
        return asdict(self)


def proportion_test(successes: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Polis's one-proportion z-test: 2·sqrt(n + 1)·((successes + 1) / (n + 1) − 0.5)."""
    successes, n = np.asarray(successes, float) + 1, np.asarray(n, float) + 1
    return 2 * np.sqrt(n) * (successes / n - 0.5)


def two_proportion_test(
    successes_in: np.ndarray, successes_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    """Polis's two-proportion z-test with one pseudo-count on each of the four counts."""
    s1, s2 = np.asarray(successes_in, float) + 1, np.asarray(successes_out, float) + 1
    n1, n2 = np.asarray(n_in, float) + 1, np.asarray(n_out, float) + 1
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    difference = s1 / n1 - s2 / n2
    safe = spread > 0
    return np.divide(difference, spread, out=np.zeros_like(difference), where=safe)


def group_counts(
    values: np.ndarray, labels: Sequence[int], n_groups: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(na, nd, ns) per group and comment from the rows' votes (NaN: no vote) and group labels."""
    labels = np.asarray(labels, dtype=int)
    n_groups = int(labels.max(initial=-1)) + 1 if n_groups is None else n_groups
    membership = np.zeros((n_groups, len(labels)))
    membership[labels, np.arange(len(labels))] = 1.0
    voted = ~np.isnan(values)
    na = membership @ (values == 1).astype(float)
    nd = membership @ (values == -1).astype(float)
    ns = membership @ voted.astype(float)
    return na.astype(int), nd.astype(int), ns.astype(int)


def comment_statistics(
    values: np.ndarray, labels: Sequence[int], comment_ids: Sequence, n_groups: int | None = None
) -> CommentStatistics:
    """Every statistic of the module's docstring, for each group and comment."""
    na, nd, ns = group_counts(values, labels, n_groups)
    rest_na, rest_nd, rest_ns = na.sum(0) - na, nd.sum(0) - nd, ns.sum(0) - ns
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    return CommentStatistics(
        comment_ids=tuple(comment_ids),
        na=na, nd=nd, ns=ns, pa=pa, pd=pd,
        pat=proportion_test(na, ns), pdt=proportion_test(nd, ns),
        ra=pa / ((rest_na + 1) / (rest_ns + 2)), rd=pd / ((rest_nd + 1) / (rest_ns + 2)),
        rat=two_proportion_test(na, rest_na, ns, rest_ns),
        rdt=two_proportion_test(nd, rest_nd, ns, rest_ns),
    )


def group_informed_consensus(stats: CommentStatistics) -> dict:
    """comment → product over groups of (agrees + 1) / (votes + 2)."""
    product = stats.pa.prod(axis=0)
    return {c: float(value) for c, value in zip(stats.comment_ids, product, strict=True)}


def _statement(stats: CommentStatistics, g: int, j: int, direction: str, **extra) -> Statement:
    agree = direction == "agree"
    return Statement(
        comment_id=stats.comment_ids[j],
        direction=direction,
        n_success=int((stats.na if agree else stats.nd)[g, j]),
        n_trials=int(stats.ns[g, j]),
        p_success=float((stats.pa if agree else stats.pd)[g, j]),
        p_test=float((stats.pat if agree else stats.pdt)[g, j]),
        repness=float((stats.ra if agree else stats.rd)[g, j]),
        repness_test=float((stats.rat if agree else stats.rdt)[g, j]),
        **extra,
    )


def _metric(statement: Statement) -> float:
    return statement.repness * statement.repness_test * statement.p_success * statement.p_test


def representative_comments(
    stats: CommentStatistics, moderated_out: Iterable = (), per_group: int = PER_GROUP
) -> dict[int, list[Statement]]:
    """group → the comments that set it apart, agrees before disagrees (Polis's repness)."""
    out = set(moderated_out)
    columns = [j for j, comment in enumerate(stats.comment_ids) if comment not in out]
    chosen: dict[int, list[Statement]] = {}
    for g in range(stats.na.shape[0]):
        sufficient, best, best_agree = [], None, None
        for j in columns:
            agree_ok = stats.pat[g, j] > Z_90 and stats.rat[g, j] > Z_90
            disagree_ok = stats.pdt[g, j] > Z_90 and stats.rdt[g, j] > Z_90
            if agree_ok or disagree_ok:
                sufficient.append(_statement(stats, g, j, "agree" if agree_ok else "disagree"))
            if best is None or max(stats.rat[g, j], stats.rdt[g, j]) > max(
                stats.rat[g, best], stats.rdt[g, best]
            ):
                best = j
            if _beats_best_agree(stats, g, j, best_agree):
                best_agree = j
        if best_agree is not None:
            head = _statement(stats, g, best_agree, "agree", best_agree=True)
            sufficient = [head] + [s for s in sufficient if s.comment_id != head.comment_id]
        if not sufficient and best is not None:
            direction = "agree" if stats.rat[g, best] > stats.rdt[g, best] else "disagree"
            sufficient = [_statement(stats, g, best, direction)]
        ranked = sorted(sufficient, key=lambda s: (not s.best_agree, -_metric(s)))[:per_group]
        chosen[g] = [s for s in ranked if s.direction == "agree"] + [
            s for s in ranked if s.direction == "disagree"
        ]
    return chosen


def _beats_best_agree(stats: CommentStatistics, g: int, j: int, best: int | None) -> bool:
    """Polis keeps one comment the group agrees on, even when none passes both tests."""
    if stats.na[g, j] == 0 and stats.nd[g, j] == 0:
        return False
    if best is None:
        return stats.pat[g, j] > Z_90 or (stats.ra[g, j] > 1.0 and stats.pa[g, j] > 0.5)
    if stats.ra[g, best] > 1.0:
        def metric(c: int) -> float:
            return stats.ra[g, c] * stats.rat[g, c] * stats.pa[g, c] * stats.pat[g, c]
    else:
        def metric(c: int) -> float:
            return stats.pa[g, c] * stats.pat[g, c]
    return metric(j) > metric(best)


def majority_statements(
    values: np.ndarray, comment_ids: Sequence, moderated_out: Iterable = (), top: int = TOP
) -> dict[str, list[Statement]]:
    """{"agree": [...], "disagree": [...]}: what most of these participants agree or disagree on."""
    # n_groups=1: with no rows at all, one empty group still gives every comment its statistics.
    stats = comment_statistics(values, np.zeros(len(values), dtype=int), comment_ids, n_groups=1)
    out = set(moderated_out)
    result = {}
    for direction, p, test in (("agree", stats.pa[0], stats.pat[0]),
                               ("disagree", stats.pd[0], stats.pdt[0])):
        keep = [j for j, comment in enumerate(comment_ids)
                if comment not in out and p[j] > 0.5 and test[j] > Z_90]
        keep.sort(key=lambda j: -p[j] * test[j])
        result[direction] = [
            Statement(comment_ids[j], direction,
                      int((stats.na if direction == "agree" else stats.nd)[0, j]),
                      int(stats.ns[0, j]), float(p[j]), float(test[j]))
            for j in keep[:top]
        ]
    return result


def divisive_statements(
    stats: CommentStatistics, moderated_out: Iterable = (), top: int = TOP, min_votes: int = 3
) -> list[dict]:
    """The comments the groups split on most: largest gap between two groups' pa.

    Only groups with at least ``min_votes`` votes on the comment count; each entry gives the
    comment, the gap and the most and least agreeing groups.
    """
    out = set(moderated_out)
    rows = []
    for j, comment in enumerate(stats.comment_ids):
        groups = [g for g in range(stats.ns.shape[0]) if stats.ns[g, j] >= min_votes]
        if comment in out or len(groups) < 2:
            continue
        high = max(groups, key=lambda g: stats.pa[g, j])
        low = min(groups, key=lambda g: stats.pa[g, j])
        rows.append({
            "comment_id": comment,
            "gap": float(stats.pa[high, j] - stats.pa[low, j]),
            "most_agreeing_group": high,
            "least_agreeing_group": low,
            "agree_by_group": {g: float(stats.pa[g, j]) for g in groups},
        })
    rows.sort(key=lambda row: -row["gap"])
    return rows[:top]
