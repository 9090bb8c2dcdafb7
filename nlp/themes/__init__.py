"""The themes of a consultation's verbatims (docs/themes.md).

``find_themes(texts, mode="auto")`` runs the default :class:`ThemePipeline` and returns a frozen
:class:`ThemeResult`. Every stage can be swapped for any object with the interface declared in
:mod:`nlp.themes.stages`; the stages this package ships are exported here too.
"""

from .cluster import HdbscanClusterer, KMeansClusterer, SingleCluster
from .cohesion import COHESION_FLOOR, theme_cohesion
from .describe import ThemeDescriber
from .embed import FastEmbedder, PrecomputedEmbeddings, l2_normalise
from .labels import PhraseLabeller, artefact
from .language import LANGUAGES, NAMES, LanguageChoice, choose_language, detect_language
from .matching import ThemeChanges, match_themes
from .pipeline import AUTO_QUALITY_LIMIT, MODES, ThemePipeline, find_themes, quality_embedder
from .preprocess import Preprocessor
from .reduce import NoReduction, PcaMap, UmapReducer, nearest_neighbours
from .results import MESSAGES, Assignment, Theme, ThemeError, ThemeResult, input_sha256
from .stages import Clusterer, Describer, Embedder, Reducer
from .use_encoder import UniversalSentenceEncoder

__all__ = [
    "COHESION_FLOOR",
    "ThemeChanges",
    "match_themes",
    "theme_cohesion",
    "AUTO_QUALITY_LIMIT",
    "MESSAGES",
    "MODES",
    "NAMES",
    "Assignment",
    "Clusterer",
    "Describer",
    "Embedder",
    "FastEmbedder",
    "HdbscanClusterer",
    "KMeansClusterer",
    "LANGUAGES",
    "LanguageChoice",
    "NoReduction",
    "PcaMap",
    "PhraseLabeller",
    "PrecomputedEmbeddings",
    "Preprocessor",
    "Reducer",
    "SingleCluster",
    "Theme",
    "ThemeDescriber",
    "ThemeError",
    "ThemePipeline",
    "ThemeResult",
    "UmapReducer",
    "UniversalSentenceEncoder",
    "artefact",
    "choose_language",
    "detect_language",
    "find_themes",
    "input_sha256",
    "l2_normalise",
    "nearest_neighbours",
    "quality_embedder",
]
