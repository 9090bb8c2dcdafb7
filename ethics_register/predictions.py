"""A model's predictions, validated before any bias metric is computed on them.

The committee gives a table (a CSV or XLSX file read into column names, rows of strings and the
line of each row in the file) or a Python caller gives arrays. Either way the result is one
:class:`Predictions`: the true labels and the predictions as booleans, and each sensitive
attribute as group codes and group names, or an :class:`InvalidPredictions` listing every
problem found at once. Nothing half-checked ever comes out.

Binary values. A cell is positive when it reads 1, true, yes, oui or vrai, negative when it
reads 0, false, no, non or faux (any case; 1.0 and 0.0 too, as spreadsheets write them). With
``positive=`` given, a column that holds that value is read as that value against one other
(``positive="accepté"``: accepté / refusé); a column without it falls back to the words above.
Anything else is a non-binary value, reported with its column and its first lines.

Scores. With ``score=`` and ``threshold=`` instead of a prediction, a row is predicted positive
when its score is at least the threshold (``score >= threshold``, as scikit-learn's curves
count). The threshold must be a finite number. Scores that all lie in [0, 1] are read as
probabilities and the threshold must lie in [0, 1] too; otherwise the threshold must lie between
the smallest and the largest score, since any other value predicts the same class for everyone
(a mistake, usually a threshold meant for another scale). A decimal comma is accepted (0,73).

Groups. An empty sensitive cell (or NaN) is refused, naming its lines: a row without its group
would silently leave the group it belongs to. An attribute may have at most ``max_groups``
distinct values (1,000 by default), and so may the intersection of all attributes: a sensitive
attribute is a category (a college, an age band, a region); a column with thousands of distinct
values is an identifier, a date or free text, whose every group would be too small for a verdict
(at least 30 members each: 30,000 rows for 1,000 groups already) and whose results nobody could
read.

Rows are named by their line in the file; for arrays, by their position counted from 1.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .problems import InputProblem, InvalidPredictions

POSITIVE = frozenset({"1", "1.0", "true", "yes", "oui", "vrai"})
NEGATIVE = frozenset({"0", "0.0", "false", "no", "non", "faux"})
MISSING = frozenset({"", "nan", "na", "n/a", "null", "none"})  # for labels, predictions, scores
MISSING_GROUP = frozenset({"", "nan"})  # "NA" or "None" may be a real group's name
MAX_GROUPS = 1000
SHOWN_LINES = 5  # lines named in a message; the count says how many there are in all
SHOWN_VALUES = 5


@dataclass(frozen=True, eq=False)
class Attribute:
    """A sensitive attribute: the group code of every row, and the group names by code."""

    name: str
    codes: np.ndarray  # int64, one per row, indexing `groups`
    groups: tuple[str, ...]

    def sizes(self) -> dict[str, int]:
        counts = np.bincount(self.codes, minlength=len(self.groups))
        return dict(zip(self.groups, (int(c) for c in counts), strict=True))


@dataclass(frozen=True, eq=False)
class Predictions:
    """Validated predictions: booleans and group codes, one per row, all of the same length."""

    labels: np.ndarray  # bool: the true outcome is positive
    predicted: np.ndarray  # bool: the model predicts positive
    attributes: tuple[Attribute, ...]
    lines: np.ndarray  # int64: each row's line in the file (or position from 1)
    columns: dict[str, Any]  # which column played which role
    scores: np.ndarray | None = None
    threshold: float | None = None
    positive: str | None = None
    file_sha256: str | None = None  # of the file's bytes, when read from a file

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def sha256(self) -> str:
        """SHA-256 of the data as tested: labels, predictions, scores and groups row by row,
        independent of the file's format (the same data in CSV and XLSX hash alike)."""
        digest = hashlib.sha256(b"palabre-predictions-v1\n")
        digest.update(self.labels.astype(np.uint8).tobytes())
        digest.update(self.predicted.astype(np.uint8).tobytes())
        if self.scores is not None:
            digest.update(np.ascontiguousarray(self.scores, dtype="<f8").tobytes())
            digest.update(repr(self.threshold).encode())
        for attribute in self.attributes:
            digest.update(json.dumps([attribute.name, attribute.groups],
                                     ensure_ascii=False).encode())
            digest.update(np.ascontiguousarray(attribute.codes, dtype="<i8").tobytes())
        return digest.hexdigest()


