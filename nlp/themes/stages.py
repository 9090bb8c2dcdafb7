"""The interfaces of the theme pipeline's stages, declared once.

:class:`~nlp.themes.pipeline.ThemePipeline` takes each stage as a constructor argument (as
BERTopic does) and relies only on what is written here, so any object with these methods fits:
the stages of this package, a do-nothing stage (``NoReduction``, ``SingleCluster``), or one of
your own. Structural typing: nothing needs to inherit from these classes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from .describe import ThemeDescription
    from .preprocess import Analysis

# progress(stage, done, total), called as the long stages advance
Progress = Callable[[str, int, int], None]
# progress(done, total), what an embedder reports
EncodeProgress = Callable[[int, int], None]
# (indices, distances) of each row's nearest neighbours, shared by the reductions
Neighbours = tuple[np.ndarray, np.ndarray]


class Embedder(Protocol):
    """Turns verbatims into L2-normalised vectors, one row per text."""

    name: str

    @property
    def dimension(self) -> int: ...

    def version(self) -> str:
        """Where the vectors come from, for the run's reproducibility record."""
        ...

    def encode(
        self, texts: Sequence[str], progress: EncodeProgress | None = None
    ) -> np.ndarray: ...


@runtime_checkable
class AnalysisEmbedder(Protocol):
    """An embedder that reads the preprocessor's analyses (lemmas, content words) directly, so
    the pipeline does not tag the texts twice."""

    def encode_analyses(self, analyses: Sequence[Analysis]) -> np.ndarray: ...


class Reducer(Protocol):
    """Reduces the vectors before clustering (5 dimensions) or for the map (2 dimensions).

    ``n_neighbors`` is the size of the neighbour graph the reducer reads, which the pipeline
    computes once and passes as ``knn``; None for a reducer that reads no graph.
    """

    n_components: int | None
    n_neighbors: int | None

    def get_params(self) -> dict: ...

    def fit_transform(self, vectors: np.ndarray, knn: Neighbours | None = None) -> np.ndarray: ...


class Clusterer(Protocol):
    """Groups the reduced vectors. After :meth:`fit`: ``labels_`` (one per row, -1 for an
    outlier) and ``probabilities_`` (membership strength, 0..1)."""

    labels_: np.ndarray
    probabilities_: np.ndarray

    def get_params(self) -> dict: ...

    def fit(self, vectors: np.ndarray) -> Clusterer: ...

    def fitted_params(self) -> dict:
        """What the last fit settled on (for HDBSCAN the minimum cluster size it used)."""
        ...


class Describer(Protocol):
    """Names each group: keywords, a label, its members from most to least typical."""

    def get_params(self) -> dict: ...

    def describe(
        self,
        lemmas: Sequence[Sequence[str]],
        labels: np.ndarray,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        rows: Sequence[int] | None = None,
    ) -> dict[int, ThemeDescription]: ...
