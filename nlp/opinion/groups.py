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
5. :func:`~nlp.opinion.kmeans.kmeans` into (at most) 100 "base clusters", seeded with the first
   distinct points, up to 100 iterations — or, given the previous update's :class:`Carried`
   state, started from its base clusters (:func:`~nlp.opinion.kmeans.clean_start`);
6. a k-means of the base clusters' centres weighted by their sizes into k = 2..5 groups
   (at most 2 + n_base / 12), up to 20 iterations, seeded afresh from the base clusters in id
   order, k chosen by the best silhouette.

Polis updates as votes arrive: once clustered, a participant stays clustered, and the base
clusters carry over from one update to the next. :mod:`nlp.opinion.history` replays that
history from the votes' times; one call here is one update.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..markers import N_
from .kmeans import Clusters, clean_start, first_distinct, kmeans, lloyd

BASE_CLUSTERS = 100
MAX_GROUPS = 5
MIN_VOTES = 7
GREEDY_MINIMUM = 15
KMEANS_ITERATIONS = 20
# Polis's base-iters. (Its group k-means is passed :cluster-iters, a key its kmeans ignores, so
# groups run its default of 20: KMEANS_ITERATIONS.)
BASE_ITERATIONS = 100
EXACT_UP_TO = 2000  # comments: beyond, principal_components computes only the 2 leading axes

MESSAGES = {
    "no_votes": N_("Aucun vote : pas de groupes d'opinion."),
    "too_few_participants": N_(
        "Trop peu de participants ont assez voté (%(clustered)d, il en faut au moins "
        "%(minimum)d) pour former des groupes d'opinion."
    ),
    "no_variation": N_(
        "Tous les participants votent de la même façon : aucun groupe d'opinion ne se "
        "distingue."
    ),
    "all_moderated_out": N_(
        "Tous les votes portent sur des commentaires écartés par la modération : pas de "
        "groupes d'opinion."
    ),
    "not_computed": N_("Mise à jour intermédiaire : groupes non calculés."),
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
class Carried:
    """What one update hands to the next, as in Polis: who is clustered, and the base clusters."""

    clustered: frozenset
    base: Clusters


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
    carried: Carried | None = None  # for the next update, when base clusters were formed
    updates: int = 1  # how many updates of the history were replayed to reach this result

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
    matrix: VoteMatrix,
    min_votes: int = MIN_VOTES,
    greedy_minimum: int = GREEDY_MINIMUM,
    already: frozenset = frozenset(),
) -> np.ndarray:
    """Boolean mask of the participants who are clustered.

    Those ``already`` clustered by an earlier update, and those who voted on at least
    min(min_votes, n_comments); when they are fewer than ``greedy_minimum``, the most active
    other voters are added until there are that many (as Polis does, so that a young
    conversation already shows groups).
    """
    counts = matrix.vote_counts
    needed = max(min(min_votes, len(matrix.comment_ids)), 1)
    mask = (counts >= needed) | np.array([p in already for p in matrix.participant_ids], bool)
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

    Up to ``EXACT_UP_TO`` comments the axes are the eigenvectors of the full covariance (as
    Polis computes them); beyond, only the two leading singular vectors of the centred matrix
    are computed (ARPACK through scipy, from a fixed start, on the sparse centred matrix): the
    same axes, without an n_comments³ decomposition (10,000 comments took over three minutes).
    """
    if values.shape[1] > EXACT_UP_TO and min(values.shape) > 3:
        center, centred = _sparse_centred(values)
        from scipy.sparse.linalg import svds

        start = np.ones(min(centred.shape)) / np.sqrt(min(centred.shape))
        _u, singular, vt = svds(centred, k=2, v0=start, solver="arpack")
        components = vt[np.argsort(-singular, kind="stable")].copy()
    else:
        voted = ~np.isnan(values)
        counts = voted.sum(axis=0)
        sums = np.where(voted, values, 0.0).sum(axis=0)
        center = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0)
        centred = np.where(voted, values - center, 0.0)
        _eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred)
        components = eigenvectors[:, ::-1][:, :min(2, *centred.shape)].T.copy()
    n_components = len(components)
    for axis in components:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    if n_components < 2:
        components = np.vstack([components, np.zeros((2 - n_components, values.shape[1]))])
    return center, components


def _sparse_centred(values: np.ndarray, center: np.ndarray | None = None):
    """(center, centred matrix) with the centred matrix sparse: once centred, a missing vote
    is a zero, and in a large consultation each voter sees few of the comments, so products
    with it cost the votes alone. ``center``: the column means, when known."""
    from scipy.sparse import csr_matrix

    rows, cols = np.nonzero(~np.isnan(values))
    votes = values[rows, cols]
    if center is None:
        counts = np.bincount(cols, minlength=values.shape[1])
        sums = np.bincount(cols, weights=votes, minlength=values.shape[1])
        center = np.divide(sums, counts, out=np.zeros(values.shape[1]), where=counts > 0)
    return center, csr_matrix((votes - center[cols], (rows, cols)), shape=values.shape)


def project(values: np.ndarray, center: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Each row's position from its own votes, scaled by sqrt(n_comments / n_votes)."""
    voted = ~np.isnan(values)
    if values.shape[1] > EXACT_UP_TO:
        _center, centred = _sparse_centred(values, center)
    else:
        centred = np.where(voted, values - center, 0.0)
    positions = np.asarray(centred @ components.T)
    n_votes = np.maximum(voted.sum(axis=1), 1)
    return positions * np.sqrt(values.shape[1] / n_votes)[:, None]


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient of the points (0 when a cluster holds every point)."""
    from sklearn.metrics import silhouette_score

    if len(set(labels.tolist())) < 2 or len(set(labels.tolist())) >= len(points):
        return 0.0
    return float(silhouette_score(points, labels))



def group_base_clusters(
    centers: np.ndarray, sizes: np.ndarray, max_groups: int = MAX_GROUPS
) -> tuple[np.ndarray, dict[int, float]]:
    """(group of each base cluster, silhouette of each k tried): the groups of step 6.

    ``centers`` are the base clusters' centres in id order, ``sizes`` their member counts. Each
    k in 2..min(max_groups, 2 + n_base / 12) is a size-weighted k-means seeded afresh; the best
    silhouette wins (the smaller k on a tie).
    """
    largest_k = min(max_groups, 2 + len(centers) // 12, len(centers))
    silhouettes, groupings = {}, {}
    for k in range(2, largest_k + 1):
        groupings[k], _centers = kmeans(centers, k, weights=sizes, iterations=KMEANS_ITERATIONS)
        silhouettes[k] = silhouette(centers, groupings[k])
    best = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    return groupings[best], silhouettes


def base_clusters_of(
    positions: np.ndarray, participants: Sequence, k: int, previous: Carried | None
) -> Clusters:
    """Base clusters of the clustered participants' positions, carried over when possible."""
    if previous is None:
        seeds, ids = first_distinct(positions, k), None
    else:
        start = clean_start(positions, participants, previous.base, k)
        seeds, ids = start.centers, start.ids
    labels, centers, survivors = lloyd(positions, seeds, None, BASE_ITERATIONS)
    ids = tuple(range(len(seeds))) if ids is None else ids
    kept_ids = tuple(ids[i] for i in survivors)
    members = [[] for _ in kept_ids]
    for participant, label in zip(participants, labels, strict=True):
        members[label].append(participant)
    # Polis sorts its base clusters by id; the groups are seeded in that order.
    order = np.argsort(kept_ids, kind="stable")
    return Clusters(tuple(kept_ids[i] for i in order), tuple(tuple(members[i]) for i in order),
                    centers[order])