def predictions_from_table(
    columns: Sequence[str],
    rows: Sequence[Mapping[str, str]],
    lines: Sequence[int] | None = None,
    *,
    label: str,
    sensitive: Sequence[str],
    prediction: str | None = None,
    score: str | None = None,
    threshold: float | str | None = None,
    positive: str | None = None,
    max_groups: int = MAX_GROUPS,
    file_sha256: str | None = None,
) -> Predictions:
    """Validate a table of predictions (rows keyed by column name, as
    ``consult.formats.tables.read_table`` gives them); raise InvalidPredictions with every
    problem found."""
    sensitive = list(sensitive)
    _check_roles(label, prediction, score, threshold, sensitive)
    wanted = [label, prediction, score, *sensitive]
    missing = [c for c in dict.fromkeys(wanted) if c is not None and c not in columns]
    if missing:
        raise InvalidPredictions(InputProblem("missing_columns", {
            "missing": ", ".join(f"« {c} »" for c in missing),
            "present": ", ".join(f"« {c} »" for c in columns) or "—"}))
    values = {c: [row.get(c, "") for row in rows] for c in dict.fromkeys(wanted) if c}
    return _validate(values, lines, label=label, prediction=prediction, score=score,
                     threshold=threshold, sensitive=sensitive, positive=positive,
                     max_groups=max_groups, file_sha256=file_sha256)


