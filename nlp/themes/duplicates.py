"""Verbatims that repeat an earlier one: grouped once, then given their first copy's theme.

A text pasted ten times (a petition, a copied answer) would otherwise make a dense cluster of its
own and weigh ten times in the theme's keywords. Two verbatims are copies when they read the same
once case, accents kept, and spacing and punctuation at either end are set aside. Copies are
set aside from the clustering and follow their first copy: same theme, same strength, same place
on the map; they stay members of the theme, so that every contributor (and every college) is
counted.

This module is plain Python: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPACES = re.compile(r"\s+")
_ENDS = " \t\n.,;:!?…-–—'\"«»()"


def normalised(text: str) -> str:
    """The text as copies are compared: lower case, spaces collapsed, end punctuation removed."""
    return _SPACES.sub(" ", text.lower()).strip(_ENDS)


def first_copies(texts: Sequence[str], rows: Sequence[int]) -> dict[int, int]:
    """For each row of ``rows`` that repeats an earlier one, the earlier row it repeats."""
    first: dict[str, int] = {}
    copies = {}
    for row in rows:
        key = normalised(texts[row])
        if key in first:
            copies[int(row)] = first[key]
        else:
            first[key] = int(row)
    return copies


def with_copies(themes, assignments: list, coordinates, copies: dict[int, int]):
    """Themes, assignments and map rows once each copy has joined its first copy.

    ``themes`` list members as row indices; a copy is listed right after the row it repeats.
    ``coordinates`` is an (n, 2) array, changed in place.
    """
    from dataclasses import replace

    if not copies:
        return themes, assignments
    followers: dict[int, list[int]] = {}
    for row, first in sorted(copies.items()):
        followers.setdefault(first, []).append(row)
        assignments[row] = replace(assignments[first], duplicate_of=first)
        coordinates[row] = coordinates[first]

    def expand(theme):
        members = tuple(r for m in theme.members for r in (m, *followers.get(m, ())))
        return replace(theme, members=members, size=len(members))

    return tuple(expand(t) for t in themes), assignments
