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

While it runs, the job writes the run's stage and overall progress (0 to 1) to its row, and reads
there whether a facilitator asked to stop it (:func:`cancel_analysis`): a cancelled run ends
``cancelled`` and stores no result. A run never overwrites an earlier one; it records which run it
started from (``previous_run_id``). The pages that read runs are in ``analysis_pages``.
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
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select, update

from ethics_register import measure_energy
from nlp.themes import MODES

from .. import audit, events
from ..access import FACILITATION
from ..models import AnalysisRun, College, Contribution, Member, Vote, utcnow
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
QUEUE_DOWN = N_("La file d'attente des tâches était injoignable : l'analyse n'a pas été lancée.")
log = logging.getLogger(__name__)


def analysed_contributions(session: Session, consultation_id: int) -> list[Contribution]:
    """What the analysis reads: contributions that count (not withdrawn, not hidden), in order.

    Hidden contributions stay counted in the consultation's figures but their text, set
    aside by the moderation, does not shape the themes.
    """
    return list(session.exec(
        select(Contribution).where(*analysed(consultation_id)).order_by(Contribution.id)))


def analysed(consultation_id: int) -> tuple:
    """The conditions of :func:`analysed_contributions`, for a query of a few columns."""
    return (Contribution.consultation_id == consultation_id, ~Contribution.withdrawn,
            ~Contribution.hidden)


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

    A run that is not queued any more (already run, taken by another worker, or cancelled) is
    left as it is. ``progress(stage, done, total)`` is called as the pipeline advances; the
    run's stage and overall progress are written to its row meanwhile (:class:`_Progress`),
    and a cancel request stops the run at its next step: it ends ``cancelled``, storing nothing.
    """
    run = get_run(session, run_id)
    if run.status != "queued":
        return run
    contributions = analysed_contributions(session, run.consultation_id)
    texts = [c.redacted_text for c in contributions]
    now = utcnow()
    # Taken only if still queued: a cancel, or another worker, may have come first.
    claimed = session.exec(update(AnalysisRun).where(
        AnalysisRun.id == run_id, AnalysisRun.status == "queued").values(
        status="running", started_at=now, worker=this_worker(), heartbeat_at=now,
        input_sha256=input_hash(texts), stage=None, progress=0.0,
        contribution_ids=json.dumps([c.id for c in contributions])))
    session.commit()  # the page shows it running; a failed run keeps what it read
    session.refresh(run)
    if claimed.rowcount != 1:
        return run
    parameters = json.loads(run.parameters)
    started = time.perf_counter()
    engine = session.get_bind()
    previous_id = None
    try:
        with _Heartbeat(engine, run_id), measure_energy() as meter:
            handed = previous_result(session, run)
            previous_id, previous = handed if handed else (None, None)
            document, result = _analyse(session, contributions, texts, parameters,
                                        _Progress(engine, run_id, progress), previous=previous)
    except AnalysisStopped:
        return _end_cancelled(session, run_id, time.perf_counter() - started)
    except Exception as error:  # the run is recorded as failed, with what went wrong
        log.exception("analysis run %s failed", run_id)
        session.rollback()
        run = get_run(session, run_id)
        run.status, run.previous_run_id = "failed", previous_id
        run.error = "".join(traceback.format_exception_only(error)).strip()
        run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
        _record(session, run, 0)
        return run
    # Done unless a cancel came in the meantime: the condition settles which came first.
    if session.exec(update(AnalysisRun).where(
            AnalysisRun.id == run_id, ~AnalysisRun.cancel_requested)
            .values(status="done")).rowcount != 1:
        return _end_cancelled(session, run_id, time.perf_counter() - started)
    session.refresh(run)  # what the progress and the heartbeat wrote meanwhile
    document["energy"] = meter.result.to_json()
    run.status, run.stage, run.progress = "done", None, 1.0
    run.previous_run_id = previous_id
    run.mode = result.mode  # "auto" resolves to the mode that ran
    run.parameters = json.dumps({**parameters, **document.get("parameters", {})},
                                sort_keys=True, default=str)
    run.versions = json.dumps(document.get("versions", {}), sort_keys=True)
    run.result = json.dumps(document, ensure_ascii=False, default=str)
    run.message = result.message
    run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
    _record(session, run, len(result.themes))
    return run


def _end_cancelled(session: Session, run_id: int, seconds: float) -> AnalysisRun:
    """A run stopped on request: ``cancelled``, no result (its AnalysisCancelled event was
    recorded when it was asked)."""
    session.rollback()
    run = get_run(session, run_id)
    run.status, run.seconds, run.finished_at = "cancelled", seconds, utcnow()
    session.add(run)
    session.commit()
    log.info("analysis run %s cancelled", run_id)
    return run


def analyse_now(session: Session, actor: Member | None, consultation_id: int, *,
                progress: Callable | None = None, **parameters) -> AnalysisRun:
    """Request an analysis and run it in this process (the CLI, which shows its progress)."""
    run = request_analysis(session, actor, consultation_id, **parameters)
    return run_analysis(session, run.id, progress=progress)


def previous_result(session: Session, run: AnalysisRun) -> tuple[int, dict] | None:
    """The id and result of the consultation's last finished analysis before ``run``, with the
    same seed and number of themes asked: the new run starts from its themes, so that they
    keep their place, ids and names when a few contributions arrive or are hidden
    (nlp.themes.rerun). None when there is none, or when it predates contribution keys."""
    before = session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == run.consultation_id, AnalysisRun.status == "done",
        AnalysisRun.id < run.id).order_by(AnalysisRun.id.desc())).first()
    if before is None or not before.result:
        return None
    asked, then = json.loads(run.parameters), json.loads(before.parameters)
    if any(asked.get(k) != then.get(k) for k in ("seed", "n_themes")):
        return None
    document = json.loads(before.result)
    return (before.id, document) if document.get("keys") else None


def _analyse(session, contributions, texts, parameters, progress, previous=None):
    from nlp.themes import find_themes

    progress("preprocess", 0, len(texts))  # the page says "reading" while the models load
    result = find_themes(texts, mode=parameters["mode"], n_themes=parameters.get("n_themes"),
                         seed=parameters.get("seed", 0), progress=progress,
                         keys=[c.id for c in contributions], previous=previous)
    progress("convergence", 0, 1)
    document = result.to_json()
    document["convergence"] = convergence_of(session, contributions, result).to_json()
    document["college_check"] = college_check_of(session, contributions, result).to_json()
    progress("convergence", 1, 1)
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


def convergence_of(session: Session, contributions: list[Contribution], result, *,
                   opinion=None):
    """Verdict per theme (convergent, divergent…) from the stances and latest votes, by college
    and by opinion group (nlp.convergence).

    Only the analysed contributions count: votes on withdrawn or hidden ones are left out.
    ``opinion``: the opinion groups of the same votes, already computed (nlp.convergence).
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
        (row_of[contribution_id], ref, names.get(college_id), value)
        for contribution_id, ref, college_id, value in session.exec(
            select(Vote.contribution_id, Vote.participant_ref, Vote.college_id, Vote.value)
            .join(Contribution, Contribution.id == Vote.contribution_id)
            .where(Vote.latest, Contribution.consultation_id == contributions[0].consultation_id)
            .order_by(Vote.created_at, Vote.id))
        if contribution_id in row_of
    ] if row_of else []
    # With a stance scale, agreeing with a verbatim against the proposal is a position against
    # it; without stances, a vote is agreement with the theme's content.
    orientation = [STANCE_DIRECTION.get(c.stance, 0) if c.stance else 1 for c in contributions]
    return theme_convergence(themes, stances, votes, orientation=orientation, opinion=opinion)


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