def opinion_groups(
    matrix: VoteMatrix,
    moderated_out: Iterable = (),
    *,
    min_votes: int = MIN_VOTES,
    base_clusters: int = BASE_CLUSTERS,
    max_groups: int = MAX_GROUPS,
    previous: Carried | None = None,
    find_groups: bool = True,
) -> OpinionGroups:
    """One update: find the opinion groups (see the module's docstring for the steps).

    ``previous`` is the :class:`Carried` state of the update before, if any. With
    ``find_groups=False`` only the state for the next update is computed (the history replay
    needs the groups of its last update only).
    """
    moderated_out = set(moderated_out)
    values = neutralise(matrix, moderated_out)
    n_comments = len(matrix.comment_ids)
    empty = np.zeros((0, 2))
    if values.size:
        center, components = principal_components(values)
    else:
        center, components = np.zeros(n_comments), np.zeros((2, n_comments))

    def nobody(message: str, carried: Carried | None = previous, **params) -> OpinionGroups:
        return OpinionGroups((), (), empty, (), empty, {}, components, center, message, params,
                             carried)

    if not np.any(~np.isnan(values)):
        return nobody("no_votes")
    kept = [j for j, comment in enumerate(matrix.comment_ids) if comment not in moderated_out]
    if not np.any(~np.isnan(matrix.values[:, kept])):
        return nobody("all_moderated_out")
    already = previous.clustered if previous else frozenset()
    mask = clustered_participants(matrix, min_votes, already=already)
    participants = tuple(p for p, keep in zip(matrix.participant_ids, mask, strict=True) if keep)
    positions = project(values[mask], center, components)
    base = base_clusters_of(positions, participants, base_clusters, previous)
    carried = Carried(frozenset(participants), base)
    if not find_groups:
        return nobody("not_computed", carried)
    if len(participants) < 3:
        return nobody("too_few_participants", carried, clustered=len(participants), minimum=3)
    base_labels = base.labels_of(participants)
    sizes = np.array([len(m) for m in base.members], dtype=float)
    if len(base.ids) < 2 or np.allclose(positions, positions[0]):
        return nobody("no_variation", carried)
    group_of_base, silhouettes = group_base_clusters(base.centers, sizes, max_groups)
    labels = group_of_base[base_labels]
    return OpinionGroups(
        participant_ids=participants,
        labels=tuple(int(label) for label in labels),
        projections=positions,
        base_labels=tuple(int(label) for label in base_labels),
        base_centers=base.centers,
        silhouettes=silhouettes,
        components=components,
        center=center,
        carried=carried,
    )
