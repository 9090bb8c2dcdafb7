"""Theme analysis of a consultation: runs nlp.themes on the redacted texts and stores the run."""

import hashlib
import json
import time
import traceback
from collections.abc import Callable

from sqlmodel import Session, select

from .. import audit, events
from ..access import FACILITATION
from ..models import AnalysisRun, College, Contribution, Member, Vote, utcnow
from ..rules import N_, STANCE_DIRECTION
from . import NotFound, ServiceError, require_role
from .consultations import get_consultation

MODES = ("auto", "fast", "quality")


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


def run_themes(session: Session, actor: Member | None, consultation_id: int, *,
               mode: str = "auto", n_themes: int | None = None, seed: int = 0,
               progress: Callable | None = None) -> AnalysisRun:
    """Find the themes of a consultation's redacted contributions and store the whole run."""
    from nlp.themes import find_themes

    if actor is not None:
        require_role(actor, FACILITATION)
    if mode not in MODES:
        raise ServiceError(N_("Mode d'analyse inconnu : %(mode)s."), mode=mode)
    consultation = get_consultation(session, consultation_id)
    contributions = analysed_contributions(session, consultation.id)
    texts = [c.redacted_text for c in contributions]
    parameters = {"mode": mode, "n_themes": n_themes, "seed": seed}
    run = AnalysisRun(consultation_id=consultation.id, mode=mode,
                      input_sha256=input_hash(texts),
                      contribution_ids=json.dumps([c.id for c in contributions]),
                      parameters=json.dumps(parameters),
                      created_by_ref=actor.ref if actor else None)
    session.add(run)
    session.commit()
    started = time.perf_counter()
    try:
        result = find_themes(texts, mode=mode, n_themes=n_themes, seed=seed, progress=progress)
    except Exception as error:  # the run is recorded as failed, with what went wrong
        run.status, run.error = "failed", "".join(traceback.format_exception_only(error))
        run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
        _record(session, actor, run, 0)
        raise
    document = result.to_json()
    document["convergence"] = convergence_of(session, contributions, result).to_json()
    run.status = "done"
    run.mode = result.mode  # "auto" resolves to the mode that ran
    run.parameters = json.dumps({**parameters, **document.get("parameters", {})},
                                sort_keys=True, default=str)
    run.versions = json.dumps(document.get("versions", {}), sort_keys=True)
    run.result = json.dumps(document, ensure_ascii=False, default=str)
    run.message = result.message
    run.seconds, run.finished_at = time.perf_counter() - started, utcnow()
    _record(session, actor, run, len(result.themes))
    return run


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


def _record(session: Session, actor: Member | None, run: AnalysisRun, themes: int) -> None:
    session.add(run)
    audit.record_event(session, events.AnalysisRecorded(
        actor=actor.ref if actor else None, object_id=str(run.id),
        consultation_id=run.consultation_id, mode=run.mode, status=run.status,
        input_sha256=run.input_sha256, themes=themes))
    session.commit()


def queue_analysis(session: Session, actor: Member, consultation_id: int,
                   mode: str = "auto") -> None:
    """Ask the job worker to analyse a consultation (themes, then convergence verdicts)."""
    from .. import jobs

    require_role(actor, FACILITATION)
    if mode not in MODES:
        raise ServiceError(N_("Mode d'analyse inconnu : %(mode)s."), mode=mode)
    consultation = get_consultation(session, consultation_id)
    jobs.analyse_consultation(consultation.id, actor.id, mode)


def latest_run(session: Session, consultation_id: int) -> AnalysisRun | None:
    """The most recent analysis of the consultation, whatever its status."""
    return session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id).order_by(AnalysisRun.id.desc())).first()


def get_run(session: Session, run_id: int) -> AnalysisRun:
    run = session.get(AnalysisRun, run_id)
    if run is None:
        raise NotFound(N_("Cette analyse n'existe pas."))
    return run


def runs_of(session: Session, consultation_id: int) -> list[AnalysisRun]:
    return list(session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id).order_by(AnalysisRun.id.desc())))