def fail_unqueued(session: Session, run_id: int) -> AnalysisRun:
    """A run that could not be handed to the job queue (Redis down…): failed at once, saying
    so, rather than queued for a worker that will never hear of it."""
    run = session.get(AnalysisRun, run_id)
    if run is not None and run.status == "queued":
        run.status, run.error, run.finished_at = "failed", QUEUE_DOWN, utcnow()
        session.add(run)
        session.commit()
        log.error("analysis run %s: the job queue is unreachable", run_id)
    return run


def fail_abandoned_runs(session: Session, *, stale_after: timedelta = STALE_AFTER,
                        now: datetime | None = None) -> list[int]:
    """Mark failed the running analyses whose worker stopped; return their ids. A run whose
    cancel was asked before its worker stopped ends ``cancelled``: it was to stop anyway, and
    the facilitator sees what they asked for (the AnalysisAbandoned event says the rest)."""
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
        run.status = "cancelled" if run.cancel_requested else "failed"
        run.error, run.finished_at = reason, now
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


# Where an analysis spends its time, as (start, end) shares of the whole, in the pipeline's order
# (nlp/themes/pipeline.py): reading and embedding the verbatims dominate, then the reduction and
# the map (docs/benchmarks.md, "Speed and memory"). An incremental re-run propagates the previous
# themes instead of reducing and clustering. The verdicts come last.
STAGE_SPANS = {
    "preprocess": (0.0, 0.25),
    "embed": (0.25, 0.6),
    "neighbours": (0.6, 0.63),
    "reduce": (0.63, 0.75),
    "propagate": (0.63, 0.79),
    "cluster": (0.75, 0.78),
    "reassign": (0.78, 0.79),
    "merge": (0.79, 0.8),
    "describe": (0.8, 0.86),
    "match": (0.86, 0.87),
    "map": (0.87, 0.96),
    "convergence": (0.96, 1.0),
}
PROGRESS_SECONDS = 1.0  # the worker writes its progress at most once a second, and at each stage


