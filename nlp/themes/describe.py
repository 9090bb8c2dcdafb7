"""Describe themes so that people can check them: a label, keywords, typical verbatims.

Labels and keywords are phrases as the verbatims wrote them ("temps des bénévoles"), found and
ranked by :mod:`nlp.themes.labels` (c-TF-IDF of phrases, cosine to the theme's centroid, maximal
marginal relevance). When the texts are not given, or a theme has no candidate phrase, they fall
back to a class-based TF-IDF (c-TF-IDF, as in BERTopic) over lemmas: all verbatims of a theme are
read as one document, and a lemma weighs

    w(t, c) = tf(t, c) * log(1 + A / f(t))

where tf(t, c) is the frequency of lemma t in theme c divided by the number of lemmas in c, f(t) the
frequency of t over all themes, and A the average number of lemmas per theme. By default
(``binary=True``) a verbatim counts a lemma once, however often it repeats it, so one insistent
verbatim cannot name a theme. Stop words of the texts' language are removed here, and only here.

Typicality is the cosine between a verbatim's embedding and its theme's centroid (the normalised
mean of its members' embeddings): members are listed from most to least typical, and the
representatives are the most typical distinct verbatims — not the first ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .embed import l2_normalise
from .labels import Encode, PhraseLabeller, light_words
from .language import STOP_WORDS, choose_language

# French light words (modal verbs, bare answers): kept out of lemma keywords, as of phrases.
LIGHT_WORDS = light_words("fr")


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
    """Labels and keywords (phrases as written, :mod:`nlp.themes.labels`) and typical verbatims.

    ``stop_words`` are added to those of the texts' language. ``max_documents`` and
    ``max_total_documents`` bound the verbatims read for phrases (:meth:`_read`), so the labels'
    cost does not grow with the corpus. ``label_words`` only serves the lemma fallback.
    """

    def __init__(
        self,
        stop_words: Iterable[str] = (),
        n_keywords: int = 10,
        label_words: int = 3,
        n_representatives: int = 5,
        binary: bool = True,
        extra_stop_words: Iterable[str] | None = None,
        max_documents: int = 300,
        max_total_documents: int = 5_000,
        max_candidates: int = 30,
        diversity: float = 0.3,
        extend_share: float = 0.3,
        label_phrases: int = 2,
        closeness_weight: float = 0.3,
    ):
        self.stop_words = frozenset(stop_words)
        self.extra_stop_words = None if extra_stop_words is None else frozenset(extra_stop_words)
        self.n_keywords = n_keywords
        self.label_words = label_words
        self.n_representatives = n_representatives
        self.binary = binary
        self.max_documents = max_documents
        self.max_total_documents = max_total_documents
        self.labeller_options = {
            "n_keywords": n_keywords,
            "max_candidates": max_candidates,
            "diversity": diversity,
            "extend_share": extend_share,
            "label_phrases": label_phrases,
            "closeness_weight": closeness_weight,
        }

    def get_params(self) -> dict:
        return {
            "labels": "phrases as written: c-TF-IDF over themes + cosine to the centroid of the "
            "representatives, maximal marginal relevance; lemma c-TF-IDF as fallback",
            **self.labeller_options,
            "max_documents": self.max_documents,
            "max_total_documents": self.max_total_documents,
            "keywords_fallback": f"c-TF-IDF over lemmas, binary={self.binary}",
            "label_words": self.label_words,
            "n_representatives": self.n_representatives,
            "typicality": "cosine to the theme centroid in embedding space",
        }

    def _stop_words(self, lang: str) -> frozenset[str]:
        extra = light_words(lang) if self.extra_stop_words is None else self.extra_stop_words
        return self.stop_words | STOP_WORDS[lang] | extra

    def describe(
        self,
        lemmas: Sequence[Sequence[str]],
        labels: np.ndarray,
        embeddings: np.ndarray,
        texts: Sequence[str] | None = None,
        rows: Sequence[int] | None = None,
        *,
        lang: str | None = None,
        encode: Encode | None = None,
        part_of_speech: Mapping[str, str] | None = None,
    ) -> dict[int, ThemeDescription]:
        """One description per label ≥ 0. ``rows`` maps local positions to input row indices;
        ``texts`` (same positions) give the phrases of labels and let representatives skip exact
        repeats of a verbatim. ``lang``: "fr" or "en" (detected from ``texts`` when None).
        ``encode(list of texts) -> array`` ranks phrases by their closeness to the theme too.
        ``part_of_speech``: each lower-case form's usual tag (``Preprocessor.part_of_speech_``),
        which keeps phrases to nouns and adjectives."""
        labels = np.asarray(labels)
        rows = np.arange(len(labels)) if rows is None else np.asarray(rows)
        if lang is None:
            lang = choose_language(texts).language if texts is not None else "fr"
        stop_words = self._stop_words(lang)
        # Numbers, emoji and one-letter tokens never make a keyword.
        words = [[t for t in document if sum(ch.isalpha() for ch in t) >= 2] for document in lemmas]
        ctfidf = ClassTfidf(stop_words, binary=self.binary).fit(words, labels)
        normalised = l2_normalise(np.asarray(embeddings, dtype=np.float32))
        ordered, typicalities = {}, {}
        for label in ctfidf.classes_:
            local = np.flatnonzero(labels == label)
            centroid = l2_normalise(normalised[local].mean(axis=0, keepdims=True))[0]
            typicality = normalised[local] @ centroid
            # Most typical first; equal typicality keeps input order, for stable results.
            order = sorted(
                range(len(local)), key=lambda i: (-round(float(typicality[i]), 6), rows[local[i]])
            )
            ordered[label] = [int(local[i]) for i in order]
            typicalities[label] = tuple(round(float(typicality[i]), 6) for i in order)
        representatives = {
            label: self._representatives(ordered[label], texts) for label in ctfidf.classes_
        }
        phrased = {}
        if texts is not None:
            labeller = PhraseLabeller(lang, stop_words, **self.labeller_options)
            documents = clauses_of(self._read(ordered), texts, lemmas, lang)
            rep_texts = {label: [texts[i] for i in representatives[label]]
                         for label in ctfidf.classes_}
            phrased = labeller.label(documents, encode, rep_texts, part_of_speech)
        out = {}
        for label in ctfidf.classes_:
            if label in phrased:
                name, keywords = phrased[label].label, phrased[label].keywords
            else:
                keywords = ctfidf.keywords(label, self.n_keywords)
                name = " · ".join(keywords[: self.label_words]) or "(sans mots-clés)"
            out[label] = ThemeDescription(
                label=name,
                keywords=keywords,
                members=tuple(int(rows[i]) for i in ordered[label]),
                representatives=tuple(int(rows[i]) for i in representatives[label]),
                typicality=typicalities[label],
            )
        return out

    def _read(self, ordered: dict[int, list[int]]) -> dict[int, list[int]]:
        """The most typical members of each theme whose phrases are read: at most
        ``max_documents`` per theme and about ``max_total_documents`` in all, shared by size
        (at least 30 a theme), so that labelling 100,000 verbatims costs what 5,000 do."""
        total = sum(len(members) for members in ordered.values()) or 1
        return {
            label: members[: min(self.max_documents, max(
                30, round(self.max_total_documents * len(members) / total)))]
            for label, members in ordered.items()
        }

    def _representatives(self, ordered_local, texts) -> list[int]:
        """Local positions of the most typical distinct verbatims."""
        chosen, seen = [], set()
        for i in ordered_local:
            key = " ".join(texts[i].lower().split()) if texts is not None else i
            if key in seen:
                continue
            seen.add(key)
            chosen.append(int(i))
            if len(chosen) == self.n_representatives:
                break
        return chosen


def clauses_of(
    positions: dict[int, list[int]],
    texts: Sequence[str],
    lemmas: Sequence[Sequence[str]],
    lang: str,
) -> dict[int, list[list[list[tuple[str, str]]]]]:
    """Per theme, its verbatims at ``positions`` cut again by the Preprocessor's tokeniser into
    clauses of (written form, lemma), punctuation removed. The words left are those of the
    verbatim's analysis, so the analysis's lemmas are reused; a verbatim whose words and lemmas
    disagree was not analysed from this text, and gives no phrase."""
    from .preprocess import MAX_CHARACTERS, tokenizer_for

    tokenizer = tokenizer_for(lang)
    wanted = sorted({i for members in positions.values() for i in members})
    cut = {}
    for i, doc in zip(
        wanted,
        tokenizer.pipe((texts[i][:MAX_CHARACTERS] for i in wanted), batch_size=1000),
        strict=True,
    ):
        words = [t for t in doc if not t.is_space]
        own = lemmas[i]
        if sum(1 for t in words if not t.is_punct) != len(own):
            cut[i] = []
            continue
        clauses, clause, k = [], [], 0
        for position, token in enumerate(words):
            if token.is_punct:
                if _joins(words, position):  # "week-end", "vélos-cargos": one word again
                    continue
                if clause:
                    clauses.append(clause)
                clause = []
                continue
            pair = (token.text, own[k])
            k += 1
            if position >= 2 and _joins(words, position - 1):
                form, lemma = clause.pop()
                pair = (f"{form}-{pair[0]}", f"{lemma}-{pair[1]}")
            clause.append(pair)
        if clause:
            clauses.append(clause)
        cut[i] = clauses
    return {label: [cut[i] for i in members] for label, members in positions.items()}


def _joins(words, position: int) -> bool:
    """Whether ``words[position]`` is a hyphen written between two words, without spaces."""
    token = words[position]
    return (
        token.text == "-"
        and 0 < position < len(words) - 1
        and not words[position - 1].whitespace_
        and not token.whitespace_
        and not words[position - 1].is_punct
        and not words[position + 1].is_punct
    )
