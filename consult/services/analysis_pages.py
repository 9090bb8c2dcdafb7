"""The pages that read analyses: the latest run or any earlier one, its progress while it runs,
the list of a consultation's runs, and what changed between two of them.

Every run is kept whole (``analysis.run_analysis`` never overwrites one), so any run can be read
again as it was, and two done runs compared theme by theme with ``nlp.themes.match_themes``: the
keys are contribution ids, so that a verbatim is the same in both runs whatever its row.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from nlp.themes import match_themes

from ..access import FACILITATION
from ..models import AnalysisRun, Consultation, Contribution, Member
from ..rules import N_
from . import NotFound, ServiceError, require_role
from .analysis import (
    STALE_AFTER,
    active_run,
    analysed,
    fail_abandoned_runs,
    get_run,
    latest_run,
)
from .consultations import get_consultation
from .run_results import result_of

NO_SUCH_RUN = N_("Cette analyse n'existe pas.")
NOT_DONE = N_("L'analyse n° %(id)s n'est pas terminée : seules des analyses terminées se "
              "comparent.")
CHOOSE_TWO = N_("Choisissez deux analyses terminées, différentes, à comparer.")


def run_of(session: Session, consultation_id: int, run_id: int) -> AnalysisRun:
    """Run ``run_id`` if it is one of the consultation's; otherwise NotFound."""
    run = get_run(session, run_id)
    if run.consultation_id != consultation_id:
        raise NotFound(NO_SUCH_RUN)
    return run


def percent_of(run: AnalysisRun | None) -> int:
    """How far a run is, in whole per cent (100 once done)."""
    if run is None:
        return 0
    if run.status == "done":
        return 100
    return round(min(max(run.progress or 0.0, 0.0), 1.0) * 100)


# --- The college check of a run ---------------------------------------------------------------


@dataclass(frozen=True)
class CollegeCheckRow:
    """One metric of one college in a run's college check (shares from 0 to 1)."""

    college: str
    metric: str  # unassigned, redacted, under_represented
    value: float | None
    count: int
    denominator: int
    rest_value: float | None  # the same share over the other colleges' verbatims pooled
    rest_denominator: int
    verdict: str  # pass, fail, not_enough_data
    set_aside_more: bool  # a fail where the college's words are set aside more


@dataclass(frozen=True)
class RunCollegeCheck:
    """A done run's college check as the analysis page and the register show it."""

    consultation_id: int
    consultation_title: str
    run_id: int
    finished_at: datetime | None
    flagged: tuple[str, ...]  # the colleges whose words the analysis sets aside more
    rows: tuple[CollegeCheckRow, ...]
    min_count: int
    without_college: int  # verbatims whose author has no college, in no row


def run_college_check(run: AnalysisRun, consultation: Consultation) -> RunCollegeCheck | None:
    """The college check stored with ``run``; None when it has none (not done, or stored
    before the check existed)."""
    document = json.loads(run.result) if run.result else {}
    check = document.get("college_check")
    if run.status != "done" or not check:
        return None
    fields = CollegeCheckRow.__dataclass_fields__
    return RunCollegeCheck(
        consultation_id=consultation.id, consultation_title=consultation.title, run_id=run.id,
        finished_at=run.finished_at, flagged=tuple(check.get("flagged", ())),
        rows=tuple(CollegeCheckRow(**{k: v for k, v in row.items() if k in fields})
                   for row in check.get("rows", ())),
        min_count=check.get("parameters", {}).get("min_count", 0),
        without_college=check.get("without_college", 0))


@dataclass(frozen=True)
class AnalysisPage:
    """An analysis of a consultation as the facilitation team reads it (the latest one, or the
    one asked for): each theme with its verdict, reasons and figures, and the redacted text of
    its typical verbatims; while it runs, how far it is."""

    consultation: Consultation
    run: AnalysisRun | None
    themes: list[dict]
    verdicts: dict[str, dict]  # by theme id, as a string (JSON keys)
    counts: dict[str, int]  # themes per verdict
    opinion: dict | None
    thresholds: dict
    texts: dict[int, str]  # row of the analysis -> redacted text, for the rows still analysed
    college_check: RunCollegeCheck | None = None
    energy: dict | None = None  # ethics_register.Energy.to_json() of the run
    set_aside: dict | None = None  # verbatims set aside, by reason (nlp.themes.ThemeResult)
    rerun: str | None = None  # "incremental" when the run started from the previous one
    percent: int = 0  # how far the run is, 0 to 100
    can_start: bool = True  # no run of the consultation is queued or running
    latest: bool = True  # the run shown is the consultation's latest


