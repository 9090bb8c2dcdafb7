"""French typography for text going into a printed document: the spaces a French reader
expects, and that a web form never gets.

- a narrow no-break space (U+202F) before ``; : ! ?`` and inside ``« »``, added where the
  author typed none, the author's ordinary space replaced where there was one;
- numbers of five digits or more grouped by thousands with U+202F (``12 000``), and so are
  four-digit quantities followed by a unit (``1 500 kWh``) — a four-digit number alone is left
  as it is, since it is most often a year;
- a no-break space (U+00A0) between a number and its unit (``12 kWh``, ``30 %``), so that the
  two never part at the end of a line.

What must not change is left alone: web and e-mail addresses, times (``10:30``), ratios
(``3:2``), a postal code before its town (``75011 Paris``), numbers starting with 0 (telephone
numbers, codes), numbers inside words or versions (``v12345``, ``1.2.3``, ``2024-01-31``).
Pure: text in, text out.
"""

from __future__ import annotations

import re

NNBSP = "\u202f"  # narrow no-break space (espace fine insécable)
NBSP = "\u00a0"  # no-break space (espace insécable)

# Addresses are kept whole: their colons, question marks and digits are not prose.
_PROTECTED = re.compile(r"""(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>"«»]+"""
                        r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# While the rules run, each address stands as one character of Unicode's private use area,
# which the rules treat as a word's end.
_PRIVATE = range(0xE000, 0xF900)

_SPACES = f"[ {NBSP}{NNBSP}\t]"
# A run of ; : ! ? closing a word (then a space, a closing mark or the end) gets its space.
_HIGH_PUNCTUATION = re.compile(
    rf"(?<=[\w)\]»’\"'….%\ue000-\uf8ff]){_SPACES}*([;:!?]+)(?=[\s)\]»’\"'.,;:!?]|$)")
_OPEN_QUOTE = re.compile(rf"«{_SPACES}*")
_CLOSE_QUOTE = re.compile(rf"{_SPACES}*»")

UNITS = ("kWh", "MWh", "GWh", "TWh", "Wh", "kW", "MW", "GW", "W", "kgCO2e", "tCO2e",
         "kgCO₂e", "tCO₂e", "kg", "mg", "g", "t", "km", "cm", "mm", "m", "Go", "Mo", "To", "ko",
         "Gio", "Mio", "GB", "MB", "TB", "ms", "min", "h", "s", "k€", "M€", "€", "%", "‰")
_UNIT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# A number standing alone (not inside a word, a version, a date or an address) and its unit,
# which ends there (not "12 membres", nor the elision of "2024 s'ouvre").
_WITH_UNIT = re.compile(rf"(?<![\w.,/:+-])(?P<number>\d+(?:[.,]\d+)?)[ {NBSP}{NNBSP}]?"
                        rf"(?P<unit>{_UNIT})(?![\w'’])")
_LONG_NUMBER = re.compile(rf"(?<![\w.,/:+{NNBSP}-])(?P<integer>[1-9]\d{{4,}})"
                          r"(?P<decimals>[.,]\d+)?(?![\w/:-])")
# Thousands the author separated with an ordinary space: "12 000", "1 234 567".
_SPACED_NUMBER = re.compile(r"(?<![\w.,+])\d{1,3}(?: \d{3})+(?!\w)")
_BEFORE_TOWN = re.compile(rf"[ {NBSP}]+[A-ZÀ-Ý]")


def _grouped(digits: str) -> str:
    head = len(digits) % 3 or 3
    return NNBSP.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def _long_number(match: re.Match) -> str:
    if len(match["integer"]) == 5 and _BEFORE_TOWN.match(match.string, match.end()):
        return match.group(0)  # a postal code before its town
    return _grouped(match["integer"]) + (match["decimals"] or "")


def _with_unit(match: re.Match) -> str:
    number = match["number"]
    if re.match(r"[1-9]\d{3}(?!\d)", number):  # a quantity of four digits: 1 500 kWh
        number = _grouped(number[:4]) + number[4:]
    return f"{number}{NBSP}{match['unit']}"


def _prose(text: str) -> str:
    text = _SPACED_NUMBER.sub(lambda m: m.group(0).replace(" ", NNBSP), text)
    text = _LONG_NUMBER.sub(_long_number, text)
    text = _WITH_UNIT.sub(_with_unit, text)
    text = _HIGH_PUNCTUATION.sub(lambda m: NNBSP + m.group(1), text)
    text = _OPEN_QUOTE.sub("«" + NNBSP, text)
    return _CLOSE_QUOTE.sub(NNBSP + "»", text)


def french(text: str) -> str:
    """``text`` with French typography's spaces (see the module's docstring)."""
    if not text:
        return ""
    free = (chr(c) for c in _PRIVATE if chr(c) not in text)
    kept: dict[str, str] = {}

    def keep(match: re.Match) -> str:
        mark = next(free)
        kept[mark] = match.group(0)
        return mark

    text = _prose(_PROTECTED.sub(keep, text))
    for mark, address in kept.items():
        text = text.replace(mark, address)
    return text
