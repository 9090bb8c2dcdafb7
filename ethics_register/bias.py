"""A model's bias test: its errors and selections by group, compared with a reference group.

For each sensitive attribute, and for the intersection of all of them when there are several,
every group gets its confusion counts (TP, FP, FN, TN), its selection rate, true and false
positive rates, false negative rate, precision and accuracy, each with a bootstrap interval, its
denominator, and its difference (group − reference) and ratio (group ÷ reference) to the
reference group with their own intervals and their direction (the group is higher, lower or
equal). Each metric of each group then gets a verdict against the committee's thresholds.

Point values come from fairlearn's ``MetricFrame``, with scikit-learn's and fairlearn's metric
functions. ``MetricFrame`` is given one row per distinct cell (groups, label, prediction) weighted
by how many predictions fall in it, rather than one row per prediction: weighted metrics over the
cells equal the metrics over the rows exactly (integer counts), and a million predictions take a
fraction of a second instead of seconds per metric (fairlearn stacks each group's column value by
value). tests/unit/test_bias.py checks every value against scikit-learn on the raw rows.

The bootstrap is written here, not taken from ``MetricFrame(n_boot=…)``: fairlearn resamples
the whole table with replacement (``DataFrame.sample(frac=1, replace=True)``, not stratified by
group) and refits the whole frame on each draw: seconds a draw at a million rows (6 s for six
metrics with fairlearn 0.12, docs/benchmarks.md). Drawing n rows with replacement from n rows is
the same as drawing how many land in each distinct cell from a multinomial distribution with the
cells' shares, so each draw here costs the number of cells, not the number of rows; its
intervals are the same percentiles of the same resampling distribution (``numpy.nanquantile``,
linear interpolation, as fairlearn). One difference, on purpose: a draw in which a group's
metric is undefined (no positive drawn for its TPR, say) is left out of that metric's interval,
as fairlearn leaves out a group absent from a draw, where fairlearn's rate functions would count
a 0. Likewise a point value whose denominator is 0 is ``None``, never a 0 that would look like a
perfect rate.

Verdicts (indicative, not a legal test): ``not_enough_data`` when the metric's denominator
(members for the selection rate and accuracy, positives for the TPR and FNR, negatives for the
FPR, predicted positives for precision) is below ``min_count`` in the group or in the reference
group, so that a small group never makes a model look fair or unfair by accident; otherwise
``pass`` when both the ratio lies within [ratio_min, ratio_max] and the difference within
± max_difference (bounds included), ``fail`` when either does not. A reference value of 0 makes
the ratio undefined (``None``): the ratio condition then holds only if the group's value is 0
too. The reference group gets no verdict; by default it is the attribute's largest group (the
best-measured one; ties go to the first name in order).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import fairlearn
import numpy as np
import sklearn
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score

from .predictions import Predictions, reference_groups
from .problems import InputProblem, InvalidPredictions

METRICS = ("selection_rate", "true_positive_rate", "false_positive_rate",
           "false_negative_rate", "precision", "accuracy")
DENOMINATORS = {"selection_rate": "members", "true_positive_rate": "positives",
                "false_positive_rate": "negatives", "false_negative_rate": "positives",
                "precision": "predicted_positives", "accuracy": "members"}
COUNTS = ("members", "tp", "fp", "fn", "tn")
VERDICTS = ("pass", "fail", "not_enough_data")
MIN_COUNT = 30
N_BOOT = 200
MAX_BOOT = 10_000  # draws are kept in memory: 10,000 × 1,000 groups × 18 series of floats
EPSILON = 1e-9  # bounds are included: 0.4 − 0.3 is 0.10000000000000003 in floating point
INTERSECTION = " × "


@dataclass(frozen=True)
class Thresholds:
    """The committee's bounds for one model, indicative and not a legal test."""

    ratio_min: float = 0.8
    ratio_max: float = 1.25
    max_difference: float = 0.10

    def problems(self) -> list[InputProblem]:
        ok = (0 < self.ratio_min <= 1 <= self.ratio_max < float("inf")
              and 0 <= self.max_difference <= 1)
        return [] if ok else [InputProblem("bad_thresholds", {
            "ratio_min": self.ratio_min, "ratio_max": self.ratio_max,
            "max_difference": self.max_difference})]


