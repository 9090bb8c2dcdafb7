"""Exports: contributions, stances and votes as CSV, JSON, or Polis's export format."""

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

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


SMALL_COLLEGE = 5  # participants: fewer, and a college would point at its few members
OTHER_COLLEGES = "autres collèges"


class _Disclosure:
    """How an export names people, colleges and times.

    Named and pseudonymous consultations: members under their consultation pseudonym, imported
    participants under their source's id, colleges by name, times to the microsecond. Anonymous
    consultations: identifiers drawn afresh for each export (they link a person's rows within
    this file and nothing beyond it), times rounded to the day, and colleges with fewer than
    five participants folded into "autres collèges", since in a small college a college and a
    time can name a person.
    """

    def __init__(self, anonymous: bool, colleges: dict[int, str],
                 participants: list[tuple[str, int | None]]):
        self.anonymous = anonymous
        self.colleges = colleges
        self.numbers: dict[str, int] = {}
        self.small: set[int | None] = set()
        if anonymous:
            refs = list(dict.fromkeys(ref for ref, _college in participants))
            secrets.SystemRandom().shuffle(refs)
            self.numbers = {ref: n for n, ref in enumerate(refs, start=1)}
            people_of: dict[int | None, set[str]] = {}
            for ref, college in participants:
                people_of.setdefault(college, set()).add(ref)
            self.small = {c for c, people in people_of.items() if len(people) < SMALL_COLLEGE}

    def participant(self, ref: str) -> str:
        if self.anonymous:
            return f"anonyme-{self.numbers[ref]}"
        return pseudonym(ref) if ref.startswith("m") else ref

    def number(self, ref: str) -> int:
        """A participant's number for Polis's integer ids (drawn at random when anonymous)."""
        return self.numbers.setdefault(ref, len(self.numbers) + 1) - 1

    def college(self, college_id: int | None) -> str:
        if college_id is None:
            return ""
        if college_id in self.small:
            return OTHER_COLLEGES
        return self.colleges.get(college_id, "")

    def moment(self, value: datetime) -> datetime:
        if self.anonymous:
            return datetime.combine(value.astimezone(UTC).date(), time(), tzinfo=UTC)
        return value

    def when(self, value: datetime) -> str:
        moment = self.moment(value)
        return moment.date().isoformat() if self.anonymous else moment.isoformat()


def _disclosure(session: Session, consultation: Consultation, contributions, votes):
    colleges = {c.id: c.name for c in session.exec(select(College))}
    participants = [(c.participant_ref, c.college_id) for c in contributions]
    participants += [(v.participant_ref, v.college_id) for v in votes]
    return _Disclosure(consultation.anonymity == "anonymous", colleges, participants)


def collect(
    session: Session, actor: Member | None, consultation_id: int, *, original: bool = False
) -> ExportData:
    """The rows of an export, redacted unless `original` is asked for."""
    if actor is not None:
        require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
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
    shown = _disclosure(session, consultation, contributions, votes)
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
                "created_at": shown.when(c.created_at),
                "updated_at": shown.when(c.updated_at),
                "college": shown.college(c.college_id),
                "participant": shown.participant(c.participant_ref),
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
            "participant": shown.participant(v.participant_ref),
            "college": shown.college(v.college_id),
            "vote": v.value,
            "created_at": shown.when(v.created_at),
            "latest": v.latest,
        }
        for v in _in_order(votes, shown)
    ]
    return ExportData(consultation, rows, vote_rows)


def _in_order(votes: list[Vote], shown: _Disclosure) -> list[Vote]:
    """Votes in time order; for an anonymous consultation, in random order within each day, so
    that the order of the rows does not give back the times the rounding took out. A person's
    votes on one contribution keep their order: the last one is still the one that counts."""
    if not shown.anonymous:
        return votes
    draw = secrets.SystemRandom()
    pair_draw: dict[tuple[str, int], float] = {}
    keyed = []
    for position, v in enumerate(votes):
        pair = pair_draw.setdefault((v.participant_ref, v.contribution_id), draw.random())
        keyed.append((shown.moment(v.created_at), pair, position, v))
    return [item[-1] for item in sorted(keyed, key=lambda item: item[:3])]


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


