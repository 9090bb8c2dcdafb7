"""Opinion groups from votes, following Polis's published algorithm.

Polis (compdemocracy.org) clusters the participants of a conversation by how they vote, not by
what they write. The steps, each a small function here:

1. :func:`vote_matrix` — participants × comments, the latest vote of each (1 agree, -1 disagree,
   0 pass, NaN never voted);
2. moderated-out comments are neutralised: their column is set to 0 for everyone, so they weigh
   on nothing;
3. :func:`clustered_participants` — only participants with at least min(7, number of comments)
   votes are clustered;
4. :func:`principal_components` — PCA with 2 components on the matrix whose missing votes are
   replaced by the comment's mean (every participant counts in the means), then
   :func:`project` — each participant is projected from their own votes only and the projection
   is scaled by sqrt(n_comments / n_votes), so that someone who voted little is not pulled
   towards the centre;
5. :func:`kmeans` into (at most) 100 "base clusters", seeded with the first distinct points,
   up to 100 iterations;
6. a k-means of the base clusters' centres weighted by their sizes into k = 2..5 groups
   (at most 2 + n_base / 12), up to 20 iterations, k chosen by the best silhouette.

Polis updates its clusters as votes arrive and starts each run from the previous one; here they
are computed once from all the votes, so a group boundary can differ on a few participants
(docs/benchmarks.md measures the agreement with Polis's own groups).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

BASE_CLUSTERS = 100
MAX_GROUPS = 5
MIN_VOTES = 7
GREEDY_MINIMUM = 15
KMEANS_ITERATIONS = 20
# Polis's base-iters. (Its group k-means is passed :cluster-iters, a key its kmeans ignores, so
# groups run its default of 20: KMEANS_ITERATIONS.)
BASE_ITERATIONS = 100

MESSAGES = {
    "no_votes": "Aucun vote : pas de groupes d'opinion.",
    "too_few_participants": "Trop peu de participants ont assez voté (%(clustered)d, il en faut "
    "au moins %(minimum)d) pour former des groupes d'opinion.",
    "no_variation": "Tous les participants votent de la même façon : aucun groupe d'opinion "
    "ne se distingue.",
    "all_moderated_out": "Tous les votes portent sur des commentaires écartés par la modération : "
    "pas de groupes d'opinion.",
}


@dataclass(frozen=True)
class VoteMatrix:
    """Latest votes: ``values[i, j]`` is participant i's vote on comment j (NaN: none)."""

    participant_ids: tuple
    comment_ids: tuple
    values: np.ndarray

    @property
    def vote_counts(self) -> np.ndarray:
        return np.count_nonzero(~np.isnan(self.values), axis=1)


@dataclass(frozen=True)
class OpinionGroups:
    """Who is in which opinion group, and how the groups were found.

    ``labels`` holds a group number (0..k-1) for each clustered participant, in the order of
    ``participant_ids``; an empty tuple when no groups could be formed, with ``message`` saying
    why (a code of :data:`MESSAGES`, formatted with ``message_params``).
    """

    participant_ids: tuple
    labels: tuple[int, ...]
    projections: np.ndarray  # 2-D position of each clustered participant
    base_labels: tuple[int, ...]  # base cluster of each clustered participant
    base_centers: np.ndarray
    silhouettes: dict[int, float]  # k tried → silhouette
    components: np.ndarray  # 2 × n_comments
    center: np.ndarray  # mean vote per comment
    message: str | None = None
    message_params: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(set(self.labels))

    @property
    def message_text(self) -> str | None:
        return MESSAGES[self.message] % self.message_params if self.message else None

    def members(self) -> dict[int, list]:
        """Group number → its participants' ids."""
        groups: dict[int, list] = {}
        for participant, label in zip(self.participant_ids, self.labels, strict=True):
            groups.setdefault(label, []).append(participant)
        return groups


def vote_matrix(
    votes: Iterable[tuple], comment_ids: Sequence | None = None
) -> VoteMatrix:
    """Build the matrix from (participant_id, comment_id, vote) triples, latest last.

    A later triple for the same pair replaces the earlier one. Participants keep the order in
    which they first voted (Polis seeds its clusters in that order); comments keep the order of
    ``comment_ids`` when given (votes on other comments are ignored), else their first-vote order.
    """
    rows: dict = {}
    columns: dict = {} if comment_ids is None else {c: j for j, c in enumerate(comment_ids)}
    cells: dict[tuple[int, int], float] = {}
    for participant, comment, value in votes:
        if comment not in columns:
            if comment_ids is not None:
                continue
            columns[comment] = len(columns)
        row = rows.setdefault(participant, len(rows))
        cells[row, columns[comment]] = float(value)
    values = np.full((len(rows), len(columns)), np.nan)
    if cells:
        index = np.array(list(cells.keys()))
        values[index[:, 0], index[:, 1]] = list(cells.values())
    return VoteMatrix(tuple(rows), tuple(columns), values)


def neutralise(matrix: VoteMatrix, moderated_out: Iterable) -> np.ndarray:
    """The values with moderated-out comments' columns set to 0 (a pass) for everyone."""
    out = set(moderated_out)
    values = matrix.values.copy()
    columns = [j for j, comment in enumerate(matrix.comment_ids) if comment in out]
    values[:, columns] = 0.0
    return values