@dataclass(frozen=True)
class Metric:
    """One metric of one group: its value, interval, denominator and comparison."""

    value: float | None
    interval: tuple[float, float] | None
    denominator: int
    difference: float | None = None  # group − reference
    difference_interval: tuple[float, float] | None = None
    ratio: float | None = None  # group ÷ reference; None when the reference value is 0
    ratio_interval: tuple[float, float] | None = None
    direction: str | None = None  # "higher", "lower", "equal" than the reference
    verdict: str | None = None  # pass, fail, not_enough_data; None for the reference group


@dataclass(frozen=True)
class Group:
    name: str
    values: dict[str, str]  # attribute → value (several for an intersection)
    counts: dict[str, int]  # members, tp, fp, fn, tn
    is_reference: bool
    metrics: dict[str, Metric]


@dataclass(frozen=True)
class AttributeResult:
    name: str  # "college", or "college × âge" for the intersection
    columns: tuple[str, ...]
    reference: str
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class BiasTestResult:
    rows: int
    positives: int
    dataset_sha256: str
    file_sha256: str | None
    columns: dict[str, Any]
    overall: dict[str, Metric]
    attributes: tuple[AttributeResult, ...]
    parameters: dict[str, Any]
    libraries: dict[str, str] = field(default_factory=dict)

    def verdicts(self) -> dict[str, str]:
        """Every verdict as "attribute/metric/group" → pass, fail or not_enough_data."""
        return {f"{a.name}/{name}/{g.name}": m.verdict
                for a in self.attributes for g in a.groups if not g.is_reference
                for name, m in g.metrics.items()}

    def to_json(self) -> dict[str, Any]:
        """The whole test as plain JSON values (no NaN: an undefined value is null)."""
        verdicts = self.verdicts()
        return {
            "dataset": {"sha256": self.dataset_sha256, "file_sha256": self.file_sha256,
                        "rows": self.rows, "positives": self.positives,
                        "columns": self.columns},
            "libraries": self.libraries,
            "parameters": self.parameters,
            "definitions": {"difference": "group - reference", "ratio": "group / reference",
                            "denominators": DENOMINATORS,
                            "verdict": "indicative thresholds, not a legal test"},
            "overall": {name: _metric_json(m) for name, m in self.overall.items()},
            "attributes": {a.name: {
                "columns": list(a.columns), "reference": a.reference,
                "groups": {g.name: {"values": g.values, **g.counts,
                                    "is_reference": g.is_reference,
                                    "metrics": {n: _metric_json(m)
                                                for n, m in g.metrics.items()}}
                           for g in a.groups}} for a in self.attributes},
            "verdicts": verdicts,
            "summary": {v: sum(1 for x in verdicts.values() if x == v) for v in VERDICTS},
        }


