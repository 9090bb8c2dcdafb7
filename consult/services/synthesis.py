"""The synthesis of a consultation: drafted from its latest analysis and corrections, published
to the members as a frozen version.

A draft is never stored: it is read from the analysis and its corrections each time
(:func:`synthesis_document`). Publishing stores that document as it reads at that moment
(:class:`~consult.models.Synthesis`, version 1, 2, …, with its SHA-256), records a
``SynthesisPublished`` event and moves the consultation to "published"; a later analysis or
correction makes a new draft and never changes what was published. Members read the latest
published version only, never a draft. The document holds no name nor e-mail: verbatims are
their redacted text, with their author's college and stance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, tzinfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from .. import audit, events, events_synthesis
from ..access import FACILITATION
from ..formats.csvout import to_csv_bytes
from ..models import Consultation, Member, Synthesis, utcnow
from ..rules import N_, phase
from . import NotFound, ServiceError, require_role
from .consultations import get_consultation, require_visible, state_of
from .explorer import read_analysis
from .run_results import result_of
from .workspace import done_run

FORMAT = 1  # of the frozen document: a later Palabre reads older versions by it
CSV_COLUMNS = ("theme_id", "label", "machine_label", "size", "verdict", "reviewed", "keywords",
               "summary", "college", "college_n", "agree", "neutral", "disagree")


def synthesis_document(session: Session, consultation_id: int,
                       run_id: int | None = None, *, zone: tzinfo = UTC) -> dict:
    """The synthesis as it reads now, JSON-ready: the consultation, its participation (its
    days in ``zone``, the cooperative's time zone), the analysis with its corrections, the
    method's parameters and the college check."""
    from .participation import participation_of

    consultation = get_consultation(session, consultation_id)
    run = done_run(session, consultation.id, run_id)
    document = result_of(run)
    analysis = read_analysis(session, run)
    return _plain({
        "format": FORMAT,
        "consultation": {"id": consultation.id, "title": consultation.title,
                         "question": consultation.question,
                         "description": consultation.description,
                         "opens_at": consultation.opens_at, "closes_at": consultation.closes_at,
                         "status": consultation.status},
        "generated_at": utcnow(),
        "participation": asdict(participation_of(session, consultation.id, zone=zone)),
        "time_zone": str(zone),
        "analysis": asdict(analysis),
        "college_check": document.get("college_check"),
        "energy": document.get("energy"),
        "embedder": document.get("embedder"),
        "language": document.get("language"),
    })


def _plain(value):
    """Dates as ISO text, tuples as lists: what JSON keeps, so a draft and its published copy
    read the same."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=_iso))


def _iso(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def publish(session: Session, actor: Member, consultation_id: int,
            run_id: int | None = None, *, zone: tzinfo = UTC) -> Synthesis:
    """Freeze the synthesis as it reads now and show it to the members (facilitators)."""
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    now = utcnow()
    if phase(state_of(consultation), now) not in ("closed", "analysed", "published"):
        raise ServiceError(N_("Publiez la synthèse une fois la consultation close."))
    document = synthesis_document(session, consultation.id, run_id, zone=zone)
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    version = (session.exec(select(func.max(Synthesis.version)).where(
        Synthesis.consultation_id == consultation.id)).one() or 0) + 1
    row = Synthesis(consultation_id=consultation.id, run_id=document["analysis"]["run_id"],
                    version=version, document=text,
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    published_by_ref=actor.ref)
    session.add(row)
    try:
        session.flush()  # two publications at once: the unique version refuses the second
    except IntegrityError as error:
        session.rollback()
        raise ServiceError(N_("Une autre publication vient d'avoir lieu : rechargez la page."))\
            from error
    if consultation.status != "published":  # publishing the synthesis is the last step
        audit.record_event(session, events.ConsultationStatusChanged(
            actor=actor.ref, object_id=str(consultation.id), previous=consultation.status,
            status="published"))
        consultation.status, consultation.updated_at = "published", now
        session.add(consultation)
    audit.record_event(session, events_synthesis.SynthesisPublished(
        actor=actor.ref, object_id=str(row.id), consultation_id=consultation.id,
        run_id=row.run_id, version=version, sha256=row.sha256))
    session.commit()
    return row


def published_versions(session: Session, consultation_id: int) -> list[Synthesis]:
    """The published versions of a consultation's synthesis, newest first."""
    return list(session.exec(select(Synthesis).where(
        Synthesis.consultation_id == consultation_id).order_by(Synthesis.version.desc())))


def latest_published(session: Session, consultation_id: int) -> Synthesis | None:
    versions = published_versions(session, consultation_id)
    return versions[0] if versions else None


def published_ids(session: Session, consultation_ids: list[int]) -> set[int]:
    """Which of these consultations have a published synthesis (for the lists)."""
    if not consultation_ids:
        return set()
    return set(session.exec(select(Synthesis.consultation_id).where(
        Synthesis.consultation_id.in_(consultation_ids)).distinct()))


@dataclass(frozen=True)
class SynthesisView:
    """A synthesis to show: its document, and whether it is a draft or which version."""

    consultation: Consultation
    document: dict
    version: int | None  # None: a draft
    published_at: object
    sha256: str | None
    versions: tuple[int, ...]  # every published version, newest first


def draft(session: Session, actor: Member | None, consultation_id: int,
          run_id: int | None = None, *, zone: tzinfo = UTC) -> SynthesisView:
    """The synthesis as it would be published now (facilitators; None = the command line)."""
    if actor is not None:
        require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    document = synthesis_document(session, consultation.id, run_id, zone=zone)
    return SynthesisView(consultation, document, None, None, None,
                         tuple(s.version for s in published_versions(session, consultation.id)))


def published(session: Session, actor: Member, consultation_id: int,
              version: int | None = None) -> SynthesisView:
    """A published version (the latest by default), for any signed-in member; never a draft."""
    if actor is None or not actor.active:
        raise NotFound(N_("Aucune synthèse publiée pour cette consultation."))
    return published_view(session, require_visible(session, actor, consultation_id).id, version)


def published_view(session: Session, consultation_id: int,
                   version: int | None = None) -> SynthesisView:
    """A published version, whoever asks (the command line; members go through
    :func:`published`)."""
    consultation = get_consultation(session, consultation_id)
    versions = published_versions(session, consultation.id)
    row = versions[0] if versions and version is None else next(
        (s for s in versions if s.version == version), None)
    if row is None:
        raise NotFound(N_("Aucune synthèse publiée pour cette consultation."))
    return SynthesisView(consultation, json.loads(row.document), row.version, row.published_at,
                         row.sha256, tuple(s.version for s in versions))


def themes_csv(document: dict) -> bytes:
    """The themes and verdicts of a synthesis, a row per theme and college (formula-safe)."""
    rows = []
    for theme in document["analysis"]["themes"]:
        verdict = (theme.get("verdict") or {}).get("label", "")
        base = {"theme_id": theme["id"], "label": theme["label"],
                "machine_label": theme["machine_label"], "size": theme["size"],
                "verdict": verdict, "reviewed": "oui" if theme["reviewed"] else "non",
                "keywords": ", ".join(theme["keywords"]), "summary": theme["summary"]}
        for college in theme["colleges"] or [None]:
            row = dict(base)
            if college:
                row.update(college=college["group"], college_n=college["n"],
                           agree=round(college["agree"], 3), neutral=round(college["neutral"], 3),
                           disagree=round(college["disagree"], 3))
            rows.append(row)
    return to_csv_bytes(list(CSV_COLUMNS), rows)


def themes_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

