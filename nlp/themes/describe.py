"""Describe themes so that people can check them: keywords, a short label, typical verbatims.

Keywords come from a class-based TF-IDF (c-TF-IDF, as in BERTopic) over lemmas: all verbatims of a
theme are read as one document, and a lemma weighs

    w(t, c) = tf(t, c) * log(1 + A / f(t))

where tf(t, c) is the frequency of lemma t in theme c divided by the number of lemmas in c, f(t) the
frequency of t over all themes, and A the average number of lemmas per theme. By default
(``binary=True``) a verbatim counts a lemma once, however often it repeats it, so one insistent
verbatim cannot name a theme. French stop words are removed here, and only here.

Typicality is the cosine between a verbatim's embedding and its theme's centroid (the normalised
mean of its members' embeddings): members are listed from most to least typical, and the
representatives are the most typical distinct verbatims — not the first ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .embed import l2_normalise

# Verbs that carry modality or little else, and bare answers, which spaCy's French list keeps:
# they crowded the labels on SIB-200 ("utiliser · internet · pouvoir") and on the demo
# consultations ("machine · bien · temps", "cas · ca · dépendre").
LIGHT_WORDS = frozenset(
    {"pouvoir", "devoir", "falloir", "vouloir", "faire", "aller", "bien", "oui", "non", "ca"}
)


class ClassTfidf:
    """c-TF-IDF: ``fit(documents, labels)`` with documents as lists of terms, one per verbatim.

    After fitting: ``classes_`` (sorted labels, outliers excluded), ``vocabulary_`` (terms, sorted)
    and ``weights_`` (dense array, one row per class, one column per term).
    """

    def __init__(self, stop_words: Iterable[str] = (), binary: bool = True):
        self.stop_words = frozenset(stop_words)
        self.binary = binary

    def fit(self, documents: Sequence[Sequence[str]], labels: Sequence[int]) -> ClassTfidf:
        labels = np.asarray(labels)
        self.classes_ = sorted(int(c) for c in set(labels.tolist()) if c >= 0)
        row_of = {c: i for i, c in enumerate(self.classes_)}
        terms = sorted(
            {
                t
                for d, c in zip(documents, labels, strict=True)
                if c >= 0
                for t in d
                if t not in self.stop_words
            }
        )
        column = {t: j for j, t in enumerate(terms)}
        counts = np.zeros((len(self.classes_), len(terms)))
        for document, label in zip(documents, labels, strict=True):
            if label < 0:
                continue
            kept = [t for t in document if t in column]
            if self.binary:
                kept = set(kept)
            for term in kept:
                counts[row_of[int(label)], column[term]] += 1
        self.vocabulary_ = terms
        self.weights_ = class_tfidf(counts)
        return self

    def keywords(self, label: int, n: int = 10) -> tuple[str, ...]:
        """The ``n`` heaviest terms of a class; ties broken alphabetically."""
        if label not in self.classes_ or not self.vocabulary_:
            return ()
        row = self.weights_[self.classes_.index(label)]
        order = sorted(np.flatnonzero(row > 0), key=lambda j: (-row[j], self.vocabulary_[j]))
        return tuple(self.vocabulary_[j] for j in order[:n])


def class_tfidf(counts) -> np.ndarray:
    """c-TF-IDF weights from a (classes × terms) count matrix: tf(t, c) · log(1 + A / f(t))."""
    counts = counts.toarray() if sparse.issparse(counts) else np.asarray(counts, dtype=float)
    if counts.size == 0:
        return counts.astype(float)
    per_class = counts.sum(axis=1, keepdims=True)
    tf = np.divide(counts, per_class, out=np.zeros_like(counts, dtype=float), where=per_class > 0)
    frequency = counts.sum(axis=0)
    average = per_class.mean()
    idf = np.log(
        1
        + np.divide(
            average, frequency, out=np.zeros_like(frequency, dtype=float), where=frequency > 0
        )
    )
    return tf * idf


@dataclass(frozen=True)
class ThemeDescription:
    """What a person reads about one theme; row indices refer to the pipeline's input."""

    label: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]  # ordered by typicality, most typical first
    representatives: tuple[int, ...]
    typicality: tuple[float, ...]  # cosine to the centroid, same order as members


class ThemeDescriber:
    """Keywords (c-TF-IDF), a label (the first ``label_words`` keywords) and typical verbatims."""

    def __init__(
        self,
        stop_words: Iterable[str] = (),
        n_keywords: int = 10,
        label_words: int = 3,
        n_representatives: int = 5,
        binary: bool = True,
        extra_stop_words: Iterable[str] = LIGHT_WORDS,
    ):
        self.stop_words = frozenset(stop_words) | frozenset(extra_stop_words)
        self.n_keywords = n_keywords
        self.label_words = label_words
        self.n_representatives = n_representatives
        self.binary = binary

    def get_params(self) -> dict:
        return {
            "keywords": f"c-TF-IDF over lemmas, binary={self.binary}",
            "n_keywords": self.n_keywords,
            "label_words": self.label_words,
            "n_representatives": self.n_representatives,
            "typicality": "cosine to the theme centroid in embedding space",
        }

    def describe(
        self,
        lemmas: Sequence[Sequence[str]],
        labels: np.ndarray,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        rows: Sequence[int] | None = None,
    ) -> dict[int, ThemeDescription]:
        """One description per label ≥ 0. ``rows`` maps local positions to input row indices;
        ``texts`` (same positions) lets representatives skip exact repeats of a verbatim."""
        labels = np.asarray(labels)
        rows = np.arange(len(labels)) if rows is None else np.asarray(rows)
        # Numbers, emoji and one-letter tokens never make a keyword.
        words = [[t for t in document if sum(ch.isalpha() for ch in t) >= 2] for document in lemmas]
        ctfidf = ClassTfidf(self.stop_words, binary=self.binary).fit(words, labels)
        normalised = l2_normalise(np.asarray(embeddings, dtype=np.float32))
        out = {}
        for label in ctfidf.classes_:
            local = np.flatnonzero(labels == label)
            centroid = l2_normalise(normalised[local].mean(axis=0, keepdims=True))[0]
            typicality = normalised[local] @ centroid
            # Most typical first; equal typicality keeps input order, for stable results.
            order = sorted(
                range(len(local)), key=lambda i: (-round(float(typicality[i]), 6), rows[local[i]])
            )
            members = tuple(int(rows[local[i]]) for i in order)
            keywords = ctfidf.keywords(label, self.n_keywords)
            out[label] = ThemeDescription(
                label=" · ".join(keywords[: self.label_words]) or "(sans mots-clés)",
                keywords=keywords,
                members=members,
                representatives=self._representatives([local[i] for i in order], rows, texts),
                typicality=tuple(round(float(typicality[i]), 6) for i in order),
            )
        return out

    def _representatives(self, ordered_local, rows, texts) -> tuple[int, ...]:
        chosen, seen = [], set()
        for i in ordered_local:
            key = " ".join(texts[i].lower().split()) if texts is not None else i
            if key in seen:
                continue
            seen.add(key)
            chosen.append(int(rows[i]))
            if len(chosen) == self.n_representatives:
                break
        return tuple(chosen)
