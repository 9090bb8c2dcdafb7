"""Find personal data in French free text and replace it by placeholders.

Contributions are redacted before they are analysed or shown to other members. Two kinds of
detector work together:

- patterns for data with a shape (:mod:`.patterns`): e-mail addresses, French phone numbers,
  IBANs (checked with the ISO 13616 mod-97 key) and French postal addresses;
- person names (:mod:`.names`): spaCy's named-entity recogniser (label ``PER``) plus rules that
  help recall on French text.

Where spans overlap they are merged into one, whose kind comes from the pattern when there is one
(a name inside an e-mail address is part of the address), otherwise from the longer span.

This module is plain Python: no Flask, no database. The spaCy model is loaded once, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .names import Entity, names_a_place, ner_spans, rule_person_spans
from .patterns import pattern_spans
from .spans import PLACEHOLDERS, Redaction, Span

MODEL = "fr_core_news_md"
# Components of the French pipelines that named-entity recognition does not need.
PIPES_NOT_NEEDED = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping spans; the result takes the kind of a pattern span, else the longest."""

    def strength(span: Span) -> tuple[bool, int]:
        return (span.kind != "person", span.end - span.start)

    merged: list[tuple[int, int, Span]] = []  # start, end, strongest member
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1][1]:
            start, end, best = merged[-1]
            merged[-1] = (start, max(end, span.end), max(best, span, key=strength))
        else:
            merged.append((span.start, span.end, span))
    return [Span(start, end, best.kind) for start, end, best in merged]


_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


def _touches_placeholder(text: str, span: Span) -> bool:
    """Whether span overlaps a placeholder already in text: redacting twice must change nothing."""
    return any(
        m.start() < span.end and span.start < m.end()
        for m in _PLACEHOLDER.finditer(text, max(0, span.start - 12), span.end + 12)
    )


def _apply(text: str, spans: list[Span]) -> str:
    pieces, position = [], 0
    for span in spans:
        pieces.append(text[position : span.start])
        pieces.append(PLACEHOLDERS[span.kind])
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


class Redactor:
    """Finds personal data in French text and replaces it by placeholders.

    ``nlp`` is a loaded spaCy pipeline with a ``ner`` component; by default ``fr_core_news_md``
    is loaded on first use, once, with only its entity recogniser (the other components are
    disabled while redacting if a full pipeline is passed in). ``use_ner=False`` keeps the
    patterns and name rules only (no spaCy at all), which is quicker and less thorough.
    """

    def __init__(self, nlp=None, use_ner: bool = True):
        self._nlp = nlp
        self.use_ner = use_ner

    @property
    def nlp(self):
        """The spaCy pipeline, loaded on first use."""
        if self._nlp is None:
            import spacy  # imported here so that the patterns alone never pay for spaCy

            # Only the entity recogniser is needed; it has its own token-to-vector layer.
            self._nlp = spacy.load(MODEL, exclude=PIPES_NOT_NEEDED)
        return self._nlp

    def find(self, text: str) -> list[Span]:
        """The personal data in text, merged, in order of position."""
        return list(self.redact(text).spans)

    def redact(self, text: str) -> Redaction:
        """Replace the personal data in text by placeholders."""
        return self.redact_many([text])[0]

    def redact_many(self, texts: Iterable[str], batch_size: int = 64) -> list[Redaction]:
        """Redact many texts at once; spaCy works through them in batches of batch_size."""
        texts = list(texts)
        entities = self._entities(texts, batch_size) if self.use_ner else [None] * len(texts)
        results = []
        for text, found in zip(texts, entities, strict=True):
            spans = self._spans(text, found)
            results.append(Redaction(_apply(text, spans), tuple(spans)))
        return results

    def _entities(self, texts: list[str], batch_size: int) -> list[list[Entity]]:
        """spaCy's entities for each text; long texts go through the model in pieces."""
        nlp = self.nlp
        disabled = [name for name in nlp.pipe_names if name not in _needed_for_ner(nlp)]
        pieces = [(number, offset, piece) for number, text in enumerate(texts)
                  for offset, piece in _pieces(text)]
        docs = nlp.pipe((piece for _, _, piece in pieces), batch_size=batch_size, disable=disabled)
        entities: list[list[Entity]] = [[] for _ in texts]
        for (number, offset, _), doc in zip(pieces, docs, strict=True):
            entities[number] += [
                Entity(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents
            ]
        return entities

    def _spans(self, text: str, entities: list[Entity] | None) -> list[Span]:
        found = list(pattern_spans(text))
        for span in rule_person_spans(text):
            if not names_a_place(text, span):
                found.append(span)
        for span in ner_spans(text, entities or []):
            if not names_a_place(text, span):
                found.append(span)
        return _merge(span for span in found if not _touches_placeholder(text, span))


def _pieces(text: str, size: int = 20_000) -> Iterator[tuple[int, str]]:
    """(offset, piece) cutting a long text at whitespace, so the model never sees a huge text."""
    start = 0
    while len(text) - start > size:
        cut = max(text.rfind("\n", start, start + size), text.rfind(" ", start, start + size))
        cut = cut + 1 if cut > start else start + size
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def _needed_for_ner(nlp) -> set[str]:
    """What the entity recogniser needs: itself, and a shared tok2vec if it listens to one."""
    needed = {"ner"}
    architecture = str(nlp.get_pipe_config("ner").get("model", {}).get("tok2vec", {}))
    if "Listener" in architecture:
        needed |= {"tok2vec", "transformer"}
    return needed


_shared: Redactor | None = None


def redact(text: str) -> Redaction:
    """Redact one text with a Redactor shared by the whole process (the model loads once)."""
    global _shared
    if _shared is None:
        _shared = Redactor()
    return _shared.redact(text)
