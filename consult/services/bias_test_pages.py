"""What the bias-test pages show, assembled for the views: a test's metrics by group with their
intervals, verdicts and waivers, one chart per metric; and which entries' tests are stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ethics_register import gate
from ethics_register.bias import METRICS, Thresholds

from ..access import COMMITTEE
from ..charts import ChartInput, IntervalChart, interval_chart, threshold_band
from ..models import BiasTest, BiasWaiver, Member, RegisterEntry, utcnow
from ..rules import N_
from . import require_role
from .bias_tests import get_test, result_of, tests_of, thresholds_of, waivers_of
from .register import get_entry

METRIC_LABELS = {
    "selection_rate": N_("taux de sélection"),
    "true_positive_rate": N_("taux de vrais positifs"),
    "false_positive_rate": N_("taux de faux positifs"),
    "false_negative_rate": N_("taux de faux négatifs"),
    "precision": N_("précision"),
    "accuracy": N_("exactitude"),
}
VERDICT_LABELS = {"pass": N_("dans les seuils"), "fail": N_("hors des seuils"),
                  "not_enough_data": N_("trop peu de données")}
DIRECTION_LABELS = {"higher": N_("plus élevé"), "lower": N_("plus bas"), "equal": N_("égal")}

# Entries whose test matters now: a stale or missing test flags them.
WATCHED_STATUSES = ("approved", "deployed")


@dataclass(frozen=True)
class MetricRow:
    group: str
    is_reference: bool
    value: float | None
    interval: list[float] | None
    denominator: int
    difference: float | None
    ratio: float | None
    direction: str | None
    verdict: str | None
    key: str  # "attribute/metric/group", as the gate and the waivers name it
    waiver: BiasWaiver | None


@dataclass(frozen=True)
class MetricView:
    name: str
    rows: list[MetricRow]
    chart: IntervalChart
    band: tuple[float, float] | None


@dataclass(frozen=True)
class GroupCounts:
    name: str
    is_reference: bool
    counts: dict[str, int]


@dataclass(frozen=True)
class AttributeView:
    name: str
    reference: str
    groups: list[GroupCounts]
    metrics: list[MetricView]


@dataclass(frozen=True)
class TestPage:
    entry: RegisterEntry
    test: BiasTest
    result: dict[str, Any]
    attributes: list[AttributeView]
    thresholds: dict[str, float]
    min_count: int
    is_latest: bool  # the latest test of the entry's current version: the one the gate reads
    uncovered: list[str]  # its fail and not-enough-data verdicts no waiver covers
    stale: bool
    waivers: list[BiasWaiver]


def test_page(session: Session, actor: Member, test_id: int, *, now: datetime | None = None,
              retest_days: int = gate.RETEST_DAYS) -> TestPage:
    require_role(actor, COMMITTEE)
    test = get_test(session, test_id)
    row = get_entry(session, test.entry_id)
    result = result_of(test)
    parameters = result["parameters"]
    thresholds = parameters["thresholds"]
    waivers = {w.metric: w for w in waivers_of(session, row.id) if w.test_id == test.id}
    attributes = [_attribute(name, spec, thresholds, waivers)
                  for name, spec in result["attributes"].items()]
    latest = session.exec(select(BiasTest.id).where(
        BiasTest.entry_id == row.id, BiasTest.version == row.current_version)
        .order_by(BiasTest.created_at.desc(), BiasTest.id.desc())).first()
    uncovered = [key for key, verdict in sorted(result["verdicts"].items())
                 if verdict != "pass" and key not in waivers]
    age = (now or utcnow()) - test.created_at
    return TestPage(row, test, result, attributes, thresholds, parameters["min_count"],
                    latest == test.id, uncovered, age > timedelta(days=retest_days),
                    list(waivers.values()))


def _attribute(name: str, spec: dict, thresholds: dict, waivers: dict) -> AttributeView:
    groups = spec["groups"]
    reference = spec["reference"]
    counts = [GroupCounts(group, data["is_reference"],
                          {k: data[k] for k in ("members", "tp", "fp", "fn", "tn")})
              for group, data in groups.items()]
    metrics = []
    for metric in METRICS:
        rows = []
        for group, data in groups.items():
            m = data["metrics"][metric]
            key = f"{name}/{metric}/{group}"
            rows.append(MetricRow(group, data["is_reference"], m["value"], m["interval"],
                                  m["denominator"], m.get("difference"), m.get("ratio"),
                                  m.get("direction"), m.get("verdict"), key, waivers.get(key)))
        ref_value = groups[reference]["metrics"][metric]["value"] if reference in groups else None
        band = threshold_band(ref_value, thresholds["ratio_min"], thresholds["ratio_max"],
                              thresholds["max_difference"])
        chart = interval_chart(
            [ChartInput(r.group, r.value, tuple(r.interval) if r.interval else None, r.verdict,
                        r.is_reference) for r in rows], reference=ref_value, band=band)
        metrics.append(MetricView(metric, rows, chart, band))
    return AttributeView(name, reference, counts, metrics)


@dataclass(frozen=True)
class TestsSection:
    """The entry page's bias tests: the list, the thresholds in force, whether it is stale."""

    tests: list[BiasTest]
    thresholds: Thresholds
    min_count: int
    custom_thresholds: bool
    stale: bool  # the current version's latest test is missing or older than the period


