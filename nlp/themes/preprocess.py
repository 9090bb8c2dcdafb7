"""Cut verbatims into tokens and lemmas with spaCy; set apart those too short to mean much.

The model (``fr_core_news_md``) is loaded once, on first use, without its parser and named-entity
recogniser: lemmas need only the tagger side of the pipeline (tok2vec, morphologizer,
attribute_ruler, lemmatizer), which is about twice as fast as the full pipeline.

Even so the tagger reads about 20,000 words a second on one core, i.e. close to five minutes for
100,000 verbatims of two sentences. Above ``contextual_limit`` verbatims we therefore run the
tagger on an evenly spaced sample only, learn from it the usual lemma of each word form, and
tokenise the rest (≈100 times faster), looking lemmas up in that table; forms the sample never saw
are lemmatised on their own. On SIB-200 this agrees with full contextual lemmatisation for 97 % of
content words (measured, see docs/themes.md); the lemmas feed keywords, where that is plenty.

English texts (``lang="en"``, or ``lang=None`` and detected by :mod:`nlp.themes.language`) are
only tokenised, by spaCy's English rules (``spacy.blank("en")``, no model), with English stop
words; a token's "lemma" is its lower-case form, since the French lemmatiser turns English into
nonsense ("have" → "haver"). French analysis, the default, is as it was.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata

import numpy as np

from .language import DEFAULT_LANGUAGE, STOP_WORDS, LanguageChoice, check_language, choose_language
from .stages import Progress

MODEL = "fr_core_news_md"
# Components the lemmatiser needs; the parser and the NER are excluded when loading.
EXCLUDED_COMPONENTS = ("parser", "ner")
# Characters analysed per verbatim: a pasted report should not cost a minute of tagging. 10,000
# characters is about four pages, far beyond any contribution we have seen.
MAX_CHARACTERS = 10_000
# The too-short rule: a verbatim needs at least this many content words to be grouped. Measured
# on the demo consultations and SIB-200: no sentence of either falls under it, while "Oui.",
# "Non merci", "Pas d'accord", "👍👍" or "Très bien !" do (docs/themes.md).
MIN_CONTENT_WORDS = 2



@dataclass(frozen=True)
class Analysis:
    """One verbatim cut into tokens, with the lemma of each and whether it is a content word.

    A content word has at least two letters, is not a number, and neither its form nor its lemma
    is a French stop word. Lemmas are lower case.
    """

    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    content: tuple[bool, ...]

    @property
    def content_lemmas(self) -> tuple[str, ...]:
        return tuple(lemma for lemma, keep in zip(self.lemmas, self.content, strict=True) if keep)

    @property
    def content_tokens(self) -> tuple[str, ...]:
        return tuple(token for token, keep in zip(self.tokens, self.content, strict=True) if keep)


def is_too_short(analysis: Analysis, min_content_words: int = MIN_CONTENT_WORDS) -> bool:
    """Whether a verbatim has fewer content words than a theme can be built on."""
    return sum(analysis.content) < min_content_words


@lru_cache(maxsize=2)
def load_model(model: str = MODEL):
    """spaCy's pipeline without the parser and NER, loaded once per process."""
    import spacy

    return spacy.load(model, exclude=list(EXCLUDED_COMPONENTS))


@lru_cache(maxsize=2)
def load_blank(lang: str):
    """spaCy's rules for a language without any model (tokeniser, stop words), once per process."""
    import spacy

    return spacy.blank(lang)


def tokenizer_for(lang: str, model: str = MODEL):
    """The tokeniser the Preprocessor uses for ``lang``: the model's for French, spaCy's rules
    for English. Cutting a text again with it gives the same tokens as its Analysis."""
    return load_model(model).tokenizer if lang == "fr" else load_blank(lang).tokenizer