def analysis_page(session: Session, actor: Member, consultation_id: int, *,
                  run_id: int | None = None,
                  stale_after: timedelta = STALE_AFTER) -> AnalysisPage:
    """The consultation's latest run, or run ``run_id`` (NotFound if it is another's)."""
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    fail_abandoned_runs(session, stale_after=stale_after)
    latest = latest_run(session, consultation.id)
    run = latest if run_id is None else run_of(session, consultation.id, run_id)
    document = result_of(run) if run is not None else {}
    texts = {}
    if document:
        ids = json.loads(run.contribution_ids)
        # Only the verbatims the page quotes (each theme's representatives), still analysed.
        rows = {i for theme in document.get("themes", []) for i in theme["representatives"]
                if 0 <= i < len(ids)}
        wanted = {ids[i]: i for i in rows}
        texts = {wanted[cid]: text for cid, text in session.exec(
            select(Contribution.id, Contribution.redacted_text).where(
                *analysed(consultation.id), Contribution.id.in_(list(wanted))))} if wanted else {}
    convergence = document.get("convergence", {})
    return AnalysisPage(
        consultation=consultation,
        run=run,
        themes=document.get("themes", []),
        verdicts=convergence.get("verdicts", {}),
        counts=convergence.get("counts", {}),
        opinion=convergence.get("opinion"),
        thresholds=convergence.get("thresholds", {}),
        texts=texts,
        college_check=run_college_check(run, consultation) if run is not None else None,
        energy=document.get("energy"),
        set_aside=document.get("set_aside"),
        rerun=document.get("rerun"),
        percent=percent_of(run),
        can_start=active_run(session, consultation.id) is None,
        latest=run is None or latest.id == run.id,
    )


@dataclass(frozen=True)
class RunProgress:
    """Where a run is, for the page that follows it (a JSON answer)."""

    run_id: int
    status: str
    stage: str | None
    percent: int
    cancel_requested: bool

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "status": self.status, "stage": self.stage,
                "percent": self.percent, "cancel_requested": self.cancel_requested}


def run_progress(session: Session, actor: Member, consultation_id: int, run_id: int, *,
                 stale_after: timedelta = STALE_AFTER) -> RunProgress:
    require_role(actor, FACILITATION)
    fail_abandoned_runs(session, stale_after=stale_after)  # a stopped worker ends the wait
    run = run_of(session, consultation_id, run_id)
    return RunProgress(run.id, run.status, run.stage, percent_of(run), run.cancel_requested)


# --- Every run of a consultation ----------------------------------------------------------------


@dataclass(frozen=True)
class RunRow:
    """One run in the list of a consultation's analyses."""

    id: int
    status: str
    mode: str
    started_at: datetime
    finished_at: datetime | None
    seconds: float
    themes: int | None  # None when it stored no result
    input_hash: str  # the first 12 hex digits of the SHA-256 of what it read
    previous_run_id: int | None
    contributions: int
    parameters: tuple[tuple[str, str], ...] = ()  # (name, value as written in JSON), by name
    versions: tuple[tuple[str, str], ...] = ()  # (library, version), by name


@dataclass(frozen=True)
class RunsPage:
    consultation: Consultation
    runs: tuple[RunRow, ...]  # newest first
    done: tuple[RunRow, ...]  # the runs that can be compared, newest first


def runs_page(session: Session, actor: Member, consultation_id: int, *,
              stale_after: timedelta = STALE_AFTER) -> RunsPage:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    fail_abandoned_runs(session, stale_after=stale_after)
    rows = tuple(_row(run) for run in session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation.id).order_by(AnalysisRun.id.desc())))
    return RunsPage(consultation, rows, tuple(r for r in rows if r.status == "done"))


def _row(run: AnalysisRun) -> RunRow:
    document = result_of(run) if run.status == "done" else {}
    return RunRow(
        id=run.id, status=run.status, mode=run.mode, started_at=run.started_at,
        finished_at=run.finished_at, seconds=run.seconds or 0.0,
        themes=len(document["themes"]) if "themes" in document else None,
        input_hash=(run.input_sha256 or "")[:12], previous_run_id=run.previous_run_id,
        contributions=len(json.loads(run.contribution_ids or "[]")),
        parameters=_shown(run.parameters), versions=_shown(run.versions))