def bias_test(
    data: Predictions,
    *,
    reference: str | dict[str, str] | list[str] | None = None,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 (frozen, so sharing it is safe)
    min_count: int = MIN_COUNT,
    n_boot: int = N_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
    extra_parameters: dict[str, Any] | None = None,
) -> BiasTestResult:
    """Test ``data`` (see ethics_register.predictions) by group; raise InvalidPredictions.

    ``reference`` names each attribute's reference group (see ``reference_groups``); ``n_boot``
    draws (0: no intervals) from ``numpy.random.default_rng(seed)`` give the ``confidence``
    intervals. ``extra_parameters`` (a model id…) are stored with the parameters.
    """
    problems = list(thresholds.problems())
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        problems.append(InputProblem("bad_min_count", {"value": min_count}))
    if (isinstance(n_boot, bool) or not isinstance(n_boot, int)
            or not 0 <= n_boot <= MAX_BOOT):
        problems.append(InputProblem("bad_n_boot", {"value": n_boot, "max": MAX_BOOT}))
    if not isinstance(confidence, int | float) or not 0 < confidence < 1:
        problems.append(InputProblem("bad_confidence", {"value": confidence}))
    if problems:
        raise InvalidPredictions(problems)
    asked = reference_groups(data, reference)
    cells = _cells(data)
    draws = (np.random.default_rng(seed).multinomial(
        len(data), cells.counts / len(data), size=n_boot) if n_boot else None)
    quantiles = ((1 - confidence) / 2, (1 + confidence) / 2)
    views = [(a.name, (a.name,)) for a in data.attributes]
    if len(data.attributes) > 1:
        names = tuple(a.name for a in data.attributes)
        views.append((INTERSECTION.join(names), names))
    results = [_view(cells, name, columns, asked, draws, quantiles, thresholds, min_count)
               for name, columns in views]
    overall = _overall(cells, draws, quantiles)
    parameters = {
        "reference": asked, "thresholds": {"ratio_min": thresholds.ratio_min,
                                           "ratio_max": thresholds.ratio_max,
                                           "max_difference": thresholds.max_difference},
        "min_count": min_count, "n_boot": n_boot, "seed": seed, "confidence": confidence,
        "bootstrap": "multinomial resampling of all rows with replacement, percentile intervals",
        "threshold": data.threshold, "positive": data.positive, **(extra_parameters or {})}
    return BiasTestResult(
        rows=len(data), positives=int(data.labels.sum()), dataset_sha256=data.sha256,
        file_sha256=data.file_sha256, columns=data.columns, overall=overall,
        attributes=tuple(results), parameters=parameters, libraries=library_versions())


def library_versions() -> dict[str, str]:
    import pandas

    return {"fairlearn": fairlearn.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "pandas": pandas.__version__,
            "python": platform.python_version()}


@dataclass(frozen=True)
class _Cells:
    """The distinct (groups, label, prediction) cells of the data and how many rows each has."""

    counts: np.ndarray  # int64, per cell
    labels: np.ndarray  # int, 0/1 per cell
    predicted: np.ndarray
    groups: dict[str, np.ndarray]  # attribute → group name of each cell
    names: tuple[str, ...]


def _cells(data: Predictions) -> _Cells:
    combined = np.zeros(len(data), dtype=np.int64)
    for attribute in data.attributes:  # refactorised at each step, so it never overflows
        combined = np.unique(combined * len(attribute.groups) + attribute.codes,
                             return_inverse=True)[1].reshape(-1)
    key = combined * 4 + data.labels.astype(np.int64) * 2 + data.predicted.astype(np.int64)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    groups = {a.name: np.asarray(a.groups, dtype=object)[a.codes[first]]
              for a in data.attributes}
    return _Cells(counts=counts, labels=data.labels[first].astype(int),
                  predicted=data.predicted[first].astype(int), groups=groups,
                  names=tuple(a.name for a in data.attributes))


def _members(y_true, y_pred, sample_weight) -> float:
    return float(np.sum(sample_weight))


def _confusion(kind: int, y_true, y_pred, sample_weight) -> float:
    return float(confusion_matrix(y_true, y_pred, labels=[0, 1],
                                  sample_weight=sample_weight).ravel()[kind])


FUNCTIONS = {
    "members": _members,
    "tn": partial(_confusion, 0), "fp": partial(_confusion, 1),
    "fn": partial(_confusion, 2), "tp": partial(_confusion, 3),
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "precision": partial(precision_score, zero_division=np.nan),
    "accuracy": accuracy_score,
}


def _frame(cells: _Cells, columns: tuple[str, ...]) -> MetricFrame:
    weights = {"sample_weight": cells.counts.astype(float)}
    return MetricFrame(metrics=FUNCTIONS, y_true=cells.labels, y_pred=cells.predicted,
                       sensitive_features={c: cells.groups[c] for c in columns},
                       sample_params={name: weights for name in FUNCTIONS})


