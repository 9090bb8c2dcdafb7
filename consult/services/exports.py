"""Exports: contributions, stances and votes as CSV, JSON, or Polis's export format."""

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from .. import audit, events
from ..access import FACILITATION
from ..formats.csvout import to_csv_bytes
from ..formats.polis import PolisComment, PolisExport, PolisVote, write_polis_export
from ..models import College, Consultation, Contribution, Member, Vote
from ..pseudonyms import pseudonym
from ..rules import N_
from . import ServiceError, require_role
from .consultations import get_consultation

FORMATS = ("csv", "json", "polis")
CONTRIBUTION_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "college",
    "participant",
    "stance",
    "text",
    "version",
    "withdrawn",
    "hidden",
    "hidden_reason",
    "agrees",
    "disagrees",
    "passes",
]
VOTE_COLUMNS = ["contribution_id", "participant", "college", "vote", "created_at", "latest"]


@dataclass(frozen=True)
class ExportData:
    consultation: Consultation
    contributions: list[dict]
    votes: list[dict]


def _participant(ref: str, anonymity: str) -> str:
    """Contributors appear under a pseudonym in exports; imported ids stay as they came."""
    if ref.startswith("m"):
        return pseudonym(ref)
    return ref


def collect(
    session: Session, actor: Member | None, consultation_id: int, *, original: bool = False
) -> ExportData:
    """The rows of an export, redacted unless `original` is asked for."""
    if actor is not None:
        require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    colleges = {c.id: c.name for c in session.exec(select(College))}
    contributions = list(
        session.exec(
            select(Contribution)
            .where(Contribution.consultation_id == consultation.id)
            .order_by(Contribution.id)
        )
    )
    ids = [c.id for c in contributions]
    votes = (
        list(
            session.exec(
                select(Vote).where(Vote.contribution_id.in_(ids)).order_by(Vote.created_at, Vote.id)
            )
        )
        if ids
        else []
    )
    tallies: dict[int, dict[int, int]] = {}
    for vote in votes:
        if vote.latest:
            tally = tallies.setdefault(vote.contribution_id, {1: 0, -1: 0, 0: 0})
            tally[vote.value] += 1
    rows = []
    for c in contributions:
        tally = tallies.get(c.id, {1: 0, -1: 0, 0: 0})
        rows.append(
            {
                "id": c.id,
                "created_at": c.created_at.isoformat(),
                "updated_at": c.updated_at.isoformat(),
                "college": colleges.get(c.college_id, ""),
                "participant": _participant(c.participant_ref, consultation.anonymity),
                "stance": c.stance or "",
                "text": c.text if original else c.redacted_text,
                "version": c.version,
                "withdrawn": c.withdrawn,
                "hidden": c.hidden,
                "hidden_reason": c.hidden_reason or "",
                "agrees": tally[1],
                "disagrees": tally[-1],
                "passes": tally[0],
            }
        )
    vote_rows = [
        {
            "contribution_id": v.contribution_id,
            "participant": _participant(v.participant_ref, consultation.anonymity),
            "college": colleges.get(v.college_id, ""),
            "vote": v.value,
            "created_at": v.created_at.isoformat(),
            "latest": v.latest,
        }
        for v in votes
    ]
    return ExportData(consultation, rows, vote_rows)


def _record(
    session: Session, actor: Member | None, consultation: Consultation, fmt: str, original: bool
) -> None:
    audit.record_event(
        session,
        events.ConsultationExported(
            actor=actor.ref if actor else None,
            object_id=str(consultation.id),
            format=fmt,
            redacted=not original,
        ),
    )
    session.commit()


def export_csv(
    session: Session, actor: Member | None, consultation_id: int, *, original: bool = False
) -> tuple[bytes, bytes]:
    """(contributions.csv, votes.csv), UTF-8 with BOM so that Excel opens them."""
    data = collect(session, actor, consultation_id, original=original)
    _record(session, actor, data.consultation, "csv", original)
    return (
        to_csv_bytes(CONTRIBUTION_COLUMNS, data.contributions),
        to_csv_bytes(VOTE_COLUMNS, data.votes),
    )


def export_json(
    session: Session, actor: Member | None, consultation_id: int, *, original: bool = False
) -> bytes:
    data = collect(session, actor, consultation_id, original=original)
    _record(session, actor, data.consultation, "json", original)
    c = data.consultation
    document = {
        "format": "palabre-consultation/1",
        "consultation": {
            "id": c.id,
            "title": c.title,
            "question": c.question,
            "description": c.description,
            "status": c.status,
            "anonymity": c.anonymity,
            "stance_scale": c.stance_scale,
            "redacted": not original,
        },
        "contributions": data.contributions,
        "votes": data.votes,
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_polis(
    session: Session,
    actor: Member | None,
    consultation_id: int,
    folder: Path,
    *,
    original: bool = False,
) -> PolisExport:
    """Write comments.csv, votes.csv, participants-votes.csv and summary.csv to `folder`.

    Withdrawn contributions are left out; hidden ones are marked rejected (-1) as Polis
    marks moderated-out comments. Participants and comments get Polis's small integer ids.
    """
    if actor is not None:
        require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    contributions = list(
        session.exec(
            select(Contribution)
            .where(Contribution.consultation_id == consultation.id, ~Contribution.withdrawn)
            .order_by(Contribution.created_at, Contribution.id)
        )
    )
    ids = {c.id: index for index, c in enumerate(contributions)}
    votes = (
        list(
            session.exec(
                select(Vote)
                .where(Vote.contribution_id.in_(list(ids)))
                .order_by(Vote.created_at, Vote.id)
            )
        )
        if ids
        else []
    )
    people: dict[str, int] = {}

    def person(ref: str) -> int:
        return people.setdefault(ref, len(people))

    comments = tuple(
        PolisComment(
            comment_id=ids[c.id],
            author_id=person(c.participant_ref),
            body=c.text if original else c.redacted_text,
            moderated=-1 if c.hidden else 1,
            created_at=c.created_at,
        )
        for c in contributions
    )
    vote_events = tuple(
        PolisVote(
            voter_id=person(v.participant_ref),
            comment_id=ids[v.contribution_id],
            vote=v.value,
            created_at=v.created_at,
        )
        for v in votes
    )
    export = PolisExport(
        comments=comments,
        votes=vote_events,
        topic=consultation.question,
        description=consultation.description,
        votes_are_events=True,
    )
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ServiceError(N_("Le dossier %(folder)s n'est pas vide."), folder=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    write_polis_export(folder, export)
    _record(session, actor, consultation, "polis", original)
    return export