def predictions_from_arrays(
    labels: Sequence[Any],
    predictions: Sequence[Any] | None = None,
    *,
    sensitive: Mapping[str, Sequence[Any]],
    scores: Sequence[Any] | None = None,
    threshold: float | str | None = None,
    positive: str | None = None,
    max_groups: int = MAX_GROUPS,
) -> Predictions:
    """Validate arrays (lists, numpy arrays, pandas series): labels, predictions or scores with
    a threshold, and ``sensitive`` as {attribute name: one value per row}. Booleans, 0/1 and the
    words of the module's docstring are read as binary values; rows are named from 1."""
    names = {"label": labels, "prediction": predictions, "score": scores}
    columns = {n: a for n, a in names.items() if a is not None}
    _check_roles("label", "prediction" if predictions is not None else None,
                 "score" if scores is not None else None, threshold, list(sensitive))
    clash = [name for name in sensitive if name in columns]
    if clash:
        raise InvalidPredictions(InputProblem("column_twice", {"column": clash[0]}))
    columns.update(sensitive)
    lengths = {name: len(array) for name, array in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidPredictions(InputProblem("lengths", {
            "lengths": ", ".join(f"{n} {size}" for n, size in lengths.items())}))
    values = {name: _texts(array) for name, array in columns.items()}
    return _validate(values, None, label="label",
                     prediction="prediction" if predictions is not None else None,
                     score="score" if scores is not None else None, threshold=threshold,
                     sensitive=list(sensitive), positive=positive, max_groups=max_groups,
                     file_sha256=None)


def reference_groups(data: Predictions, reference: str | Mapping[str, str] | Sequence[str]
                     | None) -> dict[str, str]:
    """The reference group asked for each attribute, checked against the groups present.

    ``reference`` is a group name (used for every attribute that has such a group), a mapping
    {attribute: group}, or a list of either form as strings ("college=salariés" or "salariés").
    Attributes without one are left out: the test then takes their largest group.
    """
    if reference is None:
        return {}
    asked: list[tuple[str | None, str]] = []
    items = [reference] if isinstance(reference, str) else reference
    if isinstance(items, Mapping):
        asked = [(str(k), str(v)) for k, v in items.items()]
    else:
        names = [a.name for a in data.attributes]
        for item in items:
            column, sep, group = str(item).partition("=")
            if sep and column.strip() in names:
                asked.append((column.strip(), group.strip()))
            else:
                asked.append((None, str(item).strip()))
    found: dict[str, str] = {}
    problems = []
    by_name = {a.name: a for a in data.attributes}
    for column, group in asked:
        if column is not None and column not in by_name:
            problems.append(InputProblem("reference_unknown_column", {
                "reference": f"{column}={group}", "column": column,
                "columns": ", ".join(by_name)}))
            continue
        candidates = [by_name[column]] if column is not None else list(by_name.values())
        having = [a for a in candidates if group in a.groups]
        if not having:
            problems.append(InputProblem("reference_absent", {
                "reference": group,
                "column": " / ".join(f"« {a.name} »" for a in candidates),
                "groups": "; ".join(
                    ", ".join(_shown(a.groups, 20)) for a in candidates)}))
        for attribute in having:
            found[attribute.name] = group
    if problems:
        raise InvalidPredictions(problems)
    return found


def _check_roles(label, prediction, score, threshold, sensitive) -> None:
    problems = []
    if (prediction is None) == (score is None) or (score is None) != (threshold is None):
        problems.append(InputProblem("prediction_or_score"))
    if not sensitive:
        problems.append(InputProblem("no_sensitive"))
    roles = Counter(c for c in [label, prediction, score, *sensitive] if c is not None)
    problems += [InputProblem("column_twice", {"column": c}) for c, n in roles.items() if n > 1]
    if problems:
        raise InvalidPredictions(problems)


def _validate(values: dict[str, list[str]], lines: Sequence[int] | None, *, label, prediction,
              score, threshold, sensitive, positive, max_groups, file_sha256) -> Predictions:
    n = len(values[label])
    if n == 0:
        raise InvalidPredictions(InputProblem("no_rows"))
    line_numbers = np.asarray(lines if lines is not None else range(1, n + 1), dtype=np.int64)
    problems: list[InputProblem] = []
    labels = _binary(values[label], label, positive, line_numbers, problems)
    if labels is not None and (labels.all() or not labels.any()):
        problems.append(InputProblem("one_class", {
            "column": label, "value": values[label][0].strip()}))
    scores, limit = None, None
    if score is not None:
        scores = _scores(values[score], score, line_numbers, problems)
        limit = _threshold(threshold, scores, score, problems)
        predicted = scores >= limit if scores is not None and limit is not None else None
    else:
        predicted = _binary(values[prediction], prediction, positive, line_numbers, problems)
    attributes = [_attribute(values[c], c, line_numbers, max_groups, problems)
                  for c in sensitive]
    if len(sensitive) > 1 and all(a is not None for a in attributes):
        _check_intersections(attributes, max_groups, problems)
    if problems:
        raise InvalidPredictions(problems)
    return Predictions(
        labels=labels, predicted=predicted, attributes=tuple(attributes), lines=line_numbers,
        columns={"label": label, "prediction": prediction, "score": score,
                 "sensitive": list(sensitive)},
        scores=scores, threshold=limit, positive=positive, file_sha256=file_sha256)


def _binary(values: list[str], column: str, positive: str | None, lines: np.ndarray,
            problems: list[InputProblem]) -> np.ndarray | None:
    normal = [v.strip().casefold() for v in values]
    missing = [i for i, v in enumerate(normal) if v in MISSING]
    if missing:
        problems.append(_rows_problem("missing_values", column, missing, lines))
        return None
    distinct = Counter(normal)
    wanted = positive.strip().casefold() if positive is not None else None
    words = all(v in POSITIVE or v in NEGATIVE for v in distinct)
    if wanted is not None and (wanted in distinct or not words):
        # The positive value against one other: the most frequent other value is the negative,
        # any rarer one is named as not binary.
        others = sorted((v for v in distinct if v != wanted), key=lambda v: -distinct[v])
        odd = set(others[1:])
        positives = (v == wanted for v in normal)
    else:
        odd = {v for v in distinct if v not in POSITIVE and v not in NEGATIVE}
        positives = (v in POSITIVE for v in normal)
    if odd:
        rows = [i for i, v in enumerate(normal) if v in odd]
        shown = [f"« {values[i].strip()} »" for i in _first_distinct(normal, rows)]
        problems.append(_rows_problem("non_binary", column, rows, lines,
                                      values=", ".join(shown)))
        return None
    return np.fromiter(positives, dtype=bool, count=len(normal))


def _scores(values: list[str], column: str, lines: np.ndarray,
            problems: list[InputProblem]) -> np.ndarray | None:
    missing = [i for i, v in enumerate(values) if v.strip().casefold() in MISSING]
    if missing:
        problems.append(_rows_problem("missing_values", column, missing, lines))
        return None
    scores = np.empty(len(values))
    bad = []
    for i, value in enumerate(values):
        number = _number(value)
        if number is None:
            bad.append(i)
        else:
            scores[i] = number
    if bad:
        shown = [f"« {values[i].strip()} »" for i in _first_distinct(values, bad)]
        problems.append(_rows_problem("bad_scores", column, bad, lines, values=", ".join(shown)))
        return None
    return scores


def _threshold(threshold, scores, column, problems) -> float | None:
    if isinstance(threshold, str):
        value = _number(threshold)
    elif isinstance(threshold, numbers.Real) and not isinstance(threshold, bool | np.bool_):
        value = float(threshold)
    else:
        value = None
    if value is None or not math.isfinite(value):
        problems.append(InputProblem("bad_threshold", {"threshold": threshold}))
        return None
    if scores is None:
        return value
    low, high = float(scores.min()), float(scores.max())
    if 0 <= low and high <= 1:
        if not 0 <= value <= 1:
            problems.append(InputProblem("threshold_probability",
                                         {"threshold": f"{value:g}", "column": column}))
            return None
    elif not low <= value <= high:
        problems.append(InputProblem("threshold_range", {
            "threshold": f"{value:g}", "column": column, "low": f"{low:g}", "high": f"{high:g}"}))
        return None
    return value


def _attribute(values: list[str], column: str, lines: np.ndarray, max_groups: int,
               problems: list[InputProblem]) -> Attribute | None:
    names = [v.strip() for v in values]
    missing = [i for i, v in enumerate(names) if v.casefold() in MISSING_GROUP]
    if missing:
        problems.append(_rows_problem("missing_values", column, missing, lines))
        return None
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in names), dtype=np.int64,
                        count=len(names))
    if len(index) == 1:  # nothing to compare: a test without verdicts would look clean
        problems.append(InputProblem("one_group", {"column": column, "value": names[0]}))
        return None
    if len(index) > max_groups:
        problems.append(InputProblem("too_many_groups", {
            "column": column, "count": len(index), "max": max_groups}))
        return None
    # Group codes in name order, so that the same data gives the same codes in any row order.
    order = sorted(index)
    recode = np.empty(len(order), dtype=np.int64)
    for new, name in enumerate(order):
        recode[index[name]] = new
    return Attribute(column, recode[codes], tuple(order))