def _denominators(counts: dict[str, float]) -> dict[str, int]:
    positives, negatives = counts["tp"] + counts["fn"], counts["fp"] + counts["tn"]
    by_kind = {"members": counts["members"], "positives": positives, "negatives": negatives,
               "predicted_positives": counts["tp"] + counts["fp"]}
    return {metric: int(by_kind[DENOMINATORS[metric]]) for metric in METRICS}


def _rates(tp, fp, fn, tn) -> dict[str, np.ndarray]:
    """Each metric from confusion counts (arrays of draws × groups); NaN where undefined."""
    def ratio(top, bottom):
        return np.divide(top, bottom, out=np.full(np.shape(top), np.nan), where=bottom > 0)

    members = tp + fp + fn + tn
    return {"selection_rate": ratio(tp + fp, members), "true_positive_rate": ratio(tp, tp + fn),
            "false_positive_rate": ratio(fp, fp + tn), "false_negative_rate": ratio(fn, tp + fn),
            "precision": ratio(tp, tp + fp), "accuracy": ratio(tp + tn, members)}


def _drawn_counts(cells: _Cells, draws: np.ndarray, group_of_cell: np.ndarray, size: int):
    """(tp, fp, fn, tn) of each group in each draw, each an array of draws × groups."""
    kinds = cells.labels * 2 + cells.predicted  # 0 tn, 1 fp, 2 fn, 3 tp
    out = []
    for kind in (3, 1, 2, 0):
        one_hot = np.zeros((len(kinds), size))
        mask = kinds == kind
        one_hot[np.flatnonzero(mask), group_of_cell[mask]] = 1.0
        out.append(draws @ one_hot)  # sums of integers below 2**53: exact
    return out


def _interval(samples: np.ndarray, quantiles) -> list[tuple[float, float] | None]:
    """Percentile interval of each column of ``samples`` (draws × groups), NaN draws left out."""
    result: list[tuple[float, float] | None] = []
    for column in samples.T:
        kept = column[~np.isnan(column)]
        result.append(None if kept.size == 0 else tuple(
            float(q) for q in np.quantile(kept, quantiles)))
    return result


def _view(cells, name, columns, asked, draws, quantiles, thresholds, min_count):
    frame = _frame(cells, columns).by_group
    # MetricFrame lists every combination of the attributes' values; one without rows is no
    # group (its values are NaN).
    frame = frame[frame["members"].notna() & (frame["members"] > 0)]
    keys = [k if isinstance(k, tuple) else (k,) for k in frame.index]
    labels = [INTERSECTION.join(k) for k in keys]
    rows = {label: frame.iloc[i] for i, label in enumerate(labels)}
    counts = {label: {c: int(rows[label][c]) for c in COUNTS} for label in labels}
    if len(columns) == 1:
        wanted = asked.get(columns[0])
    else:  # the combination of the attributes' references, when each has one
        wanted = (INTERSECTION.join(asked[c] for c in columns)
                  if all(c in asked for c in columns) else None)
    reference = wanted if wanted in rows else min(
        labels, key=lambda g: (-counts[g]["members"], g))
    r = labels.index(reference)
    samples = intervals = None
    if draws is not None:
        group_of_cell = _group_of_cell(cells, columns, keys)
        samples = _rates(*_drawn_counts(cells, draws, group_of_cell, len(labels)))
        intervals = {m: _interval(samples[m], quantiles) for m in METRICS}
    denominators = {g: _denominators(counts[g]) for g in labels}
    groups = []
    for i, label in enumerate(labels):
        metrics = {}
        for metric in METRICS:
            value = _value(rows[label][metric], denominators[label][metric])
            ref_value = _value(rows[reference][metric], denominators[reference][metric])
            metric_result = Metric(value, intervals[metric][i] if intervals else None,
                                   denominators[label][metric])
            if i != r:
                metric_result = _compare(
                    metric_result, ref_value, denominators[reference][metric],
                    samples[metric][:, [i, r]] if samples else None, quantiles, thresholds,
                    min_count)
            metrics[metric] = metric_result
        groups.append(Group(label, dict(zip(columns, keys[i], strict=True)), counts[label],
                            i == r, metrics))
    groups.sort(key=lambda g: g.name)
    return AttributeResult(name, columns, reference, tuple(groups))


