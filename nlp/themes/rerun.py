"""Analyse a consultation again from a previous result, so that its themes hold still.

When a few contributions arrive or are hidden, a fresh clustering redraws the map: HDBSCAN's
tree reshapes around a handful of new points, and on SIB-200 a fresh run after adding 2 % of
sentences keeps only ARI ≈ 0.6 on the rows both runs share (docs/benchmarks.md). A facilitator
who has named and reviewed the themes expects them to stay. So a re-run starts from the
previous themes:

- every verbatim the previous run held keeps its theme (or stays an outlier);
- a new verbatim joins the theme that wins the vote of its ``k`` nearest previous verbatims
  (cosine, in embedding space, each vote weighed by its similarity; previous outliers do not
  vote), and its strength is the winner's share of the vote. When all its neighbours were
  outliers it is one too, then offered to the nearest theme by the usual outlier rule
  (:mod:`nlp.themes.outliers`). A plurality rather than a majority: on SIB-200, asking for a
  majority left a quarter of the new sentences outliers (against 6–10 % in the base) and placed
  fewer of them in a theme of their own topic (58 % against 78 %, docs/benchmarks.md);
- new verbatims still outliers, when there are enough of them, are clustered on their own
  (HDBSCAN, same adaptive size): a group among them is a new theme;
- a previous theme with no verbatim left is gone.

When the corpus changed more than ``REFIT_SHARE`` (a fifth of the verbatims new or hidden), or
when asked (``refit=True``), the analysis is run afresh and its themes are matched to the
previous ones (:mod:`nlp.themes.matching`): they keep their ids and labels where they match.

Written by hand: the propagation is a k-nearest-neighbour vote (scikit-learn's
``NearestNeighbors`` finds the neighbours); what is ours is which verbatims vote and when a
re-run must start afresh.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .embed import l2_normalise
from .results import ThemeError

REFIT_SHARE = 0.2
NEIGHBOURS = 10


@dataclass(frozen=True)
class Previous:
    """What a re-run needs of the previous result: each key's theme, and each theme's label and
    representatives (as keys). Build it with :meth:`of` from a ThemeResult or its JSON."""

    theme_of: Mapping[Hashable, int]  # key → theme id, -1 for an outlier
    labels: Mapping[int, str]
    members: Mapping[int, tuple[Hashable, ...]]
    representatives: Mapping[int, tuple[Hashable, ...]]
    places: Mapping[Hashable, tuple[float, float]] = None  # key → its point on the 2-D map

    @classmethod
    def of(cls, result) -> Previous:
        data = result if isinstance(result, Mapping) else result.to_json()
        keys = data.get("keys")
        if not keys:
            raise ThemeError(
                "the previous result has no keys: analyse with keys=... to be able to re-run"
            )
        keys = [_hashable(k) for k in keys]
        theme_of = {}
        for key, assignment in zip(keys, data["assignments"], strict=True):
            if not assignment["too_short"]:
                theme_of[key] = int(assignment["theme_id"])
        themes = data["themes"]
        places = {key: tuple(point) for key, point in zip(keys, data.get("coordinates") or (),
                                                           strict=False) if point is not None}
        return cls(
            places=places,
            theme_of=theme_of,
            labels={int(t["id"]): t["label"] for t in themes},
            members={int(t["id"]): tuple(keys[r] for r in t["members"]) for t in themes},
            representatives={
                int(t["id"]): tuple(keys[r] for r in t["representatives"]) for t in themes
            },
        )

    def changed_share(self, keys: Sequence[Hashable]) -> float:
        """The share of verbatims new or gone, over the larger of the two corpora."""
        now, before = set(keys), set(self.theme_of)
        changed = len(now - before) + len(before - now)
        return changed / max(len(now), len(before), 1)


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def check_keys(keys: Sequence[Hashable] | None, n: int) -> tuple[Hashable, ...] | None:
    """The keys as a tuple, after checking there is one per text and no key twice."""
    if keys is None:
        return None
    keys = tuple(_hashable(k) for k in keys)
    if len(keys) != n:
        raise ThemeError(f"{n} texts but {len(keys)} keys: there must be one key per text")
    if len(set(keys)) != len(keys):
        raise ThemeError("two texts have the same key: keys must tell verbatims apart")
    return keys


def propagate(
    vectors: np.ndarray,
    keys: Sequence[Hashable],
    previous: Previous,
    k: int = NEIGHBOURS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, strengths and a mask of the new rows, for rows in ``keys`` order.

    Previous rows keep their theme with strength 1 (their previous strength is not re-read);
    a new row's strength is the winning share of its neighbours' vote.
    """
    from sklearn.neighbors import NearestNeighbors

    labels = np.array([previous.theme_of.get(key, -2) for key in keys], dtype=np.int64)
    new = labels == -2
    strength = np.where(new, 0.0, 1.0)
    old = np.flatnonzero(~new)
    if not new.any():
        return labels, strength, new
    if len(old) == 0:
        labels[new] = -1
        return labels, strength, new
    normalised = l2_normalise(np.asarray(vectors, dtype=np.float32))
    finder = NearestNeighbors(n_neighbors=min(k, len(old)), metric="cosine")
    finder.fit(normalised[old])
    distances, neighbours = finder.kneighbors(normalised[new])
    weights = np.clip(1.0 - distances, 1e-6, None)
    for row, (w, near) in zip(np.flatnonzero(new), zip(weights, neighbours, strict=True),
                              strict=True):
        votes: dict[int, float] = {}
        for weight, j in zip(w, near, strict=True):
            theme = int(labels[old[j]])
            if theme >= 0:  # previous outliers do not vote: the outlier rule decides after
                votes[theme] = votes.get(theme, 0.0) + float(weight)
        if not votes:
            labels[row] = -1
            continue
        theme, score = min(votes.items(), key=lambda item: (-item[1], item[0]))
        labels[row] = theme
        strength[row] = round(score / sum(votes.values()), 6)
    return labels, strength, new


