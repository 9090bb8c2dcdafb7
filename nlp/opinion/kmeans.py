"""Polis's k-means: seeding, a clean start from the previous update's clusters, Lloyd steps.

Polis clusters in two levels (see :mod:`nlp.opinion.groups`) with one k-means whose behaviour
differs from scikit-learn's on purpose:

- a first run is seeded with the first ``k`` distinct points, in the order of the rows;
- a later run starts from the clusters of the previous update (:func:`clean_start`): each keeps
  its id and members, its centre moves to where those members are now, clusters whose centres
  coincide are merged, and while there are fewer clusters than ``k`` (and than distinct points)
  the point farthest from every centre becomes a new cluster with the next id;
- Lloyd steps stop when no centre moved by 0.01 or more, or after ``iterations`` steps;
  clusters that lose every point are dropped.

Carrying clusters over is what keeps Polis's groups steady as votes arrive, and what makes its
result depend on the order in which participants joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

TOLERANCE = 0.01  # a step that moves no centre by this much (in projection units) has converged


@dataclass(frozen=True)
class Clusters:
    """A clustering of named points: cluster ``ids``, each one's ``members`` and ``centers``."""

    ids: tuple[int, ...]
    members: tuple[tuple, ...]
    centers: np.ndarray

    def labels_of(self, names: Sequence) -> np.ndarray:
        """Index of the cluster of each name (in the order of ``ids``)."""
        where = {name: i for i, members in enumerate(self.members) for name in members}
        return np.array([where[name] for name in names], dtype=int)


def first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """The first ``k`` distinct points, in row order: Polis's seeds for a first run."""
    _unique, first = np.unique(points, axis=0, return_index=True)
    return points[np.sort(first)[:k]]


def clean_start(points: np.ndarray, names: Sequence, previous: Clusters, k: int) -> Clusters:
    """Seeds for this update from the previous update's clusters (see the module's docstring).

    Members that are no longer among ``names`` are forgotten; new points belong to no cluster
    until the Lloyd steps assign them.
    """
    row = {name: i for i, name in enumerate(names)}
    clusters: list[list] = []  # [id, members, centre]
    for cluster_id, members in zip(previous.ids, previous.members, strict=True):
        kept = [m for m in members if m in row]
        if kept:
            clusters.append([cluster_id, kept, _centre(points, row, kept)])
    merged: list[list] = []
    for cluster in clusters:
        twin = next((c for c in merged if np.array_equal(c[2], cluster[2])), None)
        if twin is None:
            merged.append(cluster)
            continue
        # Polis keeps the id of the larger one (the later one on a tie) at the earlier's place.
        keep_id = twin[0] if len(twin[1]) > len(cluster[1]) else cluster[0]
        twin[0], twin[1] = keep_id, twin[1] + cluster[1]
    clusters = merged
    possible = min(k, len(np.unique(points, axis=0)))
    while True:
        clusters = [c for c in clusters if c[1]]
        for cluster in clusters:
            cluster[2] = _centre(points, row, cluster[1])
        if len(clusters) >= possible:
            break
        centres = np.array([c[2] for c in clusters]).reshape(-1, points.shape[1])
        if len(centres):
            nearest = np.sqrt(((points[:, None, :] - centres[None]) ** 2).sum(axis=2)).min(axis=1)
        else:
            nearest = np.full(len(points), np.inf)
        # Polis takes the last of equally distant points.
        farthest = len(nearest) - 1 - int(np.argmax(nearest[::-1]))
        if not nearest[farthest] > 0:
            break
        outlier = names[farthest]
        for cluster in clusters:
            if outlier in cluster[1]:
                cluster[1] = [m for m in cluster[1] if m != outlier]
        next_id = max((c[0] for c in clusters), default=-1) + 1
        clusters.append([next_id, [outlier], points[farthest].copy()])
    return Clusters(tuple(c[0] for c in clusters), tuple(tuple(c[1]) for c in clusters),
                    np.array([c[2] for c in clusters]).reshape(-1, points.shape[1]))


def kmeans(
    points: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
    iterations: int = 20,
    seeds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centers) of Polis's k-means, seeded with ``seeds`` or the first distinct points.

    Labels are renumbered 0..n_clusters-1 in the order of the surviving centres.
    """
    centers = first_distinct(points, k) if seeds is None else np.asarray(seeds, dtype=float)
    labels, centers, _survivors = lloyd(points, centers, weights, iterations)
    return labels, centers


def lloyd(
    points: np.ndarray, centers: np.ndarray, weights: np.ndarray | None, iterations: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lloyd steps from ``centers``: (labels, centers, survivors).

    Clusters left without a point are dropped; ``survivors`` holds the indices (into the
    starting ``centers``) of those that remain, in their order, and labels index them.
    """
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    centers = np.asarray(centers, dtype=float)
    survivors = np.arange(len(centers))
    labels = np.zeros(len(points), dtype=int)
    for _ in range(iterations + 1):  # Polis counts its steps down to 0 inclusive
        distances = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        nearest = np.argmin(distances, axis=1)
        used = np.unique(nearest)
        renumber = np.full(len(centers), -1)
        renumber[used] = np.arange(len(used))
        labels = renumber[nearest]
        totals = np.bincount(labels, weights=weights, minlength=len(used))
        moved = np.column_stack([
            np.bincount(labels, weights=weights * points[:, d], minlength=len(used))
            for d in range(points.shape[1])
        ]) / totals[:, None]
        converged = len(used) == len(centers) and _same_clustering(centers, moved)
        centers, survivors = moved, survivors[used]
        if converged:
            break
    return labels, centers, survivors


def _same_clustering(before: np.ndarray, after: np.ndarray) -> bool:
    """Polis's test: the centres, sorted, each moved by less than :data:`TOLERANCE`."""
    order = np.lexsort(before.T[::-1])
    order_after = np.lexsort(after.T[::-1])
    return bool(np.all(np.linalg.norm(before[order] - after[order_after], axis=1) < TOLERANCE))


def _centre(points: np.ndarray, row: dict, members: Sequence) -> np.ndarray:
    return points[[row[m] for m in members]].mean(axis=0)