def _group_of_cell(cells: _Cells, columns, keys) -> np.ndarray:
    index = {key: i for i, key in enumerate(keys)}
    return np.fromiter((index[key] for key in zip(*(cells.groups[c] for c in columns),
                                                  strict=True)),
                       dtype=np.int64, count=len(cells.counts))


def _value(value, denominator: int) -> float | None:
    """MetricFrame's value, or None where its denominator is 0 (fairlearn says 0 there)."""
    return None if denominator == 0 or np.isnan(value) else float(value)


def compare(value: float | None, denominator: int, ref_value: float | None,
            ref_denominator: int, *,
            thresholds: Thresholds = Thresholds(),  # noqa: B008 (frozen)
            min_count: int = MIN_COUNT) -> Metric:
    """One value compared with a reference value, and its verdict, as a bias test's metrics
    are (without intervals): for other checks that must judge by the same rules (the college
    check of Palabre's own analysis)."""
    return _compare(Metric(value, None, denominator), ref_value, ref_denominator, None, None,
                    thresholds, min_count)


def _compare(metric: Metric, ref_value, ref_denominator, pair, quantiles, thresholds,
             min_count) -> Metric:
    value = metric.value
    difference = ratio = direction = None
    difference_interval = ratio_interval = None
    if value is not None and ref_value is not None:
        difference = value - ref_value
        ratio = value / ref_value if ref_value > 0 else None
        direction = ("equal" if abs(difference) <= EPSILON else
                     "higher" if difference > 0 else "lower")
    if pair is not None:
        group, ref = pair[:, 0], pair[:, 1]
        difference_interval = _interval((group - ref)[:, None], quantiles)[0]
        ratios = np.divide(group, ref, out=np.full(len(ref), np.nan), where=ref > 0)
        ratio_interval = _interval(ratios[:, None], quantiles)[0]
    if (metric.denominator < min_count or ref_denominator < min_count or value is None
            or ref_value is None):
        verdict = "not_enough_data"
    else:
        ratio_ok = (value == ref_value if ref_value == 0 else
                    thresholds.ratio_min - EPSILON <= ratio <= thresholds.ratio_max + EPSILON)
        difference_ok = abs(difference) <= thresholds.max_difference + EPSILON
        verdict = "pass" if ratio_ok and difference_ok else "fail"
    return Metric(value, metric.interval, metric.denominator, difference, difference_interval,
                  ratio, ratio_interval, direction, verdict)


def _overall(cells: _Cells, draws, quantiles) -> dict[str, Metric]:
    frame = _frame(cells, cells.names[:1]).overall
    counts = {c: int(frame[c]) for c in COUNTS}
    denominators = _denominators(counts)
    intervals = None
    if draws is not None:
        zeros = np.zeros(len(cells.counts), dtype=np.int64)
        samples = _rates(*_drawn_counts(cells, draws, zeros, 1))
        intervals = {m: _interval(samples[m], quantiles)[0] for m in METRICS}
    return {m: Metric(_value(frame[m], denominators[m]), intervals[m] if intervals else None,
                      denominators[m]) for m in METRICS}


def _metric_json(metric: Metric) -> dict[str, Any]:
    document = {
        "value": metric.value, "interval": list(metric.interval) if metric.interval else None,
        "denominator": metric.denominator}
    if metric.verdict is not None:
        document.update({
            "difference": metric.difference,
            "difference_interval": _listed(metric.difference_interval),
            "ratio": metric.ratio, "ratio_interval": _listed(metric.ratio_interval),
            "direction": metric.direction, "verdict": metric.verdict})
    return document


def _listed(interval):
    return list(interval) if interval else None
