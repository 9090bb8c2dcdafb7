"""The college check of a theme analysis: does the machine set one college's words aside more?

Palabre's own analysis is AI too, and it can treat the colleges unequally without anyone meaning
it: a college that writes shorter verbatims sees more of them left out as too short, one that
names people sees more of them redacted, a small college's words drown in themes where others
dominate. Each run of the theme analysis records this check, per college, on three metrics, each
the share of the college's verbatims that the machine handled in a given way:

- ``unassigned``: left in no theme (an outlier, or too short to be grouped), out of all the
  college's verbatims;
- ``redacted``: with personal data replaced by a placeholder, out of all its verbatims;
- ``under_represented``: in a theme where the college is under-represented, out of its verbatims
  in the themes that are judged. A theme is judged when at least ``min_count`` of its members
  have a college (smaller themes say too little about who is in them). A college is
  under-represented in a judged theme when its share of the theme's members (those with a
  college) is below ``ratio_min`` × its share of all the verbatims with a college in judged
  themes: a college that writes 30 % of the judged verbatims but 10 % of a theme's members
  (10 % < 0.8 × 30 %) is under-represented there, and its verbatims in that theme count here.

Each value is compared with the same share over the other colleges' verbatims pooled (each of
those verbatims flagged by its own college's standing in its theme, for the third metric):
difference = college − rest, ratio = college ÷ rest. Verbatims without a college count in no
row and in no pool. The verdicts are the bias tests' own (:func:`ethics_register.bias.compare`,
the same :class:`~ethics_register.bias.Thresholds` and ``min_count``): ``not_enough_data`` when
the college or the rest has fewer than ``min_count`` verbatims in the denominator, ``pass``
when the ratio lies within [ratio_min, ratio_max] and the difference within ± max_difference,
``fail`` otherwise — in either direction, as in bias tests. A college is *flagged* when it fails
on a metric in the direction of being set aside more than the rest: the page and the register
name it. Indicative, not a legal test, and not a cause: a flag says where to read the verbatims
again, not why the machine set them aside.

Pure: plain values in, a frozen result out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .bias import MIN_COUNT, VERDICTS, Thresholds, compare

CHECK_METRICS = ("unassigned", "redacted", "under_represented")
CHECK_DENOMINATORS = {"unassigned": "verbatims", "redacted": "verbatims",
                      "under_represented": "verbatims in judged themes"}


@dataclass(frozen=True)
class Verbatim:
    """What the check reads of one analysed verbatim."""

    college: str | None  # the college's name, None when the author has none
    theme: int | None  # its theme's id, None for an outlier or a too-short verbatim
    redacted: bool  # personal data was replaced in it


@dataclass(frozen=True)
class CheckRow:
    """One metric of one college, compared with the other colleges pooled."""

    college: str
    metric: str  # one of CHECK_METRICS
    value: float | None  # share of the college's verbatims, 0..1; None when it has none
    count: int  # how many of them (the numerator)
    denominator: int
    rest_value: float | None
    rest_denominator: int
    difference: float | None  # college − rest
    ratio: float | None  # college ÷ rest; None when the rest's value is 0
    direction: str | None  # "higher", "lower" or "equal" than the rest
    verdict: str  # pass, fail, not_enough_data

    @property
    def set_aside_more(self) -> bool:
        """A fail in the direction of the machine setting the college's words aside more."""
        return self.verdict == "fail" and self.direction == "higher"


