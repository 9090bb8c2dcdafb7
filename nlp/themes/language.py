"""Which language a consultation's verbatims are written in: French or English, told by stop words.

The theme analysis handles two languages: French (spaCy's ``fr_core_news_md``) and English
(spaCy's English tokeniser and stop words, which need no model). When the caller does not say
which, :func:`choose_language` looks at the texts: the language whose stop words make the larger
share of their words wins.

Why a stop-word count rather than a language detector from PyPI: we only need to choose between
the languages we can process, and for that the two stop-word lists spaCy already ships (507
French, 326 English words) are enough — on whole verbatims, French and English are never close.
The detectors we looked at either carry 75 languages' models in a 96 MB wheel
(``lingua-language-detector``), are no longer maintained and draw at random unless seeded
(``langdetect``, last release 2021), or would name languages the analysis cannot process anyway
(``py3langid``, 97 languages, 4.6 MB). Nothing is downloaded at run time.

Limits: a corpus mixing the two languages gets the language of its majority; another language
(Spanish, German…) gets whichever of the two its words resemble most, usually neither strongly;
texts with almost no stop words (lists of keywords, emoji) fall back to French, and the result
says that the language was not detected.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FRENCH_STOP_WORDS

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
STOP_WORDS = {"fr": frozenset(FRENCH_STOP_WORDS), "en": frozenset(ENGLISH_STOP_WORDS)}
# The language's name in French and in English, for messages.
NAMES = {"fr": ("français", "French"), "en": ("anglais", "English")}

# Verbatims read, evenly spaced, and words read from each: enough to tell French from English
# with thousands of words, and the same cost for 100 or 100,000 verbatims.
SAMPLE_TEXTS = 1_000
SAMPLE_WORDS = 100
# Fewer stop words than this, of either language, and we do not claim to know.
MIN_EVIDENCE = 5

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class LanguageChoice:
    """The language an analysis used, and whether it was detected from the texts.

    ``detected`` is False when the caller gave the language, and when the texts held too few
    stop words of either language to tell (then ``language`` is French, the default).
    ``stop_word_shares`` gives, per language, the share of the sampled words that are its stop
    words (empty when the language was given).
    """

    language: str
    detected: bool
    stop_word_shares: tuple[tuple[str, float], ...] = ()

    @property
    def name(self) -> tuple[str, str]:
        """The language's name in French and in English: ("anglais", "English")."""
        return NAMES[self.language]


def check_language(lang: str | None) -> str | None:
    """``lang`` itself when it is None or a supported code; a ValueError otherwise."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    return lang


def choose_language(texts: Sequence[str | None], lang: str | None = None) -> LanguageChoice:
    """``lang`` when given (``detected=False``), else the language detected from ``texts``."""
    if check_language(lang) is not None:
        return LanguageChoice(lang, detected=False)
    return detect_language(texts)


def detect_language(texts: Sequence[str | None]) -> LanguageChoice:
    """French or English, whichever has more of its stop words among the texts' words.

    Words only one of the two lists holds decide ("a", "on", "me"… are in both); the shares
    reported count every stop word. Reads at most ``SAMPLE_TEXTS`` verbatims, evenly spaced, and
    their first ``SAMPLE_WORDS`` words.
    """
    words = [w for text in _sample(texts) for w in _WORD.findall(text.lower())[:SAMPLE_WORDS]]
    shared = STOP_WORDS["fr"] & STOP_WORDS["en"]
    own = {lang: sum(1 for w in words if w in STOP_WORDS[lang] and w not in shared)
           for lang in LANGUAGES}
    shares = tuple(
        (lang, round(sum(1 for w in words if w in STOP_WORDS[lang]) / len(words), 4)
         if words else 0.0)
        for lang in LANGUAGES
    )
    best = max(LANGUAGES, key=lambda lang: (own[lang], lang == DEFAULT_LANGUAGE))
    if own[best] < MIN_EVIDENCE:
        return LanguageChoice(DEFAULT_LANGUAGE, detected=False, stop_word_shares=shares)
    return LanguageChoice(best, detected=True, stop_word_shares=shares)


def _sample(texts: Sequence[str | None]) -> list[str]:
    texts = [t for t in texts if t]
    if len(texts) <= SAMPLE_TEXTS:
        return texts
    step = len(texts) / SAMPLE_TEXTS
    return [texts[int(k * step)] for k in range(SAMPLE_TEXTS)]
