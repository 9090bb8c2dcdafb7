"""Reduce embeddings to a few dimensions before clustering, and to two for the map.

:class:`UmapReducer` wraps UMAP with the choices BERTopic popularised (15 neighbours, cosine,
``min_dist=0`` so that clusters stay compact). It always runs with a ``random_state``: UMAP is
then single-threaded, which on a 2-core machine cost 13 % at 100,000 points (measured,
docs/themes.md) and buys identical results from one run to the next.

The nearest-neighbour graph is the costly part on large corpora; it is computed once
(:func:`nearest_neighbours`, exact below 20,000 verbatims, NN-descent above) and shared by the
5-dimension reduction used for clustering and the 2-dimension one drawn on the map.
"""

from __future__ import annotations

import warnings

import numpy as np

# Below this many points the neighbours are computed exactly, by brute force: 8.6 s for 20,000
# verbatims on 2 cores, less than the 25 s numba takes to compile NN-descent on its first use in
# a process (its compiled code is not cached), and exact. Above, NN-descent.
EXACT_NEIGHBOURS_BELOW = 20_000


def _umap():
    with warnings.catch_warnings():
        # umap-learn warns on import that TensorFlow is missing: it is needed only by
        # ParametricUMAP, which we do not use.
        warnings.filterwarnings(
            "ignore", message="Tensorflow not installed", category=ImportWarning
        )
        import umap
        import umap.umap_
    return umap


def nearest_neighbours(vectors: np.ndarray, n_neighbors: int, random_state: int):
    """Each row's ``n_neighbors`` nearest rows by cosine distance: (indices, distances)."""
    n = len(vectors)
    if n < EXACT_NEIGHBOURS_BELOW:
        from sklearn.neighbors import NearestNeighbors

        search = NearestNeighbors(n_neighbors=n_neighbors, metric="cosine", algorithm="brute")
        distances, indices = search.fit(vectors).kneighbors(vectors)
        return indices, distances.astype(np.float32)
    from sklearn.utils import check_random_state

    umap = _umap()
    indices, distances, _search_index = umap.umap_.nearest_neighbors(
        vectors,
        n_neighbors,
        "cosine",
        {},
        False,
        check_random_state(random_state),
        low_memory=True,
        use_pynndescent=True,
        n_jobs=1,
    )
    return indices, distances


class UmapReducer:
    """UMAP to ``n_components`` dimensions, seeded; ``fit_transform(X, knn=None)``.

    After fitting: ``embedding_`` (the result) and ``n_neighbors_`` (the number of neighbours
    used: at most one less than the number of rows).
    """

    def __init__(
        self,
        n_components: int = 5,
        n_neighbors: int = 15,
        min_dist: float = 0.0,
        random_state: int = 0,
        n_epochs: int | None = None,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.random_state = random_state
        self.n_epochs = n_epochs

    def get_params(self) -> dict:
        return {
            "n_components": self.n_components,
            "n_neighbors": self.n_neighbors,
            "min_dist": self.min_dist,
            "metric": "cosine",
            "random_state": self.random_state,
            "n_epochs": self.n_epochs,
        }

    def fit_transform(self, vectors: np.ndarray, knn=None) -> np.ndarray:
        """Reduce ``vectors`` (n, d); ``knn`` is an (indices, distances) pair to reuse, if any."""
        n = len(vectors)
        self.n_neighbors_ = max(2, min(self.n_neighbors, n - 1))
        if n <= self.n_components + 1:  # too few points for a spectral layout: keep what we have
            self.embedding_ = _pad(np.asarray(vectors, dtype=np.float32), self.n_components)
            return self.embedding_
        if knn is None or knn[0].shape[1] < self.n_neighbors_:
            knn = nearest_neighbours(vectors, self.n_neighbors_, self.random_state)
        indices, distances = knn[0][:, : self.n_neighbors_], knn[1][:, : self.n_neighbors_]
        umap = _umap()
        reducer = umap.UMAP(
            n_neighbors=self.n_neighbors_,
            n_components=self.n_components,
            min_dist=self.min_dist,
            metric="cosine",
            random_state=self.random_state,
            n_jobs=1,  # what random_state implies; saying it avoids UMAP's warning
            n_epochs=self.n_epochs,
            precomputed_knn=(indices, distances, None),
        )
        with warnings.catch_warnings():
            # Without NN-descent's search index UMAP cannot `transform` new points, and says so;
            # we never call transform.
            warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]", category=UserWarning)
            self.embedding_ = reducer.fit_transform(vectors).astype(np.float32)
        return self.embedding_


class NoReduction:
    """The do-nothing reducer: clusters are sought in the embedding space itself."""

    n_components = None
    n_neighbors = None  # reads no neighbour graph

    def get_params(self) -> dict:
        return {}

    def fit_transform(self, vectors: np.ndarray, knn=None) -> np.ndarray:
        self.embedding_ = np.asarray(vectors, dtype=np.float32)
        return self.embedding_


class PcaMap:
    """A cheap 2-D map: the first two principal components (no neighbours, no optimisation)."""

    n_components = 2
    n_neighbors = None  # reads no neighbour graph

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def get_params(self) -> dict:
        return {"method": "pca", "random_state": self.random_state}

    def fit_transform(self, vectors: np.ndarray, knn=None) -> np.ndarray:
        from sklearn.decomposition import PCA

        vectors = np.asarray(vectors, dtype=np.float32)
        if len(vectors) < 2 or vectors.shape[1] < 2:
            self.embedding_ = _pad(vectors[:, :2], 2)
        else:
            pca = PCA(n_components=2, svd_solver="full", random_state=self.random_state)
            self.embedding_ = pca.fit_transform(vectors).astype(np.float32)
        return self.embedding_


def _pad(vectors: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((len(vectors), width), dtype=np.float32)
    out[:, : min(width, vectors.shape[1])] = vectors[:, :width]
    return out
