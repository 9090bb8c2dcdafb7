"""Group reduced embeddings into clusters: HDBSCAN by default, k-means or a single group otherwise.

Each clusterer has ``fit(X)`` and leaves ``labels_`` (one per row, -1 for an outlier) and
``probabilities_`` (membership strength, 0..1) behind (:class:`nlp.themes.stages.Clusterer`).

HDBSCAN settings, measured on SIB-200 and on the demo consultations (docs/themes.md):

- ``min_cluster_size`` adapts to the corpus: max(5, round(sqrt(n) / 2)), i.e. 5 up to 100
  verbatims, 16 for 1,000, 50 for 10,000, 158 for 100,000;
- ``min_samples=1``: HDBSCAN's default (= min_cluster_size) called 35 % of SIB-200 outliers, and 1
  keeps NMI while halving that share;
- no ``max_cluster_share`` by default: capping a theme's share of the corpus splits the catch-all
  theme that excess-of-mass selection sometimes keeps (a third to a half of a demo consultation),
  but it also shatters a corpus that truly has two or three big themes (two equal blobs became
  ten themes at a cap of 0.4), which is worse. The knob stays for whoever wants it.
"""

from __future__ import annotations

import math

import numpy as np


def adaptive_min_cluster_size(n: int) -> int:
    """Smallest theme HDBSCAN may report for ``n`` verbatims: max(5, round(sqrt(n) / 2))."""
    return max(5, round(math.sqrt(max(n, 0)) / 2))


class HdbscanClusterer:
    """HDBSCAN (excess of mass) with a minimum cluster size that follows the corpus size."""

    def __init__(
        self,
        min_cluster_size: int | None = None,
        min_samples: int | None = 1,
        max_cluster_share: float | None = None,
        cluster_selection_method: str = "eom",
    ):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_cluster_share = max_cluster_share
        self.cluster_selection_method = cluster_selection_method

    def get_params(self) -> dict:
        return {
            "algorithm": "hdbscan",
            "min_cluster_size": self.min_cluster_size or "adaptive: max(5, round(sqrt(n) / 2))",
            "min_samples": self.min_samples,
            "max_cluster_share": self.max_cluster_share,
            "cluster_selection_method": self.cluster_selection_method,
        }

    def fit(self, vectors: np.ndarray) -> HdbscanClusterer:
        import hdbscan

        n = len(vectors)
        self.min_cluster_size_ = max(
            2, min(self.min_cluster_size or adaptive_min_cluster_size(n), n)
        )
        limit = 0
        if self.max_cluster_share:
            limit = max(int(self.max_cluster_share * n), self.min_cluster_size_ * 2)
        model = hdbscan.HDBSCAN(
            min_cluster_size=self.min_cluster_size_,
            min_samples=min(self.min_samples, n - 1) if self.min_samples else None,
            cluster_selection_method=self.cluster_selection_method,
            max_cluster_size=limit,
            core_dist_n_jobs=1,
        )
        model.fit(np.asarray(vectors, dtype=np.float64))
        self.labels_ = model.labels_.astype(np.int64)
        self.probabilities_ = np.clip(np.nan_to_num(model.probabilities_), 0.0, 1.0)
        return self

    def fitted_params(self) -> dict:
        return {"min_cluster_size_used": int(self.min_cluster_size_)}


class KMeansClusterer:
    """k-means with a fixed number of clusters; no outliers. Strength: 1 − distance share."""

    def __init__(self, n_clusters: int = 7, random_state: int = 0):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def get_params(self) -> dict:
        return {
            "algorithm": "kmeans",
            "n_clusters": self.n_clusters,
            "random_state": self.random_state,
        }

    def fit(self, vectors: np.ndarray) -> KMeansClusterer:
        from sklearn.cluster import KMeans

        n = vectors.shape[0]
        k = max(1, min(self.n_clusters, n))
        model = KMeans(n_clusters=k, n_init=10, random_state=self.random_state)
        distances = model.fit_transform(vectors)
        self.labels_ = model.labels_.astype(np.int64)
        own = distances[np.arange(n), self.labels_]
        spread = distances.max(axis=1)
        self.probabilities_ = np.where(spread > 0, 1.0 - own / np.where(spread > 0, spread, 1), 1.0)
        return self

    def fitted_params(self) -> dict:
        return {}


class SingleCluster:
    """The do-nothing clusterer: every verbatim in one group, full strength."""

    def get_params(self) -> dict:
        return {"algorithm": "single"}

    def fit(self, vectors: np.ndarray) -> SingleCluster:
        self.labels_ = np.zeros(len(vectors), dtype=np.int64)
        self.probabilities_ = np.ones(len(vectors))
        return self

    def fitted_params(self) -> dict:
        return {}
