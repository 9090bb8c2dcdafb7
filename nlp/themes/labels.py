"""Name a theme with a phrase a person would write: "temps des bénévoles", not "temps · bénévole".

Candidates are the phrases of the theme's verbatims, **as written** (lower case, acronyms kept):
windows of one to six words, inside one clause (punctuation cuts), that begin and end with a
content word and hold at most three of them; between content words only connectors may stand
("de", "des", "du", "d'", "l'", "à", "pour", "sur"… in French; "of", "for", "the"… in English).
So "temps des bénévoles" and "protection des données des bénéficiaires" are candidates, and
"les bénévoles sont", "est-ce que" or "' eau" never are. A candidate never starts or ends with a
stop word, an elided article ("l'"), a token starting with "-" ("-ce", "-t-il") or a number.

Why windows bounded by stop words and connectors rather than POS patterns or noun chunks: the
French pipeline runs without its parser (no noun chunks), English texts have no tagger at all
(``spacy.blank("en")``), and the tagger's part-of-speech tags are only computed for a sample
of a large corpus. Re-tagging the verbatims to label them would cost more than the 10 % of an
analysis we allow ourselves; re-cutting them with the tokeniser is about 100 times cheaper, and
the stop-word and connector lists do most of the work a noun-phrase pattern would do. What is
lost: a verb may start a candidate ("trouver des bénévoles"); the ranking below seldom picks it.

Variants of one phrase ("donnée personnelle", "données personnelles") are counted together by
their lemmas and shown in their most frequent written form, so no lemma reaches the label.

Ranking, per theme (as BERTopic's KeyBERTInspired and MaximalMarginalRelevance representations
do, rewritten here for phrases):

1. class-based TF-IDF of each candidate over the themes (a verbatim counts a phrase once), the
   ``max_candidates`` heaviest kept;
2. when an ``encode`` callable is given, the cosine between each candidate's embedding and the
   centroid of the theme's representative verbatims, embedded in the same batch; relevance is
   the mean of the two scores, each rescaled to 0..1 within the theme (c-TF-IDF alone otherwise);
3. maximal marginal relevance: each next keyword maximises
   ``(1 - diversity) · relevance - diversity · similarity to those already chosen`` (cosine of
   embeddings, or the overlap of their lemmas), so the keywords do not repeat one idea.

The label is the first keyword, extended to a longer phrase holding it when that phrase is
written at least ``extend_share`` as often ("bénévoles" → "temps des bénévoles"), and followed
by the next keyword that shares none of its words when both fit in ``MAX_LABEL_WORDS`` words
("machine · dame"). A label another, larger theme already took is not used twice. On the label
benchmark (docs/benchmarks.md) two phrases were accepted more often than one (SIB-200: 83 % of
themes against 58 %), and a weight of 0.3 for the closeness to the centroid more often than 0
or 0.5 (SIB-200: 83 % against 79 % and 75 %; the demo consultations, whose themes are less
pure, preferred 0.5).

:func:`artefact` tells whether a label or keyword holds something no person would write.

This module is plain Python and numpy: no Flask, no database, no spaCy.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .language import STOP_WORDS

# Words that may stand between two content words of a phrase.
CONNECTORS = {
    "fr": frozenset(
        "de des du d' d’ la le les l' l’ à au aux en pour sur par avec sans entre contre sous "
        "dans chez".split()
    ),
    "en": frozenset("of for the a an in on with".split()),
}
# Verbs of modality, bare answers and fillers that stop-word lists keep: they crowded labels on
# SIB-200 ("utiliser · internet · pouvoir"), on the demo consultations ("cas · ca · dépendre")
# and on Polis's brexit-consensus ("think · just · like").
LIGHT_WORDS = {
    "fr": frozenset(
        "pouvoir devoir falloir vouloir faire aller bien oui non ca ça chose trop "
        "plutôt vraiment aussi".split()
    ),
    "en": frozenset(
        "think just like want need make get going really yes no thing things way lot "
        "don't dont also".split()
    ),
}
# Expressions whose noun names no theme: "d'accord" says a stance ("je suis d'accord", "pas
# d'accord"), and in a consultation it is everywhere (181 times in the demo's 381 verbatims,
# where it made labels such as "accord · horaires").
EXPRESSIONS = frozenset({("d'", "accord"), ("d’", "accord")})
MAX_TOKENS = 6
MAX_LABEL_WORDS = 5
MAX_CONTENT = 3

Encode = Callable[[list[str]], np.ndarray]
# A clause of a verbatim: its words as (written form, lemma), punctuation removed.
Clause = Sequence[tuple[str, str]]

_APOSTROPHES = ("'", "’")
_NOUNS = frozenset({"NOUN", "PROPN"})
_NOMINAL = frozenset({"NOUN", "PROPN", "ADJ", None})
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def light_words(lang: str) -> frozenset[str]:
    return LIGHT_WORDS.get(lang, frozenset())


def is_content(form: str, lemma: str, stop_words: frozenset[str]) -> bool:
    """Whether a word may begin or end a phrase: two letters at least, no digit-only, no
    elision, no leading hyphen, and neither its form nor its lemma a stop or light word."""
    lower = form.lower()
    return (
        sum(ch.isalpha() for ch in form) >= 2
        and all(ch.isalpha() or ch in "-'’" for ch in form)  # no e-mail, address or number
        and not form.startswith("-")
        and not lower.endswith(_APOSTROPHES)
        and lower not in stop_words
        and lemma not in stop_words
    )


def join(forms: Sequence[str]) -> str:
    """Words back into text: no space after an elision ("de l'eau")."""
    out = ""
    for form in forms:
        if out and not out.endswith(_APOSTROPHES):
            out += " "
        out += form
    return out


def phrases(
    clause: Clause,
    stop_words: frozenset[str],
    connectors: frozenset[str],
    part_of_speech: Mapping[str, str] | None = None,
):
    """Every candidate window of a clause, as (lemmas, written forms).

    With ``part_of_speech`` (lower-case form → tag), content words must be nouns, proper nouns
    or adjectives (or of unknown tag), and a window must hold a noun unless no tag is known:
    "machine calcule" and a lone "bonne" are not candidates, "validation humaine" is."""
    tags = [part_of_speech.get(f.lower()) for f, _ in clause] if part_of_speech else None
    content = [
        is_content(f, lemma, stop_words) and (tags is None or tags[k] in _NOMINAL)
        for k, (f, lemma) in enumerate(clause)
    ]
    for k in range(1, len(clause)):
        if (clause[k - 1][0].lower(), clause[k][0].lower()) in EXPRESSIONS:
            content[k] = False
    linking = [f.lower() in connectors for f, _ in clause]
    for i in range(len(clause)):
        if not content[i]:
            continue
        n_content, nouns, known = 0, 0, 0
        for j in range(i, min(i + MAX_TOKENS, len(clause))):
            if content[j]:
                n_content += 1
                if n_content > MAX_CONTENT:
                    break
                if tags is not None and tags[j] is not None:
                    known += 1
                    nouns += tags[j] in _NOUNS
                if tags is not None and known and not nouns:
                    continue
                window = clause[i : j + 1]
                yield tuple(lemma for _, lemma in window), tuple(f for f, _ in window)
            elif not linking[j]:
                break


def _shown(form: str, part_of_speech: Mapping[str, str] | None) -> str:
    """Lower case, except acronyms (EU, NHS, RGPD) and proper nouns when tags are known."""
    if len(form) >= 2 and form.isupper() and form.isalpha():
        return form
    if part_of_speech and part_of_speech.get(form.lower()) == "PROPN":
        return form
    return form.lower()


@dataclass(frozen=True)
class Labelled:
    label: str
    keywords: tuple[str, ...]


class PhraseLabeller:
    """Labels and keywords in written form for groups of clauses (module docstring)."""

    def __init__(
        self,
        lang: str = "fr",
        stop_words: frozenset[str] | None = None,
        n_keywords: int = 10,
        max_candidates: int = 30,
        diversity: float = 0.3,
        extend_share: float = 0.3,
        label_phrases: int = 2,
        closeness_weight: float = 0.3,
    ):
        self.lang = lang
        self.closeness_weight = closeness_weight
        base = STOP_WORDS.get(lang, frozenset()) if stop_words is None else stop_words
        self.stop_words = frozenset(base) | light_words(lang)
        self.connectors = CONNECTORS.get(lang, frozenset())
        self.n_keywords = n_keywords
        self.max_candidates = max_candidates
        self.diversity = diversity
        self.extend_share = extend_share
        self.label_phrases = label_phrases

    def get_params(self) -> dict:
        return {
            "labels": "phrases as written, c-TF-IDF + cosine to the centroid, MMR",
            "max_candidates": self.max_candidates,
            "diversity": self.diversity,
            "extend_share": self.extend_share,
            "label_phrases": self.label_phrases,
            "closeness_weight": self.closeness_weight,
        }

    def label(
        self,
        documents: Mapping[int, Sequence[Sequence[Clause]]],
        encode: Encode | None = None,
        representatives: Mapping[int, Sequence[str]] | None = None,
        part_of_speech: Mapping[str, str] | None = None,
    ) -> dict[int, Labelled]:
        """``documents``: per theme, its verbatims, each a list of clauses. ``representatives``:
        per theme, the verbatims whose embeddings' centroid stands for it (needed with
        ``encode``). ``part_of_speech``: see :func:`phrases`. Themes without any candidate are
        left out of the result."""
        themes = sorted(documents)
        counts, forms = self._count(themes, documents, part_of_speech)
        sizes = {theme: len(documents[theme]) for theme in themes}
        pools = self._pools(themes, counts, sizes)
        relevance = {t: np.array([w for _, w in pools[t]]) for t in themes}
        vectors: dict[tuple[str, ...], np.ndarray] = {}
        if encode is not None and representatives is not None:
            vectors, relevance = self._embed(themes, pools, forms, relevance, encode,
                                             representatives)
        out, used = {}, set()
        # Larger themes choose first; a theme does not take a label another already has.
        for theme in sorted(themes, key=lambda t: (-sizes[t], t)):
            pool = [key for key, _ in pools[theme]]
            if not pool:
                continue
            chosen = self._mmr(pool, relevance[theme], vectors)
            heads = [self._extend(key, counts[theme]) for key in chosen]
            best = next((h for h in heads if forms[h] not in used), heads[0])
            used.add(forms[best])
            keywords = [forms[best]] + [forms[k] for k in chosen if forms[k] != forms[best]]
            label_keys = [best]
            for key in chosen:  # further phrases only while the label stays short
                if len(label_keys) == self.label_phrases:
                    break
                if any(self._overlaps(key, k) for k in label_keys):
                    continue
                if sum(len(k) for k in label_keys) + len(key) <= MAX_LABEL_WORDS:
                    label_keys.append(key)
            label = " · ".join(forms[k] for k in label_keys)
            out[theme] = Labelled(label=label, keywords=tuple(keywords[: self.n_keywords]))
        return out

    def _count(self, themes, documents, part_of_speech):
        """Per theme, in how many verbatims each phrase occurs; the written form of each."""
        counts: dict[int, Counter] = {}
        written: dict[tuple[str, ...], Counter] = {}
        for theme in themes:
            counter = counts[theme] = Counter()
            for document in documents[theme]:
                seen = set()
                for clause in document:
                    for key, surface in phrases(
                        clause, self.stop_words, self.connectors, part_of_speech
                    ):
                        written.setdefault(key, Counter())[surface] += 1
                        seen.add(key)
                counter.update(seen)
        forms = {}
        for key, variants in written.items():
            # The most frequent written form; ties go to the alphabetically first.
            surface = min(variants, key=lambda s, v=variants: (-v[s], s))
            forms[key] = join([_shown(f, part_of_speech) for f in surface])
        return counts, forms

    def _pools(self, themes, counts, sizes):
        """Per theme, its ``max_candidates`` heaviest phrases by c-TF-IDF, heaviest first.
        A phrase must occur in two verbatims of a theme; a single word in one will do for a
        theme of fewer than 10 verbatims."""
        from .describe import class_tfidf

        kept = sorted({
            key
            for theme in themes
            for key, n in counts[theme].items()
            if n >= 2 or (sizes[theme] < 10 and len(key) == 1)
        })
        column = {key: j for j, key in enumerate(kept)}
        matrix = np.zeros((len(themes), len(kept)))
        for row, theme in enumerate(themes):
            for key, n in counts[theme].items():
                if key in column:
                    matrix[row, column[key]] = n
        weights = class_tfidf(matrix) if kept else matrix
        pools = {}
        for row, theme in enumerate(themes):
            w = weights[row]
            order = sorted(np.flatnonzero(w > 0), key=lambda j, w=w: (-w[j], kept[j]))
            top = order[: self.max_candidates]
            best = w[top[0]] if top else 1.0
            pools[theme] = [(kept[j], float(w[j] / best)) for j in top]
        return pools

    def _embed(self, themes, pools, forms, relevance, encode, representatives):
        """One batch: every candidate phrase and every representative verbatim."""
        keys = sorted({key for theme in themes for key, _ in pools[theme]})
        reps = [(theme, text) for theme in themes for text in representatives.get(theme, ())]
        batch = [forms[k] for k in keys] + [text for _, text in reps]
        if not batch:
            return {}, relevance
        embedded = _normalise(np.asarray(encode(batch), dtype=np.float32))
        vectors = dict(zip(keys, embedded[: len(keys)], strict=True))
        rep_vectors = embedded[len(keys):]
        for theme in themes:
            rows = [i for i, (t, _) in enumerate(reps) if t == theme]
            if not rows or not pools[theme]:
                continue
            centroid = _normalise(rep_vectors[rows].mean(axis=0, keepdims=True))[0]
            cosine = np.array([vectors[key] @ centroid for key, _ in pools[theme]])
            w = self.closeness_weight
            relevance[theme] = (1 - w) * relevance[theme] + w * _rescale(cosine)
        return vectors, relevance

    def _mmr(self, pool, relevance, vectors) -> list[tuple[str, ...]]:
        n = len(pool)
        similarity = np.zeros((n, n))
        lemma_sets = [set(key) - self.connectors for key in pool]
        for i in range(n):
            for j in range(i + 1, n):
                overlap = len(lemma_sets[i] & lemma_sets[j]) / len(lemma_sets[i] | lemma_sets[j])
                if vectors:
                    overlap = max(overlap, float(vectors[pool[i]] @ vectors[pool[j]]))
                similarity[i, j] = similarity[j, i] = overlap
        chosen = [int(np.argmax(relevance))]
        while len(chosen) < min(n, self.n_keywords):
            rest = [i for i in range(n) if i not in chosen]
            score = [
                (1 - self.diversity) * relevance[i] - self.diversity * similarity[i, chosen].max()
                for i in rest
            ]
            chosen.append(rest[int(np.argmax(score))])
        return [pool[i] for i in chosen]

    def _overlaps(self, a: tuple[str, ...], b: tuple[str, ...]) -> bool:
        return bool((set(a) & set(b)) - self.connectors)

    def _extend(self, key, counts: Counter) -> tuple[str, ...]:
        """The longer phrase holding ``key`` written most often, if often enough; else ``key``."""
        floor = self.extend_share * counts[key]
        longer = [
            other for other, n in counts.items()
            if len(other) > len(key) and n >= max(floor, 2) and _contains(other, key)
        ]
        if not longer:
            return key
        return min(longer, key=lambda other: (-counts[other], len(other), other))


def artefact(text: str, lang: str | None = None, vocabulary: set[str] | None = None) -> bool:
    """Whether a label or keyword (parts separated by " · ") holds what no person would write.

    An artefact: an empty part, a lone apostrophe, a word starting with "-" ("-ce", "-t-il"), a
    number alone, a part starting or ending with a stop word of ``lang`` (of French or English
    when None) or an elided article ("l'"). With ``vocabulary`` (the lower-case words of the
    texts, as cut by ``_WORD``), a word the texts never wrote — a lemma such as "haver" — is one
    too.
    """
    stop_words = STOP_WORDS[lang] if lang else STOP_WORDS["fr"] | STOP_WORDS["en"]
    for part in text.split(" · "):
        words = part.split()
        if not words:
            return True
        if any(w in _APOSTROPHES or w.startswith("-") or w.isdigit() for w in words):
            return True
        for edge in (words[0].lower(), words[-1].lower()):
            if edge in stop_words or edge.endswith(_APOSTROPHES):
                return True
        if vocabulary is not None and any(
            w not in vocabulary for w in _WORD.findall(part.lower())
        ):
            return True
    return False


def vocabulary_of(texts: Sequence[str]) -> set[str]:
    """The lower-case words of texts, cut as :func:`artefact` cuts labels."""
    return {w for text in texts for w in _WORD.findall(text.lower())}


def _contains(longer: tuple[str, ...], key: tuple[str, ...]) -> bool:
    return any(longer[i : i + len(key)] == key for i in range(len(longer) - len(key) + 1))


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _rescale(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.ones_like(values)
