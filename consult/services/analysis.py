"""Theme analysis of a consultation: asked for, run by the job worker, stored whole, shown.

A facilitator asks (:func:`request_analysis`): the run is stored at once as ``queued``, and the
view or the CLI hands its id to the worker, whose job (:func:`run_analysis`) marks it ``running``,
finds the themes of the redacted verbatims (``nlp.themes``) and their verdicts
(``nlp.convergence``), and ends it ``done``, or ``failed`` with a readable reason. A consultation
has at most one run queued or running: the service refuses a second request, and a partial unique
index on ``analysis_run`` holds the rule when two requests race.

A running job records its worker ("host:pid") and writes a heartbeat every 30 seconds. A run
whose worker stopped — its process gone from this machine, or no heartbeat for a few minutes —
is marked failed with the reason and an ``AnalysisAbandoned`` event, so that a new one can start
(:func:`fail_abandoned_runs`, called by the page, by a new request and when a worker starts).
"""

import hashlib
import json
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from ethics_register import measure_energy
from nlp.themes import MODES

from .. import audit, events
from ..access import FACILITATION
from ..models import AnalysisRun, College, Consultation, Contribution, Member, Vote, utcnow
from ..rules import N_, STANCE_DIRECTION
from . import NotFound, ServiceError, require_role
from .consultations import get_consultation

ACTIVE = ("queued", "running")
ALREADY_ACTIVE = N_(
    "Une analyse de cette consultation est déjà demandée ou en cours : attendez qu'elle se "
    "termine avant d'en lancer une autre."
)
STALE_AFTER = timedelta(minutes=5)  # PALABRE_ANALYSIS_STALE_MINUTES
HEARTBEAT_SECONDS = 30
WORKER_GONE = N_("Le worker qui faisait cette analyse s'est arrêté avant la fin.")
WORKER_SILENT = N_("Le worker qui faisait cette analyse ne donne plus signe de vie.")
log = logging.getLogger(__name__)


def analysed_contributions(session: Session, consultation_id: int) -> list[Contribution]:
    """What the analysis reads: contributions that count (not withdrawn, not hidden), in order.

    Hidden contributions stay counted in the consultation's figures but their text, set
    aside by the moderation, does not shape the themes.
    """
    return list(session.exec(
        select(Contribution).where(Contribution.consultation_id == consultation_id,
                                   ~Contribution.withdrawn, ~Contribution.hidden)
        .order_by(Contribution.id)))