def _shown(stored: str | None) -> tuple[tuple[str, str], ...]:
    """A stored JSON object as (key, value) pairs to read: strings as they are, the rest in
    JSON (``null``, ``true``, nested objects)."""
    values = json.loads(stored or "{}")
    return tuple((key, value if isinstance(value, str) else
                  json.dumps(value, ensure_ascii=False, sort_keys=True))
                 for key, value in sorted(values.items()))


# --- Two runs compared ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeRef:
    """A theme of one run, as the comparison names it."""

    id: int
    label: str
    size: int


@dataclass(frozen=True)
class KeptTheme:
    before: ThemeRef  # in the first run
    after: ThemeRef  # in the second


@dataclass(frozen=True)
class MergedTheme:
    after: ThemeRef
    before: tuple[ThemeRef, ...]  # the first run's themes that went into it


@dataclass(frozen=True)
class SplitTheme:
    before: ThemeRef
    after: tuple[ThemeRef, ...]  # the second run's themes it was divided into


@dataclass(frozen=True)
class RunComparison:
    """What changed from run ``a`` to run ``b`` of a consultation (nlp.themes.match_themes)."""

    consultation: Consultation
    a: AnalysisRun
    b: AnalysisRun
    kept: tuple[KeptTheme, ...]
    gained: tuple[ThemeRef, ...]  # themes of b with no counterpart in a
    lost: tuple[ThemeRef, ...]  # themes of a with no counterpart in b
    merged: tuple[MergedTheme, ...]
    split: tuple[SplitTheme, ...]
    only_in_a: int  # verbatims that a read and b did not (withdrawn, hidden since)
    only_in_b: int  # verbatims that b read and a did not (contributed since, shown again)
    shared: int


def compare_runs(session: Session, actor: Member, consultation_id: int, a: int | None,
                 b: int | None) -> RunComparison:
    """Compare two done runs of the consultation, ``a`` taken as the earlier one."""
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    if a is None or b is None or a == b:
        raise ServiceError(CHOOSE_TWO)
    first, second = run_of(session, consultation.id, a), run_of(session, consultation.id, b)
    for run in (first, second):
        if run.status != "done":
            raise ServiceError(NOT_DONE, id=run.id)
    (themes_a, keys_a, reps_a), (themes_b, keys_b, _) = _keyed(first), _keyed(second)
    changes = match_themes(themes_a.members, themes_b.members, reps_a)
    provisional = {final: n for n, final in changes.ids.items()}  # b's ids, back from final
    ref_a, ref_b = themes_a.refs, themes_b.refs
    return RunComparison(
        consultation=consultation, a=first, b=second,
        kept=tuple(KeptTheme(ref_a[p], ref_b[provisional[f]])
                   for f, p in sorted(changes.kept.items(), key=lambda item: item[1])),
        gained=tuple(ref_b[provisional[f]] for f in changes.new),
        lost=tuple(ref_a[p] for p in changes.gone),
        merged=tuple(MergedTheme(ref_b[provisional[f]], tuple(ref_a[p] for p in sources))
                     for f, sources in sorted(changes.merged.items())),
        split=tuple(SplitTheme(ref_a[p], tuple(ref_b[provisional[f]] for f in parts))
                    for p, parts in sorted(changes.split.items())),
        only_in_a=len(keys_a - keys_b), only_in_b=len(keys_b - keys_a),
        shared=len(keys_a & keys_b),
    )


@dataclass(frozen=True)
class _Themes:
    members: dict[int, list[int]]  # theme id -> contribution ids
    refs: dict[int, ThemeRef]


def _keyed(run: AnalysisRun) -> tuple[_Themes, set[int], dict[int, list[int]]]:
    """A run's themes with their members as contribution ids (a theme's members and
    representatives are rows of that run), the contribution ids it read, and the
    representatives of each theme."""
    ids = json.loads(run.contribution_ids)
    themes = result_of(run).get("themes", [])

    def keys(rows):
        return [ids[row] for row in rows if 0 <= row < len(ids)]

    members = {t["id"]: keys(t.get("members", ())) for t in themes}
    refs = {t["id"]: ThemeRef(t["id"], t["label"], t.get("size", len(members[t["id"]])))
            for t in themes}
    representatives = {t["id"]: keys(t.get("representatives", ())) for t in themes}
    return _Themes(members, refs), set(ids), representatives