class Preprocessor:
    """spaCy analysis in batches: tokens, lemmas and content flags for each verbatim.

    ``lang``: "fr" (the default), "en", or None to detect it from the texts of each
    :meth:`analyse` call; :attr:`language` then says which was used and whether it was detected.
    """

    def __init__(
        self,
        model: str = MODEL,
        batch_size: int = 256,
        contextual_limit: int = 5_000,
        max_characters: int = MAX_CHARACTERS,
        lang: str | None = DEFAULT_LANGUAGE,
    ):
        if contextual_limit < 1:
            raise ValueError("contextual_limit must be at least 1")
        self.model = model
        self.batch_size = batch_size
        self.contextual_limit = contextual_limit
        self.max_characters = max_characters
        self.lang = check_language(lang)
        self.language_: LanguageChoice | None = None
        # After an analysis of French texts: each lower-case word form's usual part of speech
        # in the tagged verbatims ("vélos": "NOUN"), which labels use to keep to noun phrases.
        self.part_of_speech_: dict[str, str] = {}
        self._nlp = None

    @property
    def language(self) -> LanguageChoice:
        """The language of the last analysis; before any, the one given (or French, undetected)."""
        if self.language_ is not None:
            return self.language_
        return LanguageChoice(self.lang or DEFAULT_LANGUAGE, detected=False)

    @property
    def nlp(self):
        """The French spaCy pipeline, loaded on first use (about 5 s) and shared by every
        Preprocessor. Its word vectors serve the fast embedder whatever the language."""
        if self._nlp is None:
            self._nlp = load_model(self.model)
        return self._nlp

    @property
    def stop_words(self) -> frozenset[str]:
        """spaCy's stop words of the language, lower case (507 French, 326 English words)."""
        if self.language.language == "fr":
            return frozenset(self.nlp.Defaults.stop_words)
        return STOP_WORDS[self.language.language]

    def version(self) -> str:
        """The model and its version, e.g. ``fr_core_news_md==3.8.0``; for English texts, the
        spaCy rules that cut them too."""
        try:
            version = f"{self.model}=={metadata.version(self.model)}"
        except metadata.PackageNotFoundError:
            version = f"{self.model}=={self.nlp.meta.get('version', '?')}"
        if self.language.language != "fr":
            version += f", spacy.blank({self.language.language!r})=={metadata.version('spacy')}"
        return version

    def analyse(self, texts: Sequence[str], progress: Progress | None = None) -> list[Analysis]:
        """Analyse each text; the result has one :class:`Analysis` per text, in order."""
        texts = [text[: self.max_characters] for text in texts]
        self.language_ = choose_language(texts, self.lang)
        self.part_of_speech_ = {}
        total = len(texts)
        if total == 0:
            return []
        if self.language_.language != "fr":
            return self._tokenise_only(texts, progress)
        from spacy.attrs import LEMMA, ORTH, POS

        nlp = self.nlp
        reader = _Reader(nlp, self.stop_words)
        results: list[Analysis | None] = [None] * total
        if total <= self.contextual_limit:
            contextual = list(range(total))
        else:  # an evenly spaced sample, so that the lemma table sees the whole corpus
            contextual = sorted(set(np.linspace(0, total - 1, self.contextual_limit).astype(int)))
        sampled = len(contextual) < total
        table: dict[int, Counter] = {}
        tags: Counter = Counter()
        docs = nlp.pipe((texts[i] for i in contextual), batch_size=self.batch_size)
        for done, (index, doc) in enumerate(zip(contextual, docs, strict=True), start=1):
            triples = doc.to_array([ORTH, LEMMA, POS]).tolist()
            tags.update((orth, pos) for orth, _, pos in triples)
            pairs = [(orth, lemma) for orth, lemma, _ in triples]
            results[index] = reader.analysis(pairs)
            if sampled:
                for orth, lemma in pairs:
                    table.setdefault(orth, Counter())[reader.lemma(lemma)] += 1
            if progress is not None and done % self.batch_size == 0:
                progress("preprocess", done, total)

        if sampled:
            rest = [i for i in range(total) if results[i] is None]
            arrays = [
                doc.to_array([ORTH]).ravel().tolist()
                for doc in nlp.tokenizer.pipe((texts[i] for i in rest), batch_size=1000)
            ]
            # The usual lemma of each form in the sample; ties go to the alphabetically first.
            lemma_of = {
                orth: min(counts, key=lambda lemma, c=counts: (-c[lemma], lemma))
                for orth, counts in table.items()
            }
            unseen = sorted(
                {orth for orths in arrays for orth in orths} - lemma_of.keys(),
                key=lambda orth: reader.form(orth)[0],
            )
            alone = nlp.pipe((reader.form(orth)[0] for orth in unseen), batch_size=1000)
            for orth, doc in zip(unseen, alone, strict=True):
                alone_lemma = doc[0].lemma_ if len(doc) == 1 else reader.form(orth)[0]
                lemma_of[orth] = alone_lemma.lower()
            for index, orths in zip(rest, arrays, strict=True):
                results[index] = reader.analysis([(orth, lemma_of[orth]) for orth in orths])
        self.part_of_speech_ = _usual_tags(tags, reader, nlp.vocab.strings)
        if progress is not None:
            progress("preprocess", total, total)
        return results  # type: ignore[return-value]

    def _tokenise_only(self, texts: list[str], progress: Progress | None) -> list[Analysis]:
        """English: spaCy's English tokeniser; a token's lemma is its lower-case form."""
        from spacy.attrs import ORTH

        blank = load_blank(self.language.language)
        reader = _Reader(blank, self.stop_words)
        results = []
        for doc in blank.tokenizer.pipe(texts, batch_size=1000):
            orths = doc.to_array([ORTH]).ravel().tolist()
            results.append(reader.analysis([(o, reader.form(o)[0].lower()) for o in orths]))
        if progress is not None:
            progress("preprocess", len(texts), len(texts))
        return results


