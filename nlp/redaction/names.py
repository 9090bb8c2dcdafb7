"""Person names: rules that help recall on French text, and filters for the recogniser's entities.

Two sources of names, both returning :class:`~nlp.redaction.spans.Span` of kind ``person``:

- :func:`rule_person_spans`: a title (``Mme``, ``M.``, ``docteur``…) followed by a capitalised
  word, and a first name common in France with the capitalised surname that follows it;
- :func:`ner_spans`: spaCy's ``PER`` entities, trimmed of titles and determiners, with the false
  friends it finds in our texts left out (acronyms, form labels, lists of places).

:func:`names_a_place` tells when a name found either way names a place ("collège Jean Moulin").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .spans import Span
from .words import (
    ACRONYMS,
    COMMON_WORD_NAMES,
    FIRST_NAMES,
    LONG_TITLES,
    LOWERCASE_WORD_NAMES,
    NOT_NAMES,
    PLACE_ADJECTIVES,
    PLACE_NOUNS,
    PLACE_OR_FEAST_NAMES,
    ROLES,
    SHORT_TITLES,
    SURNAME_PARTICLES,
)

_TOKEN = re.compile(r"[\w'’-]+|\S")
# Punctuation after which a new sentence, clause or quotation starts.
_BREAKS = frozenset(".!?…:;«»\"“”()[]—–")
# Words that start an entity the recogniser calls a person but that are not part of the name.
_DETERMINERS = frozenset(
    "le la les l' un une des mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs "
    "ce cet cette ces".split()
)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


def _tokens(text: str, offset: int = 0) -> list[_Token]:
    return [_Token(offset + m.start(), offset + m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _can_be_name(word: str) -> bool:
    """A capitalised word that may belong to a name (not "IA", "Mairie", "Maire", "Mars")."""
    lower = word.lower()
    return word[:1].isupper() and lower not in NOT_NAMES and lower not in ROLES


def _is_first_name(word: str) -> bool:
    return all(part in FIRST_NAMES for part in word.lower().split("-"))


def _title_length(tokens: list[_Token], i: int) -> int:
    """How many tokens the title at position i takes ("M" and "." are two), 0 if none."""
    word = tokens[i].text
    if word in SHORT_TITLES:
        dotted = i + 1 < len(tokens) and tokens[i + 1].text == "."
        return 2 if dotted and tokens[i + 1].start == tokens[i].end else 1
    return 1 if word.lower() in LONG_TITLES else 0


def _surname_end(tokens: list[_Token], i: int) -> int:
    """Index just past the surname starting at token i ("de La Tour", "Le Goff"), or i if none."""
    j = i
    while j < len(tokens) and j - i < 4:
        word = tokens[j].text
        following = tokens[j + 1].text if j + 1 < len(tokens) else ""
        if word.lower() in SURNAME_PARTICLES and _can_be_name(following):
            j += 2
        elif _can_be_name(word):
            j += 1
        else:
            break
    return j


def _at_sentence_start(tokens: list[_Token], i: int) -> bool:
    return i == 0 or tokens[i - 1].text in _BREAKS


def _first_name_counts(tokens: list[_Token], i: int) -> bool:
    """Whether this first name is a name here, rather than the word or place it can also be."""
    word = tokens[i].text
    lower, capitalised = word.lower(), word[:1].isupper()
    has_surname = _surname_end(tokens, i + 1) > i + 1
    if lower in PLACE_OR_FEAST_NAMES:
        return capitalised and has_surname
    if "-" in word:
        return True  # "jean-paul": every part is a first name, even in lower case
    if lower in COMMON_WORD_NAMES:
        return capitalised and (has_surname or not _at_sentence_start(tokens, i))
    if lower in LOWERCASE_WORD_NAMES:
        return capitalised
    return capitalised or len(word) >= 4


def _is_shouted_surname(word: str) -> bool:
    """A surname in capitals before a first name, as forms write it ("MOREAU Sylvie")."""
    return len(word) >= 3 and word.isupper() and word.lower() not in ACRONYMS


def rule_person_spans(text: str) -> Iterator[Span]:
    """Names announced by a title ("Mme Le Goff") or by a first name ("Marie Dupont", "Léa")."""
    tokens = _tokens(text)
    i = 0
    while i < len(tokens):
        title = _title_length(tokens, i)
        if title and _surname_end(tokens, i + title) > i + title:
            end = _surname_end(tokens, i + title)
            yield Span(tokens[i + title].start, tokens[end - 1].end, "person")
            i = end
        elif _is_first_name(tokens[i].text) and _first_name_counts(tokens, i):
            start = i - 1 if i and _is_shouted_surname(tokens[i - 1].text) else i
            end = _surname_end(tokens, i + 1)
            yield Span(tokens[start].start, tokens[end - 1].end, "person")
            i = end
        else:
            i += 1


def names_a_place(text: str, span: Span) -> bool:
    """Whether a name found in text names a place rather than a person."""
    # Without the elided article: "l'arrêt Victor Hugo".
    before = [re.split("['’]", t.text.lower())[-1]
              for t in _tokens(text[max(0, span.start - 60) : span.start])]
    if not before:
        return False
    if before[-1] in PLACE_NOUNS or before[-1].startswith(("saint-", "sainte-")):
        return True  # "collège Jean Moulin", "San Francisco", "Saint-Martin"
    if before[-1] in PLACE_ADJECTIVES and len(before) > 1 and before[-2] in PLACE_NOUNS:
        return True  # "centre social Simone Veil"
    if before[-1] == "." and len(before) > 1 and before[-2] in {"st", "ste"}:
        return True  # "St. Louis"
    # "en Virginie": one says "en" before a region or a country, never before a person.
    return before[-1] == "en" and " " not in text[span.start : span.end]


@dataclass(frozen=True)
class Entity:
    """A named entity from spaCy, reduced to what the rules read: offsets into the text, label."""

    start: int
    end: int
    label: str


def _is_determiner(token: _Token) -> bool:
    # "Le" and "La" capitalised may begin a surname ("Le Goff"); "Mon", "Cette" never do.
    return token.text.lower() in _DETERMINERS and token.text not in {"Le", "La"}


def ner_spans(text: str, entities: list[Entity]) -> Iterator[Span]:
    """Person entities, trimmed of titles, roles and determiners, false friends left out."""
    for index, entity in enumerate(entities):
        if entity.label != "PER":
            continue
        tokens = _tokens(text[entity.start : entity.end], entity.start)
        while tokens and (_title_length(tokens, 0) or _is_determiner(tokens[0])
                          or tokens[0].text.lower() in ROLES or not tokens[0].text[:1].isalnum()):
            tokens = tokens[max(1, _title_length(tokens, 0)) :]
        # Stop at punctuation that cannot be inside a name ("Marie Dupont</b>"); "." can
        # ("George W. Bush").
        inside = [t.text[:1].isalnum() or t.text == "." for t in tokens]
        tokens = tokens[: inside.index(False)] if False in inside else tokens
        while tokens and not tokens[-1].text[:1].isalnum():
            tokens.pop()
        if tokens and not _ner_false_friend(text, tokens, entities, index):
            yield Span(tokens[0].start, tokens[-1].end, "person")


def _ner_false_friend(text: str, tokens: list[_Token], entities: list[Entity], index: int) -> bool:
    """Entities the recogniser calls persons in our texts but that are not."""
    value = text[tokens[0].start : tokens[-1].end]
    lower = value.lower()
    if len(value) < 2 or value.islower() or lower in NOT_NAMES:
        return True  # an initial alone ("J.-C."), lower-case words, "IA", "Dieu", months
    if any(c.isdigit() or c == "@" for c in value):
        return True  # numbers and pieces of e-mail addresses
    if lower.startswith(("saint-", "sainte-", "saint ", "sainte ")):
        return True  # a feast or a town: "la Saint-Martin"
    if len(tokens) > 1 or _is_first_name(value):
        return False
    if value.isupper() and lower in ACRONYMS:
        return True
    start, end = tokens[0].start, tokens[-1].end
    before, after = text[max(0, start - 10) : start].rstrip(), text[end : end + 10].lstrip()
    if after.startswith(":") and (not before or before[-1] in _BREAKS):
        return True  # a form label: "Fixe : 02 40…"
    return _listed_with_places(text, entities, index)


def _listed_with_places(text: str, entities: list[Entity], index: int) -> bool:
    """A single word in a list of places ("Donges, Montoir et Trignac") is a place too."""
    for other in (index - 1, index + 1):
        if 0 <= other < len(entities) and entities[other].label == "LOC":
            a, b = sorted((entities[index], entities[other]), key=lambda e: e.start)
            if text[a.end : b.start].strip() in {",", "et", "ou"}:
                return True
    return False
