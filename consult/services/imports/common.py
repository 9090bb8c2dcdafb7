"""What every kind of import shares: who may import, where it goes, dates, and the commit."""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from ...access import FACILITATION
from ...models import Consultation, Member
from ...rules import N_, SETTLED, Problem, text_problem
from .. import ServiceError, require_role
from ..consultations import ConsultationInput, create_consultation, get_consultation
from .bulk import BulkSummary, NewContribution, add_in_bulk
from .report import PREVIEW_ROWS, ImportReport, PreviewRow, Target


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_date(value: str, zone: str = "UTC") -> datetime | None:
    """ISO 8601, or a French day/month/year with an optional time; a time written without its
    zone is in ``zone`` (a date alone: its midnight there, which pages show as a date)."""
    value = value.strip()
    if not value:
        return None
    for parse in (
        datetime.fromisoformat,
        lambda v: datetime.strptime(v, "%d/%m/%Y %H:%M"),
        lambda v: datetime.strptime(v, "%d/%m/%Y"),
    ):
        try:
            moment = parse(value)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))
    raise ValueError(value)


def unguard(text: str) -> str:
    """Undo the quote our CSV export puts before a cell that starts like a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def target_scale(session: Session, target: Target) -> str:
    """The stance scale the imported stances are read in: the target's, or three for a new one."""
    if target.consultation_id is None:
        return "three"
    return get_consultation(session, target.consultation_id).stance_scale


def acceptable_comment(report: ImportReport, comment_id, body: str) -> bool:
    """Whether a comment of another tool can be a contribution; if not, the report says why."""
    problem = text_problem(body)
    if problem:
        report.problems.append(
            Problem(
                N_("Commentaire %(id)s : %(problem)s"),
                {"id": comment_id, "problem": problem},
            )
        )
    return problem is None


def preview_rows(contributions: list[NewContribution]) -> list[PreviewRow]:
    """The first contributions of another tool's export, as the preview lists them."""
    return [
        PreviewRow(0, c.text, c.stance, None, c.created_at or "", c.participant_ref)
        for c in contributions[:PREVIEW_ROWS]
    ]


def check_actor(session: Session, actor: Member | None, target: Target) -> None:
    if actor is not None:
        require_role(actor, FACILITATION)
    if target.consultation_id is None and not (target.title or "").strip():
        raise ServiceError(
            N_("Choisissez une consultation ou donnez un titre pour en créer une nouvelle.")
        )
    if target.consultation_id is not None:
        consultation = get_consultation(session, target.consultation_id)
        if consultation.status in SETTLED:
            raise ServiceError(N_("Une consultation analysée ne reçoit plus de contributions."))


def consultation_for(
    session: Session,
    actor: Member | None,
    target: Target,
    *,
    scale: str,
    source: str,
    question: str = "",
    description: str = "",
    college_ids: tuple[int, ...] = (),
) -> Consultation:
    if target.consultation_id is not None:
        return get_consultation(session, target.consultation_id)
    return create_consultation(
        session,
        actor,
        ConsultationInput(
            title=target.title.strip()[:200],
            question=question or target.title,
            description=description,
            stance_scale=scale,
            college_ids=college_ids,
        ),
        source=source,
    )


def nothing_to_import(report: ImportReport, contributions: list) -> bool:
    """An import with no contribution is refused, with a message saying so."""
    if not contributions and report.ok:
        report.problems.append(Problem(N_("Le fichier ne contient aucune contribution.")))
    return not contributions


def commit(session, consultation, contributions, votes, actor, source, digest, report):
    try:
        summary: BulkSummary = add_in_bulk(
            session,
            consultation,
            contributions,
            votes,
            actor=actor,
            source=source,
            input_sha256=digest,
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.contributions, report.votes = summary.contributions, summary.votes
    report.participants = summary.participants
    report.consultation_id = consultation.id
    report.committed = True