def tests_section(session: Session, row: RegisterEntry, tests: list[BiasTest], *,
                  now: datetime | None = None,
                  retest_days: int = gate.RETEST_DAYS) -> TestsSection:
    from .bias_tests import current_thresholds

    thresholds, min_count = thresholds_of(session, row.id)
    dates = [t.created_at for t in tests if t.version == row.current_version]
    stale = not dates or (now or utcnow()) - max(dates) > timedelta(days=retest_days)
    return TestsSection(tests, thresholds, min_count,
                        current_thresholds(session, row.id) is not None, stale)


def stale_entries(session: Session, rows: list[RegisterEntry], *, now: datetime | None = None,
                  retest_days: int = gate.RETEST_DAYS) -> dict[int, datetime | None]:
    """The approved or deployed entries among ``rows`` whose current version has no test or only
    one older than the retest period, with the latest test's date (None: never tested)."""
    watched = {r.id: r for r in rows if r.status in WATCHED_STATUSES}
    if not watched:
        return {}
    latest = dict(((entry_id, version), tested) for entry_id, version, tested in session.exec(
        select(BiasTest.entry_id, BiasTest.version, func.max(BiasTest.created_at))
        .where(BiasTest.entry_id.in_(list(watched)))
        .group_by(BiasTest.entry_id, BiasTest.version)))
    limit = (now or utcnow()) - timedelta(days=retest_days)
    stale = {}
    for entry_id, row in watched.items():
        tested = latest.get((entry_id, row.current_version))
        if tested is not None and tested.tzinfo is None:  # SQLite's max() loses the type
            tested = datetime.fromisoformat(str(tested)).replace(tzinfo=limit.tzinfo)
        if tested is None or tested < limit:
            stale[entry_id] = tested
    return stale


def card_tests(session: Session, row: RegisterEntry) -> list[dict[str, Any]]:
    """The current version's tests for its model card, newest first; the verdicts of the
    latest (the one the gate reads), with its waivers."""
    tests = [t for t in tests_of(session, row.id) if t.version == row.current_version]
    waived = {(w.test_id, w.metric) for w in waivers_of(session, row.id)}
    items = []
    for index, test in enumerate(tests):
        verdicts = []
        if index == 0:
            result = result_of(test)
            for key, verdict in sorted(result["verdicts"].items()):
                attribute, metric, group = key.split("/", 2)
                value = result["attributes"][attribute]["groups"][group]["metrics"][metric][
                    "value"]
                verdicts.append({"attribute": attribute, "metric": metric,
                                 "metric_label": METRIC_LABELS[metric], "group": group,
                                 "value": value, "verdict": verdict,
                                 "verdict_label": VERDICT_LABELS[verdict],
                                 "waived": (test.id, key) in waived})
        items.append({"version": test.version, "recorded_at": test.created_at,
                      "rows": test.rows, "dataset_sha256": test.dataset_sha256,
                      "passed": test.passed, "failed": test.failed,
                      "not_enough_data": test.not_enough_data, "verdicts": verdicts})
    return items