def clustered_participants(
    matrix: VoteMatrix, min_votes: int = MIN_VOTES, greedy_minimum: int = GREEDY_MINIMUM
) -> np.ndarray:
    """Boolean mask of the participants who are clustered.

    Those who voted on at least min(min_votes, n_comments); when they are fewer than
    ``greedy_minimum``, the most active other voters are added until there are that many (as
    Polis does, so that a young conversation already shows groups).
    """
    counts = matrix.vote_counts
    needed = max(min(min_votes, len(matrix.comment_ids)), 1)
    mask = counts >= needed
    missing = greedy_minimum - int(mask.sum())
    if missing > 0:
        others = np.flatnonzero(~mask & (counts > 0))
        chosen = others[np.argsort(-counts[others], kind="stable")][:missing]
        mask[chosen] = True
    return mask


def principal_components(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(center, components): column means and the 2 leading principal axes (2 × n_comments).

    Missing votes are replaced by their column's mean, so they add nothing once centred. Each
    axis is signed so that its largest loading is positive, which makes runs reproducible.
    """
    voted = ~np.isnan(values)
    counts = voted.sum(axis=0)
    sums = np.where(voted, values, 0.0).sum(axis=0)
    center = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0)
    centred = np.where(voted, values - center, 0.0)
    n_components = min(2, *centred.shape)
    covariance = centred.T @ centred
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    components = eigenvectors[:, ::-1][:, :n_components].T.copy()
    for axis in components:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    if n_components < 2:
        components = np.vstack([components, np.zeros((2 - n_components, values.shape[1]))])
    return center, components


def project(values: np.ndarray, center: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Each row's position from its own votes, scaled by sqrt(n_comments / n_votes)."""
    voted = ~np.isnan(values)
    centred = np.where(voted, values - center, 0.0)
    positions = centred @ components.T
    n_votes = np.maximum(voted.sum(axis=1), 1)
    return positions * np.sqrt(values.shape[1] / n_votes)[:, None]


def kmeans(
    points: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
    iterations: int = KMEANS_ITERATIONS,
    seeds: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Polis's k-means: (labels, centers).

    Seeded with the first ``k`` distinct points in order, Lloyd iterations (weighted means when
    ``weights`` are given), clusters that lose every point are dropped. Labels are renumbered
    0..n_clusters-1 in the order of the surviving centres.
    """
    weights = np.ones(len(points)) if weights is None else np.asarray(weights, dtype=float)
    if seeds is None:
        _unique, first = np.unique(points, axis=0, return_index=True)
        centers = points[np.sort(first)[:k]]
    else:
        centers = np.asarray(seeds, dtype=float)
    labels = np.full(len(points), -1)
    for _ in range(iterations):
        distances = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        new_labels = np.argmin(distances, axis=1)
        used = np.unique(new_labels)
        renumber = np.full(len(centers), -1)
        renumber[used] = np.arange(len(used))
        new_labels = renumber[new_labels]
        totals = np.bincount(new_labels, weights=weights, minlength=len(used))
        centers = np.column_stack([
            np.bincount(new_labels, weights=weights * points[:, d], minlength=len(used))
            for d in range(points.shape[1])
        ]) / totals[:, None]
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return labels, centers


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient of the points (0 when a cluster holds every point)."""
    from sklearn.metrics import silhouette_score

    if len(set(labels.tolist())) < 2 or len(set(labels.tolist())) >= len(points):
        return 0.0
    return float(silhouette_score(points, labels))


def opinion_groups(
    matrix: VoteMatrix,
    moderated_out: Iterable = (),
    *,
    min_votes: int = MIN_VOTES,
    base_clusters: int = BASE_CLUSTERS,
    max_groups: int = MAX_GROUPS,
) -> OpinionGroups:
    """Find the opinion groups of a conversation (see the module's docstring for the steps)."""
    moderated_out = set(moderated_out)
    values = neutralise(matrix, moderated_out)
    n_comments = len(matrix.comment_ids)
    empty = np.zeros((0, 2))
    if values.size:
        center, components = principal_components(values)
    else:
        center, components = np.zeros(n_comments), np.zeros((2, n_comments))

    def nobody(message: str, **params) -> OpinionGroups:
        return OpinionGroups((), (), empty, (), empty, {}, components, center, message, params)

    if not np.any(~np.isnan(values)):
        return nobody("no_votes")
    kept = [j for j, comment in enumerate(matrix.comment_ids) if comment not in moderated_out]
    if not np.any(~np.isnan(matrix.values[:, kept])):
        return nobody("all_moderated_out")
    mask = clustered_participants(matrix, min_votes)
    participants = tuple(p for p, keep in zip(matrix.participant_ids, mask, strict=True) if keep)
    if len(participants) < 3:
        return nobody("too_few_participants", clustered=len(participants), minimum=3)
    positions = project(values[mask], center, components)
    base_labels, base_centers = kmeans(positions, base_clusters, iterations=BASE_ITERATIONS)
    sizes = np.bincount(base_labels)
    if len(base_centers) < 2 or np.allclose(positions, positions[0]):
        return nobody("no_variation")
    largest_k = min(max_groups, 2 + len(base_centers) // 12, len(base_centers))
    silhouettes, groupings = {}, {}
    for k in range(2, largest_k + 1):
        group_of_base, _centers = kmeans(base_centers, k, weights=sizes)
        silhouettes[k] = silhouette(base_centers, group_of_base)
        groupings[k] = group_of_base
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    labels = groupings[best][base_labels]
    return OpinionGroups(
        participant_ids=participants,
        labels=tuple(int(label) for label in labels),
        projections=positions,
        base_labels=tuple(int(label) for label in base_labels),
        base_centers=base_centers,
        silhouettes=silhouettes,
        components=components,
        center=center,
    )