def input_hash(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1e")  # record separator: ["ab", "c"] and ["a", "bc"] differ
    return digest.hexdigest()


def request_analysis(session: Session, actor: Member | None, consultation_id: int, *,
                     mode: str = "auto", n_themes: int | None = None, seed: int = 0,
                     stale_after: timedelta = STALE_AFTER) -> AnalysisRun:
    """Store a new run as ``queued`` (facilitators; None = the system), for the worker to run.

    Refused while another run of the same consultation is queued or running.
    """
    if actor is not None:
        require_role(actor, FACILITATION)
    if mode not in MODES:
        raise ServiceError(N_("Mode d'analyse inconnu : %(mode)s."), mode=mode)
    consultation = get_consultation(session, consultation_id)
    fail_abandoned_runs(session, stale_after=stale_after)
    if active_run(session, consultation.id) is not None:
        raise ServiceError(ALREADY_ACTIVE)
    run = AnalysisRun(consultation_id=consultation.id, mode=mode, status="queued",
                      parameters=json.dumps({"mode": mode, "n_themes": n_themes, "seed": seed}),
                      created_by_ref=actor.ref if actor else None)
    session.add(run)
    try:
        session.flush()  # the partial unique index refuses a second active run here
    except IntegrityError as error:
        session.rollback()
        raise ServiceError(ALREADY_ACTIVE) from error
    audit.record_event(session, events.AnalysisRequested(
        actor=run.created_by_ref, object_id=str(run.id), consultation_id=consultation.id,
        mode=mode))
    session.commit()
    return run


def run_analysis(session: Session, run_id: int, *, progress: Callable | None = None) -> AnalysisRun:
    """The worker's job: run a queued analysis and store its result, or why it failed.

    A run that is not queued any more (already run, or taken by another worker) is left as it is.
    """
    run = get_run(session, run_id)
    if run.status != "queued":
        return run
    contributions = analysed_contributions(session, run.consultation_id)
    texts = [c.redacted_text for c in contributions]
    run.status, run.started_at = "running", utcnow()
    run.worker, run.heartbeat_at = this_worker(), run.started_at
    run.input_sha256 = input_hash(texts)
    run.contribution_ids = json.dumps([c.id for c in contributions])
    session.add(run)
    session.commit()  # the page shows it running; a failed run keeps what it read
    parameters = json.loads(run.parameters)
    before = previous_run(session, run)
    if before is not None:
        run.previous_run_id = before.id
        session.add(run)
        session.commit()
    started = time.perf_counter()
    try:
        with _Heartbeat(session.get_bind(), run_id), measure_energy() as meter:
            document, result = _analyse(
                session, contributions, texts, parameters, progress,
                previous=json.loads(before.result) if before is not None else None)
    except Exception as error:  # the run is recorded as failed, with what went wrong
        log.exception("analysis run %s failed", run_id)
        session.rollback()
        run = get_run(session, run_id)
        run.status = "failed"
        run.error = "".join(traceback.format_exception_only(error)).strip()
        run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
        _record(session, run, 0)
        return run
    document["energy"] = meter.result.to_json()
    run.status = "done"
    run.mode = result.mode  # "auto" resolves to the mode that ran
    run.parameters = json.dumps({**parameters, **document.get("parameters", {})},
                                sort_keys=True, default=str)
    run.versions = json.dumps(document.get("versions", {}), sort_keys=True)
    run.result = json.dumps(document, ensure_ascii=False, default=str)
    run.message = result.message
    run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
    _record(session, run, len(result.themes))
    return run


def analyse_now(session: Session, actor: Member | None, consultation_id: int, *,
                progress: Callable | None = None, **parameters) -> AnalysisRun:
    """Request an analysis and run it in this process (the CLI, which shows its progress)."""
    run = request_analysis(session, actor, consultation_id, **parameters)
    return run_analysis(session, run.id, progress=progress)


def previous_run(session: Session, run: AnalysisRun) -> AnalysisRun | None:
    """The consultation's last finished analysis before ``run``, with the same seed and number
    of themes asked: the new run starts from its themes, so that they keep their place, ids
    and names when a few contributions arrive or are hidden (nlp.themes.rerun), and the
    facilitator's corrections follow them (consult.services.workspace). None when there is
    none, or when it predates contribution keys."""
    before = session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == run.consultation_id, AnalysisRun.status == "done",
        AnalysisRun.id < run.id).order_by(AnalysisRun.id.desc())).first()
    if before is None or not before.result:
        return None
    asked, then = json.loads(run.parameters), json.loads(before.parameters)
    if any(asked.get(k) != then.get(k) for k in ("seed", "n_themes")):
        return None
    return before if json.loads(before.result).get("keys") else None


def previous_result(session: Session, run: AnalysisRun) -> dict | None:
    """The result of :func:`previous_run`, or None."""
    before = previous_run(session, run)
    return json.loads(before.result) if before is not None else None


def _analyse(session, contributions, texts, parameters, progress, previous=None):
    from nlp.themes import find_themes

    result = find_themes(texts, mode=parameters["mode"], n_themes=parameters.get("n_themes"),
                         seed=parameters.get("seed", 0), progress=progress,
                         keys=[c.id for c in contributions], previous=previous)
    document = result.to_json()
    document["convergence"] = convergence_of(session, contributions, result).to_json()
    document["college_check"] = college_check_of(session, contributions, result).to_json()
    return document, result


def college_check_of(session: Session, contributions: list[Contribution], result):
    """Whether the analysis sets one college's verbatims aside more than the others'
    (ethics_register.college_check): left in no theme, redacted (its stored redacted text
    differs from what was written), or in themes where its college is under-represented."""
    from ethics_register import Verbatim, check_colleges  # loads fairlearn: on first use

    names = {c.id: c.name for c in session.exec(select(College))}
    return check_colleges([
        Verbatim(names.get(c.college_id), a.theme_id if a.theme_id >= 0 else None,
                 c.redacted_text != c.text)
        for c, a in zip(contributions, result.assignments, strict=True)])