@dataclass(frozen=True)
class CsvWording:
    """How a CSV for a spreadsheet names its columns and values: in its reader's language, with
    times in the cooperative's zone to the minute. The views give the page's language; the
    command line, French. (JSON and Polis exports keep their machine names and ISO times.)"""

    headers: Mapping[str, str]
    stances: Mapping[str, str]
    votes: Mapping[int, str]
    yes: str = "oui"
    no: str = "non"
    time_zone: str = "UTC"


FRENCH_HEADERS = {
    "id": N_("n°"),
    "created_at": N_("date de création"),
    "updated_at": N_("date de modification"),
    "college": N_("collège"),
    "participant": N_("participant"),
    "stance": N_("position"),
    "text": N_("texte"),
    "version": N_("version"),
    "withdrawn": N_("retirée"),
    "hidden": N_("masquée"),
    "hidden_reason": N_("raison du masquage"),
    "agrees": N_("d'accord"),
    "disagrees": N_("pas d'accord"),
    "passes": N_("passent"),
    "contribution_id": N_("contribution"),
    "vote": N_("vote"),
    "latest": N_("dernier"),
}
FRENCH_STANCES = {
    "for": N_("pour"),
    "mixed": N_("mitigé"),
    "against": N_("contre"),
    "strongly_agree": N_("tout à fait d'accord"),
    "agree": N_("plutôt d'accord"),
    "neutral": N_("ni d'accord ni en désaccord"),
    "disagree": N_("plutôt pas d'accord"),
    "strongly_disagree": N_("pas du tout d'accord"),
}
FRENCH_VOTES = {1: N_("d'accord"), -1: N_("pas d'accord"), 0: N_("passe")}
FRENCH = CsvWording(FRENCH_HEADERS, FRENCH_STANCES, FRENCH_VOTES, N_("oui"), N_("non"))


def export_csv(
    session: Session,
    actor: Member | None,
    consultation_id: int,
    *,
    original: bool = False,
    wording: CsvWording = FRENCH,
) -> tuple[bytes, bytes]:
    """(contributions.csv, votes.csv), UTF-8 with BOM so that Excel opens them."""
    data = collect(session, actor, consultation_id, original=original)
    _record(session, actor, data.consultation, "csv", original)
    return (
        _worded_csv(CONTRIBUTION_COLUMNS, data.contributions, wording),
        _worded_csv(VOTE_COLUMNS, data.votes, wording),
    )


def _worded_csv(columns: list[str], rows: list[dict], wording: CsvWording) -> bytes:
    zone = ZoneInfo(wording.time_zone)

    def word(column: str, value):
        if isinstance(value, bool):
            return wording.yes if value else wording.no
        if column == "stance":
            return wording.stances.get(value, value)
        if column == "vote":
            return wording.votes.get(value, value)
        if column in ("created_at", "updated_at") and value:
            if len(value) == 10:  # a date alone (an anonymous consultation's)
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            return datetime.fromisoformat(value).astimezone(zone).strftime("%d/%m/%Y %H:%M")
        return value

    return to_csv_bytes([wording.headers.get(c, c) for c in columns],
                        [[word(c, row[c]) for c in columns] for row in rows])


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
    shown = _disclosure(session, consultation, contributions, votes)
    comments = tuple(
        PolisComment(
            comment_id=ids[c.id],
            author_id=shown.number(c.participant_ref),
            body=c.text if original else c.redacted_text,
            moderated=-1 if c.hidden else 1,
            created_at=shown.moment(c.created_at),
        )
        for c in contributions
    )
    vote_events = tuple(
        PolisVote(
            voter_id=shown.number(v.participant_ref),
            comment_id=ids[v.contribution_id],
            vote=v.value,
            created_at=shown.moment(v.created_at),
        )
        for v in _in_order(votes, shown)
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