def _usual_tags(tags: Counter, reader: _Reader, strings) -> dict[str, str]:
    """Each lower-case form's most frequent tag; ties go to the alphabetically first."""
    by_form: dict[str, Counter] = {}
    for (orth, pos), n in tags.items():
        by_form.setdefault(reader.form(orth)[0].lower(), Counter())[strings[pos]] += n
    return {form: min(c, key=lambda tag, c=c: (-c[tag], tag)) for form, c in by_form.items()}


class _Reader:
    """Turns spaCy's token hashes into an Analysis, remembering what it has already looked up.

    Reading arrays of hashes rather than Token objects, with a cache per distinct form, made
    preprocessing of 30,000 verbatims 10 s faster (Token objects cost 1 µs each to create).
    """

    def __init__(self, nlp, stop_words: frozenset[str]):
        self.vocab = nlp.vocab
        self.stop_words = stop_words
        self._forms: dict[int, tuple[str, bool, bool]] = {}
        self._lemmas: dict[int, str] = {}
        self._content: dict[tuple[int, str], bool] = {}

    def form(self, orth: int) -> tuple[str, bool, bool]:
        """(text, kept: not punctuation or space, number-like) of a form's hash."""
        info = self._forms.get(orth)
        if info is None:
            lexeme = self.vocab[orth]
            info = (lexeme.orth_, not (lexeme.is_punct or lexeme.is_space), lexeme.like_num)
            self._forms[orth] = info
        return info

    def lemma(self, lemma: int | str) -> str:
        if isinstance(lemma, str):
            return lemma
        text = self._lemmas.get(lemma)
        if text is None:
            text = self._lemmas[lemma] = self.vocab.strings[lemma].lower()
        return text

    def analysis(self, pairs) -> Analysis:
        tokens, lemmas, content = [], [], []
        for orth, lemma_id in pairs:
            form, kept, number = self.form(orth)
            if not kept:
                continue
            lemma = self.lemma(lemma_id)
            key = (orth, lemma)
            is_content = self._content.get(key)
            if is_content is None:
                is_content = self._content[key] = (
                    not number
                    and sum(ch.isalpha() for ch in form) >= 2
                    and form.lower() not in self.stop_words
                    and lemma not in self.stop_words
                )
            tokens.append(form)
            lemmas.append(lemma)
            content.append(is_content)
        return Analysis(tokens=tuple(tokens), lemmas=tuple(lemmas), content=tuple(content))
