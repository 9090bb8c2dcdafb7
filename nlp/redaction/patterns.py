"""Personal data with a shape: e-mail addresses, phone numbers, IBANs and French postal addresses.

Regular expressions, plus the ISO 13616 mod-97 check for IBANs. :func:`pattern_spans` yields
every match as a :class:`~nlp.redaction.spans.Span`; the redactor merges them with the names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .spans import Span
from .words import IBAN_LENGTHS, STREET_TYPES

# Writers use no-break spaces (U+00A0, U+202F) as readily as plain ones inside numbers.
_SPACE = "[ \u00a0\u202f]"
_UPPER = "A-ZÀ-ÖØ-ÞŒ"

EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+"
    rf"(?:@|{_SPACE}?[\[(]{_SPACE}?(?:at|arobase){_SPACE}?[\])]{_SPACE}?)"
    r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

# A French number: 0 and nine digits, or +33 / 0033 (with an optional "(0)") and nine digits,
# in pairs that may be joined or separated. Not inside a longer run of digits (SIRET, amounts),
# and never the short service numbers (15, 112, 3919), which have fewer digits.
_PAIR_SEP = rf"(?:{_SPACE}|[.\-/])?"
PHONE = re.compile(
    r"(?<![\w+])(?<!\d[ .\-])"
    rf"(?:(?:\(\+33\)|(?:\+|00)33){_SPACE}?(?:\(0\){_SPACE}?)?|0)[1-9](?:{_PAIR_SEP}\d{{2}}){{4}}"
    rf"(?!\d)(?!{_PAIR_SEP}\d)"
)
# Other countries: a "+" and a country code, then 8 to 15 digits in all (the E.164 maximum).
FOREIGN_PHONE = re.compile(
    rf"(?<![\w+])\+(?!33)\d{{1,3}}(?:{_SPACE}?\(0\))?(?:{_PAIR_SEP}\d{{1,4}}){{2,6}}(?!\d)"
)

_GROUP_SEP = rf"(?:{_SPACE}|-)?"
IBAN_CANDIDATE = re.compile(
    rf"(?<![A-Za-z0-9])[A-Za-z]{{2}}\d{{2}}(?:{_GROUP_SEP}[A-Za-z0-9]{{4}}){{2,7}}"
    rf"(?:{_GROUP_SEP}[A-Za-z0-9]{{1,3}})?(?![A-Za-z0-9])"
)
# The French layout: bank (5 digits), branch (5), account (11 letters or digits), RIB key (2).
FRENCH_IBAN = re.compile(r"FR\d{2}\d{10}[A-Z0-9]{11}\d{2}")

# A street: number (3, 3 bis, 12B), optional comma, a kind of way, then its name: particles and
# one word of any case ("rue des lilas"), then only capitalised words or numbers ("rue du 8 Mai
# 1945"), so the address stops before the sentence goes on.
_PARTICLE = r"(?:(?:de|du|des|la|le|les|aux|au|d['’]|l['’])\s*)"
_CAPITAL = rf"[{_UPPER}][\w'’-]*"
_STREET = (
    rf"\b\d{{1,4}}(?:{_SPACE}?(?:bis|ter|quater|[A-D])\b)?,?{_SPACE}+"
    rf"(?:(?:de{_SPACE}+la|de{_SPACE}+l['’]|du){_SPACE}*)?(?i:{STREET_TYPES})\.?{_SPACE}+"
    rf"{_PARTICLE}*[\w][\w'’-]*(?:{_SPACE}+{_PARTICLE}*(?:{_CAPITAL}|\d+\b)){{0,5}}"
)
_POST_BOX = r"\b(?:BP|B\.P\.|CS|TSA)\s?\d{1,5}"
_LOCALITY = rf"(?i:lieu[- ]dit){_SPACE}+{_PARTICLE}?{_CAPITAL}(?:{_SPACE}+{_CAPITAL}){{0,3}}"
_CITY = (
    rf"(?:0[1-9]|[1-8]\d|9[0-8])\d{{3}}{_SPACE}+{_CAPITAL}"
    rf"(?:{_SPACE}+{_PARTICLE}*{_CAPITAL}){{0,3}}(?:{_SPACE}+Cedex(?:{_SPACE}+\d{{1,2}})?)?"
)
_TAIL = rf"(?:,?{_SPACE}+{_POST_BOX})?(?:,?{_SPACE}+{_CITY})?"
ADDRESS = re.compile(rf"(?:{_STREET}|{_POST_BOX}|{_LOCALITY}|(?<!\d[\s.,])(?<!\d){_CITY}){_TAIL}")
# Without a number, a street is an address only after a word of residence ("j'habite rue…").
UNNUMBERED_ADDRESS = re.compile(
    r"\b(?:habite|habites|habitons|habitez|habitent|vit|vis|vivent|réside|résident|demeure|"
    r"demeurent|domicilié|domiciliée|domiciliés|loge|logent|adresse)\s*:?\s+"
    r"(?:(?:au|à la|à l['’]|dans la|sur la)\s+)?"
    rf"(?P<address>(?i:{STREET_TYPES})\.?{_SPACE}+{_PARTICLE}*{_CAPITAL}"
    rf"(?:{_SPACE}+{_PARTICLE}*(?:{_CAPITAL}|\d+\b)){{0,5}}{_TAIL})"
)


def _iban_end(match: re.Match) -> int | None:
    """Where a candidate IBAN ends if it is one, else None.

    Other countries must have their exact length and pass the mod-97 check. A French IBAN that
    has the exact French layout is kept even when its check digits are wrong: a member who
    mistyped one digit of their IBAN has still written their bank details, and the layout alone
    is too specific to occur by chance in prose.
    """
    text = match.group()
    compact = re.sub(rf"{_SPACE}|-", "", text).upper()
    length = IBAN_LENGTHS.get(compact[:2])
    if length is None or len(compact) < length:
        return None
    compact = compact[:length]
    rearranged = compact[4:] + compact[:4]
    valid = int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    if not valid and not FRENCH_IBAN.fullmatch(compact):
        return None
    seen = 0  # the candidate may run on past the IBAN's length: stop at its last character
    for offset, char in enumerate(text):
        seen += char.isalnum()
        if seen == length:
            return match.start() + offset + 1
    return None


def pattern_spans(text: str) -> Iterator[Span]:
    for match in EMAIL.finditer(text):
        yield Span(match.start(), match.end(), "email")
    for pattern in (PHONE, FOREIGN_PHONE):
        for match in pattern.finditer(text):
            if 8 <= sum(c.isdigit() for c in match.group()) <= 15:
                yield Span(match.start(), match.end(), "phone")
    for match in IBAN_CANDIDATE.finditer(text):
        end = _iban_end(match)
        if end is not None:
            yield Span(match.start(), end, "iban")
    for match in ADDRESS.finditer(text):
        yield Span(match.start(), match.end(), "address")
    for match in UNNUMBERED_ADDRESS.finditer(text):
        yield Span(*match.span("address"), "address")
