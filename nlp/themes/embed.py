"""Turn verbatims into vectors: the fast spaCy-based embedder, and embeddings computed elsewhere.

Every embedder has the same small interface, :class:`nlp.themes.stages.Embedder` — ``name``,
``dimension``, ``encode(texts, progress=None)`` returning a float32 (n, dimension) array of
L2-normalised rows, and ``version()`` — so the theme pipeline can take any of them (the "quality"
one is ``nlp.themes.use_encoder.UniversalSentenceEncoder``).

:class:`FastEmbedder` joins two views of a verbatim, each measured alone and together on SIB-200
(docs/themes.md):

- the mean of spaCy's static word vectors over its content words (what it talks about, robust to
  synonyms), centred on the corpus mean so that cosines compare what differs between verbatims;
- a latent semantic analysis of its lemmas (TF-IDF, then truncated SVD to ``n_components``), also
  centred: the words it actually uses, which is what separates arguments in a consultation that
  all talk about the same subject.

Both are fitted on the corpus being analysed, so a verbatim's vector depends on its corpus: it is
a way to compare the verbatims of one consultation, not a fixed coordinate.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata

import numpy as np
from scipy import sparse

from .preprocess import Analysis, Preprocessor
from .stages import EncodeProgress


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; rows of zeros stay zeros."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


class FastEmbedder:
    """Static word vectors + lemma LSA, from spaCy's ``fr_core_news_md``: no extra model needed."""

    name = "spacy-vectors+lsa"

    def __init__(
        self,
        preprocessor: Preprocessor | None = None,
        n_components: int = 100,
        random_state: int = 0,
        lsa_weight: float = 1.0,
    ):
        self.preprocessor = preprocessor or Preprocessor()
        self.n_components = n_components
        self.random_state = random_state
        self.lsa_weight = lsa_weight

    @property
    def dimension(self) -> int:
        return self.preprocessor.nlp.vocab.vectors_length + self.n_components

    def version(self) -> str:
        sklearn = metadata.version("scikit-learn")
        return f"{self.name} on {self.preprocessor.version()}, scikit-learn=={sklearn}"

    def encode(self, texts: Sequence[str], progress: EncodeProgress | None = None) -> np.ndarray:
        """Embed ``texts`` (analysed by this embedder's preprocessor): (n, dimension) float32."""
        stage_progress = (
            None if progress is None else (lambda _stage, done, total: progress(done, total))
        )
        return self.encode_analyses(self.preprocessor.analyse(list(texts), stage_progress))

    def encode_analyses(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """Embed verbatims already analysed by a :class:`Preprocessor` (the pipeline's path)."""
        n = len(analyses)
        if n == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = _centred(self.mean_vectors(analyses))
        lsa = _centred(self._lsa(analyses))
        joined = np.hstack([l2_normalise(vectors), self.lsa_weight * l2_normalise(lsa)])
        return l2_normalise(joined).astype(np.float32)

    def mean_vectors(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """Mean static vector of each verbatim's content words (zeros when none has a vector)."""
        vocab = self.preprocessor.nlp.vocab
        table = vocab.vectors
        column: dict[str, int] = {}
        rows_of_forms: list[int] = []
        indptr, indices = [0], []
        for analysis in analyses:
            for form in analysis.content_tokens:
                if form not in column:
                    row = table.find(key=vocab.strings[form])
                    if row < 0:
                        row = table.find(key=vocab.strings[form.lower()])
                    column[form] = len(column)
                    rows_of_forms.append(row)
                indices.append(column[form])
            indptr.append(len(indices))
        rows_of_forms_array = np.asarray(rows_of_forms, dtype=np.int64)
        known = rows_of_forms_array >= 0
        counts = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(analyses), len(column)),
        )
        counts = counts[:, np.flatnonzero(known)]
        form_vectors = np.asarray(table.data)[rows_of_forms_array[known]].astype(np.float32)
        sums = counts @ form_vectors
        n_known = np.asarray(counts.sum(axis=1)).ravel()
        return np.divide(
            sums, n_known[:, None], out=np.zeros_like(sums), where=n_known[:, None] > 0
        )

    def _lsa(self, analyses: Sequence[Analysis]) -> np.ndarray:
        """TF-IDF over content lemmas, reduced by truncated SVD; zero-padded to n_components."""
        # scikit-learn takes a second to import: only an analysis pays for it, not the app's start.
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        n = len(analyses)
        out = np.zeros((n, self.n_components), dtype=np.float32)
        documents = [analysis.content_lemmas for analysis in analyses]
        # Lemmas seen once say nothing about similarity; on tiny corpora keep them all.
        vectorizer = TfidfVectorizer(
            analyzer=_identity, min_df=2 if n >= 50 else 1, sublinear_tf=True, dtype=np.float32
        )
        try:
            tfidf = vectorizer.fit_transform(documents)
        except ValueError:  # empty vocabulary: no verbatim has a content word
            return out
        k = min(self.n_components, tfidf.shape[1] - 1, n - 1)
        if k < 1:
            return out
        svd = TruncatedSVD(
            n_components=k, algorithm="randomized", n_iter=7, random_state=self.random_state
        )
        # The SVD also reports each component's share of the total variance, dividing by zero
        # when every verbatim has the same lemmas; we do not use that share.
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, :k] = svd.fit_transform(tfidf)
        return out


def _identity(document):
    return document


def _centred(vectors: np.ndarray) -> np.ndarray:
    """Subtract the mean of the non-zero rows from them; zero rows (nothing to embed) stay zero."""
    filled = np.any(vectors != 0, axis=1)
    if filled.sum() < 2:
        return vectors
    out = vectors.copy()
    out[filled] -= vectors[filled].mean(axis=0)
    return out


def without_directions(vectors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """The (centred) vectors with their ``k`` principal directions projected out.

    What every verbatim of a consultation shares beyond the mean — often the stance for or
    against the proposal, which cuts across themes — lies along the first directions
    ("all-but-the-top" post-processing of embeddings, Mu & Viswanath 2018). Measured in
    docs/benchmarks.md: removing one lifts both demo consultations and lowers SIB-200 below
    where it was, so the pipeline's default is 0.
    """
    if k <= 0 or min(vectors.shape) <= k:
        return vectors
    from sklearn.utils.extmath import randomized_svd

    _u, _s, directions = randomized_svd(vectors, k, random_state=seed)
    return (vectors - (vectors @ directions.T) @ directions).astype(np.float32)


class PrecomputedEmbeddings:
    """Embeddings computed elsewhere, handed to the pipeline as if an embedder made them.

    ``encode(texts)`` returns the stored rows for the texts' positions; it checks only that there
    are as many texts as rows. Rows are L2-normalised on the way in.
    """

    name = "precomputed"

    def __init__(self, embeddings: np.ndarray, description: str = "precomputed"):
        array = np.asarray(embeddings, dtype=np.float32)
        if array.ndim != 2:
            raise ValueError(f"embeddings must be a 2-D array (n, d), not shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError("embeddings contain NaN or infinite values")
        self.embeddings = l2_normalise(array)
        self.description = description

    @property
    def dimension(self) -> int:
        return self.embeddings.shape[1]

    def version(self) -> str:
        return self.description

    def encode(self, texts: Sequence[str], progress: EncodeProgress | None = None) -> np.ndarray:
        if len(texts) != len(self.embeddings):
            raise ValueError(
                f"{len(texts)} texts but {len(self.embeddings)} precomputed embeddings: "
                "there must be one row per text"
            )
        if progress is not None:
            progress(len(texts), len(texts))
        return self.embeddings