def _check_intersections(attributes: list[Attribute], max_groups: int,
                         problems: list[InputProblem]) -> None:
    combined = np.zeros(len(attributes[0].codes), dtype=np.int64)
    for attribute in attributes:
        combined = combined * len(attribute.groups) + attribute.codes
    count = len(np.unique(combined))
    if count > max_groups:
        problems.append(InputProblem("too_many_intersections", {
            "columns": " × ".join(f"« {a.name} »" for a in attributes), "count": count,
            "max": max_groups}))


def _rows_problem(code: str, column: str, rows: list[int], lines: np.ndarray,
                  **extra: Any) -> InputProblem:
    shown = ", ".join(str(int(lines[i])) for i in rows[:SHOWN_LINES])
    if len(rows) > SHOWN_LINES:
        shown += ", …"
    return InputProblem(code, {"column": column, "count": len(rows), "lines": shown, **extra})


def _first_distinct(values: Sequence[str], rows: list[int]) -> list[int]:
    """The first row of each of the first few distinct values among ``rows``."""
    seen: dict[str, int] = {}
    for i in rows:
        seen.setdefault(values[i], i)
        if len(seen) >= SHOWN_VALUES:
            break
    return list(seen.values())


def _shown(groups: Sequence[str], limit: int) -> list[str]:
    shown = [f"« {g} »" for g in groups[:limit]]
    return shown + ["…"] if len(groups) > limit else shown


def _number(value: Any) -> float | None:
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _texts(array: Sequence[Any]) -> list[str]:
    """An array's elements as the texts a table would hold, vectorised for numpy's types."""
    values = np.asarray(array)
    if values.ndim != 1:
        values = np.asarray(list(array), dtype=object)
    if values.dtype.kind == "b":
        return np.where(values, "true", "false").tolist()
    if values.dtype.kind in "iuU":
        return values.astype(str).tolist()
    if values.dtype.kind == "f":
        return np.where(np.isnan(values), "", values.astype(str)).tolist()
    return [_as_text(v) for v in values]


def _as_text(value: Any) -> str:
    """An array element as the text a table would hold ("" for None and NaN)."""
    if value is None or type(value).__name__ == "NAType":  # pandas.NA
        return ""
    if isinstance(value, float | np.floating) and math.isnan(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