def overall_progress(stage: str, done: int, total: int) -> float:
    """How far the whole analysis is (0 to 1) when ``stage`` has done ``done`` of ``total``."""
    start, end = STAGE_SPANS.get(stage, (0.0, 0.0))
    share = min(max(done / total, 0.0), 1.0) if total else 0.0
    return start + (end - start) * share


class AnalysisStopped(Exception):
    """A facilitator cancelled the run: raised from its progress, caught by the job."""


class _Progress:
    """The pipeline's ``progress(stage, done, total)``: passes each call on to ``forward`` (the
    CLI shows it) and writes the run's stage and overall progress, through a short session of
    its own, at each new stage and at most once a second. Each write reads the cancel flag."""

    def __init__(self, engine, run_id: int, forward: Callable | None = None, *,
                 every: float = PROGRESS_SECONDS):
        self.engine, self.run_id, self.forward, self.every = engine, run_id, forward, every
        self.stage, self.value, self.written_at = None, 0.0, float("-inf")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.forward is not None:
            self.forward(stage, done, total)
        self.value = max(self.value, overall_progress(stage, done, total))  # never backwards
        now = time.monotonic()
        if stage == self.stage and now - self.written_at < self.every:
            return
        self.stage, self.written_at = stage, now
        if self._write(stage, self.value):
            raise AnalysisStopped(stage)

    def _write(self, stage: str, value: float) -> bool:
        """Write the progress; whether a cancel was asked for."""
        try:
            with Session(self.engine) as session:
                session.exec(update(AnalysisRun)
                             .where(AnalysisRun.id == self.run_id,
                                    AnalysisRun.status == "running")
                             .values(stage=stage, progress=round(value, 4),
                                     heartbeat_at=utcnow()))
                session.commit()
                return bool(session.exec(select(AnalysisRun.cancel_requested)
                                         .where(AnalysisRun.id == self.run_id)).first())
        except Exception:  # a missed update is not a failed analysis
            log.exception("progress of analysis run %s", self.run_id)
            return False


FINISHED = N_("Cette analyse est déjà terminée : elle ne peut plus être annulée.")


def cancel_analysis(session: Session, actor: Member, run_id: int, *,
                    consultation_id: int | None = None) -> AnalysisRun:
    """Stop an analysis (facilitators): a queued run is cancelled at once; a running one is
    asked to stop, and its worker ends it ``cancelled`` at its next step. A run already
    finished is refused. The AnalysisCancelled event is recorded once, when it is asked."""
    require_role(actor, FACILITATION)
    run = get_run(session, run_id)
    if consultation_id is not None and run.consultation_id != consultation_id:
        raise NotFound(N_("Cette analyse n'existe pas."))
    was = run.status
    if was == "queued":  # each update holds only if the run is still as it was read
        changed = update(AnalysisRun).where(AnalysisRun.id == run_id,
                                            AnalysisRun.status == "queued")
        changed = changed.values(status="cancelled", finished_at=utcnow())
    elif was == "running" and not run.cancel_requested:
        changed = update(AnalysisRun).where(AnalysisRun.id == run_id,
                                            AnalysisRun.status == "running",
                                            ~AnalysisRun.cancel_requested)
        changed = changed.values(cancel_requested=True)
    else:
        changed = None
    if changed is not None and session.exec(changed).rowcount == 1:
        audit.record_event(session, events.AnalysisCancelled(
            actor=actor.ref, object_id=str(run.id), consultation_id=run.consultation_id,
            was=was))
        session.commit()
        session.refresh(run)
        return run
    session.rollback()
    session.refresh(run)
    if run.status == "queued" or (run.status == "running" and not run.cancel_requested):
        return cancel_analysis(session, actor, run_id)  # it moved on meanwhile: once more
    if run.status == "running":
        return run  # asked already: the worker stops at its next step
    raise ServiceError(FINISHED)


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