def incremental_labels(vectors, keys, previous: Previous, reassign_threshold, clusterer=None):
    """Labels, strengths and reassigned mask of an incremental re-run (module docstring)."""
    from .cluster import HdbscanClusterer, adaptive_min_cluster_size
    from .outliers import reassign_outliers

    labels, strength, new = propagate(vectors, keys, previous)
    reassigned = np.zeros(len(labels), dtype=bool)
    if reassign_threshold is not None and (new & (labels < 0)).any():
        moved, mask, moved_strength = reassign_outliers(vectors, labels, reassign_threshold)
        reassigned = mask & new
        labels[reassigned] = moved[reassigned]
        strength[reassigned] = moved_strength[reassigned]
    left = np.flatnonzero(new & (labels < 0))
    if len(left) >= 2 * adaptive_min_cluster_size(len(labels)):
        grouped = (clusterer or HdbscanClusterer()).fit(l2_normalise(vectors[left]))
        found = np.asarray(grouped.labels_)
        offset = labels.max(initial=-1) + 1
        for row, label, p in zip(left, found, grouped.probabilities_, strict=True):
            if label >= 0:
                labels[row] = offset + label
                strength[row] = round(float(p), 6)
    return labels, strength, reassigned


def carry_over(themes, ids: dict, previous: Previous, keys):
    """The themes with the ids and labels of the previous themes they match, and the changes.

    ``themes`` have provisional ids; ``ids`` maps cluster label → provisional id and is returned
    mapping cluster label → final id.
    """
    from dataclasses import replace

    from .matching import match_themes

    current = {t.id: tuple(keys[r] for r in t.members) for t in themes}
    changes = match_themes(previous.members, current, previous.representatives)
    merged = set(changes.merged)
    parts = {final for finals in changes.split.values() for final in finals}
    kept_or_largest = set(changes.kept) | merged | set(changes.split)

    def status(final):
        if final in merged:
            return "merged"
        if final in parts:
            return "split"
        return "kept" if final in kept_or_largest else "new"

    final_themes = []
    for theme in themes:
        final = changes.ids[theme.id]
        inherits = final in previous.labels and status(final) != "new"
        final_themes.append(replace(
            theme, id=final, status=status(final),
            label=previous.labels[final] if inherits else theme.label,
        ))
    return tuple(final_themes), {label: changes.ids[i] for label, i in ids.items()}, changes


def place_on_map(vectors, keys, previous: Previous, k: int = NEIGHBOURS) -> np.ndarray:
    """2-D points of an incremental re-run: a verbatim the previous map held keeps its point, so
    the map holds still too; a new one goes to the similarity-weighted mean of the points of its
    ``k`` nearest previous verbatims."""
    from sklearn.neighbors import NearestNeighbors

    places = previous.places or {}
    points = np.full((len(keys), 2), np.nan)
    known = np.array([key in places for key in keys])
    for row in np.flatnonzero(known):
        points[row] = places[keys[row]]
    unknown = np.flatnonzero(~known)
    if len(unknown) == 0 or not known.any():
        return np.nan_to_num(points)
    normalised = l2_normalise(np.asarray(vectors, dtype=np.float32))
    old = np.flatnonzero(known)
    finder = NearestNeighbors(n_neighbors=min(k, len(old)), metric="cosine").fit(normalised[old])
    distances, neighbours = finder.kneighbors(normalised[unknown])
    weights = np.clip(1.0 - distances, 1e-6, None)
    points[unknown] = (weights[:, :, None] * points[old][neighbours]).sum(axis=1) / weights.sum(
        axis=1, keepdims=True)
    return points
