"""Merge themes down to a number a facilitator asks for, keeping who went where.

The closest themes are joined first: agglomerative clustering of the theme centroids (in
embedding space) with average linkage on cosine distance. It is deterministic, and a merged
theme is the union of its parts, so a facilitator can always open it back into the themes found.
"""

from __future__ import annotations

import numpy as np

from .outliers import theme_centroids


def merge_themes(embeddings: np.ndarray, labels: np.ndarray, n_themes: int):
    """Merge the labelled groups (≥ 0) into at most ``n_themes``; outliers (-1) stay outliers.

    Returns the new labels and ``parent``, a dict from each old label to its new label.
    """
    labels = np.asarray(labels)
    themes, centroids = theme_centroids(embeddings, labels)
    if n_themes < 1:
        raise ValueError("n_themes must be at least 1")
    if len(themes) <= n_themes:
        return labels.copy(), {c: c for c in themes}
    if n_themes == 1:
        groups = np.zeros(len(themes), dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        groups = AgglomerativeClustering(
            n_clusters=n_themes, metric="cosine", linkage="average"
        ).fit_predict(centroids)
    parent = {c: int(g) for c, g in zip(themes, groups, strict=True)}
    merged = np.array([parent[int(c)] if c >= 0 else -1 for c in labels], dtype=np.int64)
    return merged, parent
