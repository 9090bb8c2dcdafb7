"""How tightly a theme holds together, and when to ask the facilitator to check it.

A theme's cohesion is the mean, over its members, of the simplified silhouette computed against
theme centroids (cosine distances in embedding space):

    s(v) = (b − a) / max(a, b)

with ``a`` the distance from verbatim v to its own theme's centroid and ``b`` the distance to the
nearest other theme's centroid. It lies in [−1, 1]: near 1 every member is much closer to its
theme than to any other; near 0 the theme's members sit on the border with another theme; below
0 most would fit another theme better. The full silhouette compares every pair of verbatims
(quadratic: 100,000 verbatims would need 40 GB of distances); the centroid form costs one
product of the verbatims by the centroids, and, being a ratio, reads the same whatever the
embedder's scale of cosines.

A theme whose cohesion is below :data:`COHESION_FLOOR` is marked "à vérifier". The floor was set
from the three labelled corpora (docs/benchmarks.md): below it, themes mix their written themes
much more often than above.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

import numpy as np

from .outliers import theme_centroids

COHESION_FLOOR = 0.2


def silhouettes(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The centroid silhouette of each row (0 for an outlier, or when there is one theme)."""
    labels = np.asarray(labels)
    out = np.zeros(len(labels))
    themes, centroids = theme_centroids(embeddings, labels)
    if len(themes) < 2:
        return out
    from .embed import l2_normalise

    normalised = l2_normalise(np.asarray(embeddings, dtype=np.float32))
    grouped = np.flatnonzero(labels >= 0)
    column = {c: j for j, c in enumerate(themes)}
    distance = 1.0 - normalised[grouped] @ centroids.T
    own = np.array([column[int(c)] for c in labels[grouped]])
    a = distance[np.arange(len(grouped)), own]
    distance[np.arange(len(grouped)), own] = np.inf
    b = distance.min(axis=1)
    scale = np.maximum(np.maximum(a, b), 1e-12)
    out[grouped] = (b - a) / scale
    return out


def theme_cohesion(embeddings: np.ndarray, labels: np.ndarray) -> dict[int, float | None]:
    """Label → mean centroid silhouette of its members, rounded to 2 decimals: the figure shown
    is the one compared with the floor, so that a theme shown at 0.20 is never "à vérifier".

    With a single theme there is nothing to compare it with: its cohesion is None.
    """
    labels = np.asarray(labels)
    themes = sorted(int(c) for c in np.unique(labels) if c >= 0)
    if len(themes) == 1:
        return {themes[0]: None}
    values = silhouettes(embeddings, labels)
    return {c: round(float(values[labels == c].mean()), 2) for c in themes}