@dataclass(frozen=True)
class CollegeCheck:
    """The check of one analysis: a row per college and metric, colleges in name order."""

    rows: tuple[CheckRow, ...]
    colleges: tuple[str, ...]
    verbatims: int  # all analysed verbatims, with a college or not
    without_college: int
    judged_themes: tuple[int, ...]
    thresholds: Thresholds
    min_count: int

    @property
    def flagged(self) -> list[str]:
        """The colleges the machine sets aside more than the rest on some metric."""
        return [college for college in self.colleges
                if any(r.set_aside_more for r in self.rows if r.college == college)]

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values, as stored in the analysis run's result."""
        verdicts = [r.verdict for r in self.rows]
        return {
            "colleges": list(self.colleges),
            "verbatims": self.verbatims,
            "without_college": self.without_college,
            "judged_themes": list(self.judged_themes),
            "flagged": self.flagged,
            "rows": [{"college": r.college, "metric": r.metric, "value": r.value,
                      "count": r.count, "denominator": r.denominator,
                      "rest_value": r.rest_value, "rest_denominator": r.rest_denominator,
                      "difference": r.difference, "ratio": r.ratio,
                      "direction": r.direction, "verdict": r.verdict,
                      "set_aside_more": r.set_aside_more} for r in self.rows],
            "parameters": {"thresholds": {"ratio_min": self.thresholds.ratio_min,
                                          "ratio_max": self.thresholds.ratio_max,
                                          "max_difference": self.thresholds.max_difference},
                           "min_count": self.min_count},
            "definitions": {"difference": "college - other colleges pooled",
                            "ratio": "college / other colleges pooled",
                            "denominators": CHECK_DENOMINATORS,
                            "under_represented": "college's share of a theme's members below "
                            "ratio_min x its share of the verbatims in judged themes (themes "
                            "with at least min_count members from a college)",
                            "verdict": "indicative thresholds, not a legal test"},
            "summary": {v: verdicts.count(v) for v in VERDICTS},
        }


def check_colleges(
    verbatims: Sequence[Verbatim],
    *,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 (frozen, so sharing it is safe)
    min_count: int = MIN_COUNT,
) -> CollegeCheck:
    """Check ``verbatims`` (one per analysed verbatim, in any order) college by college."""
    named = [v for v in verbatims if v.college is not None]
    colleges = tuple(sorted({v.college for v in named}))
    judged, under = _under_represented(named, thresholds, min_count)
    flags = {  # metric -> (in its denominator, flagged) for each verbatim with a college
        "unassigned": [(True, v.theme is None) for v in named],
        "redacted": [(True, v.redacted) for v in named],
        "under_represented": [(v.theme in judged, (v.college, v.theme) in under)
                              for v in named],
    }
    rows = []
    for college in colleges:
        mine = [v.college == college for v in named]
        for metric in CHECK_METRICS:
            rows.append(_row(college, metric, mine, flags[metric], thresholds, min_count))
    return CollegeCheck(rows=tuple(rows), colleges=colleges, verbatims=len(verbatims),
                        without_college=len(verbatims) - len(named),
                        judged_themes=tuple(sorted(judged)), thresholds=thresholds,
                        min_count=min_count)


def _under_represented(named: list[Verbatim], thresholds: Thresholds, min_count: int):
    """The judged themes, and the (college, theme) pairs where the college is under-represented."""
    sizes = Counter(v.theme for v in named if v.theme is not None)
    judged = {theme for theme, size in sizes.items() if size >= min_count}
    in_judged = [v for v in named if v.theme in judged]
    overall = Counter(v.college for v in in_judged)
    members = Counter((v.college, v.theme) for v in in_judged)
    total = len(in_judged)
    under = {(college, theme) for college in overall for theme in judged
             if members[(college, theme)] / sizes[theme]
             < thresholds.ratio_min * overall[college] / total}
    return judged, under


def _row(college, metric, mine, flags, thresholds, min_count) -> CheckRow:
    counts = {True: [0, 0], False: [0, 0]}  # the college's, the rest's: [flagged, denominator]
    for is_mine, (counted, flagged) in zip(mine, flags, strict=True):
        if counted:
            counts[is_mine][0] += flagged
            counts[is_mine][1] += 1
    (count, denominator), (rest_count, rest_denominator) = counts[True], counts[False]
    value = count / denominator if denominator else None
    rest_value = rest_count / rest_denominator if rest_denominator else None
    compared = compare(value, denominator, rest_value, rest_denominator,
                       thresholds=thresholds, min_count=min_count)
    return CheckRow(college=college, metric=metric, value=value, count=count,
                    denominator=denominator, rest_value=rest_value,
                    rest_denominator=rest_denominator, difference=compared.difference,
                    ratio=compared.ratio, direction=compared.direction,
                    verdict=compared.verdict)