def convergence_of(session: Session, contributions: list[Contribution], result):
    """Verdict per theme (convergent, divergent…) from the stances and latest votes, by college
    and by opinion group (nlp.convergence).

    Only the analysed contributions count: votes on withdrawn or hidden ones are left out.
    """
    from nlp.convergence import theme_convergence

    names = {c.id: c.name for c in session.exec(select(College))}
    row_of = {c.id: i for i, c in enumerate(contributions)}
    themes = [a.theme_id for a in result.assignments]
    stances = [
        (row_of[c.id], c.participant_ref, names.get(c.college_id), STANCE_DIRECTION[c.stance])
        for c in contributions if c.stance in STANCE_DIRECTION
    ]
    votes = [
        (row_of[v.contribution_id], v.participant_ref, names.get(v.college_id), v.value)
        for v in session.exec(
            select(Vote).where(Vote.latest, Vote.contribution_id.in_(list(row_of)))
            .order_by(Vote.created_at, Vote.id))
    ] if row_of else []
    # With a stance scale, agreeing with a verbatim against the proposal is a position against
    # it; without stances, a vote is agreement with the theme's content.
    orientation = [STANCE_DIRECTION.get(c.stance, 0) if c.stance else 1 for c in contributions]
    return theme_convergence(themes, stances, votes, orientation=orientation)


def _record(session: Session, run: AnalysisRun, themes: int) -> None:
    session.add(run)
    audit.record_event(session, events.AnalysisRecorded(
        actor=run.created_by_ref, object_id=str(run.id),
        consultation_id=run.consultation_id, mode=run.mode, status=run.status,
        input_sha256=run.input_sha256, themes=themes))
    session.commit()


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_gone(worker: str | None) -> bool:
    """Whether ``worker`` ("host:pid") was a process of this machine that no longer runs."""
    host, _, pid = (worker or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: it runs
        return False
    return False


def fail_abandoned_runs(session: Session, *, stale_after: timedelta = STALE_AFTER,
                        now: datetime | None = None) -> list[int]:
    """Mark failed the running analyses whose worker stopped; return their ids."""
    now = now or utcnow()
    failed = []
    for run in session.exec(select(AnalysisRun).where(AnalysisRun.status == "running")):
        last_sign = run.heartbeat_at or run.started_at
        if _process_gone(run.worker):
            reason = WORKER_GONE
        elif last_sign < now - stale_after:
            reason = WORKER_SILENT
        else:
            continue
        run.status, run.error, run.finished_at = "failed", reason, now
        session.add(run)
        audit.record_event(session, events.AnalysisAbandoned(
            actor=None, object_id=str(run.id), consultation_id=run.consultation_id,
            worker=run.worker, last_heartbeat=last_sign))
        failed.append(run.id)
    if failed:
        session.commit()
        log.warning("analysis runs %s abandoned by their worker, marked failed", failed)
    return failed


class _Heartbeat:
    """While an analysis runs, a thread writes its heartbeat every 30 seconds."""

    def __init__(self, engine, run_id: int):
        self.engine, self.run_id = engine, run_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join(timeout=HEARTBEAT_SECONDS)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT_SECONDS):
            try:
                with Session(self.engine) as session:
                    session.exec(update(AnalysisRun)
                                 .where(AnalysisRun.id == self.run_id,
                                        AnalysisRun.status == "running")
                                 .values(heartbeat_at=utcnow()))
                    session.commit()
            except Exception:  # a missed beat is not a failed analysis
                log.exception("heartbeat of analysis run %s", self.run_id)


def active_run(session: Session, consultation_id: int) -> AnalysisRun | None:
    """The consultation's run that is queued or running, if any."""
    return session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id,
        AnalysisRun.status.in_(ACTIVE))).first()


def latest_run(session: Session, consultation_id: int) -> AnalysisRun | None:
    """The most recent analysis of the consultation, whatever its status."""
    return session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id).order_by(AnalysisRun.id.desc())).first()


def get_run(session: Session, run_id: int) -> AnalysisRun:
    run = session.get(AnalysisRun, run_id)
    if run is None:
        raise NotFound(N_("Cette analyse n'existe pas."))
    return run


# --- The Analyse page ----------------------------------------------------------------------


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
    """The latest analysis of a consultation as the facilitation team reads it: each theme with
    its verdict, reasons and figures, and the redacted text of its typical verbatims."""

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


def analysis_page(session: Session, actor: Member, consultation_id: int, *,
                  stale_after: timedelta = STALE_AFTER) -> AnalysisPage:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    fail_abandoned_runs(session, stale_after=stale_after)
    run = latest_run(session, consultation.id)
    document = json.loads(run.result) if run is not None and run.result else {}
    texts = {}
    if document:
        ids = json.loads(run.contribution_ids)
        by_id = {c.id: c for c in analysed_contributions(session, consultation.id)}
        texts = {i: by_id[cid].redacted_text for i, cid in enumerate(ids) if cid in by_id}
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
    )
