"""Imports: contributions gathered on paper or in another tool (CSV/XLSX, Polis, Decidim).

Every import first builds a preview: the rows it would add and every problem with its
line number. A dry run stops there. A real import adds everything in one transaction,
or nothing when any row has a problem.
"""

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select

from ..access import FACILITATION
from ..formats.decidim import read_decidim_comments
from ..formats.errors import FormatError
from ..formats.polis import read_polis_export
from ..formats.tables import Table, guess_mapping, read_table
from ..models import College, Consultation, Member
from ..rules import N_, Problem, stance_from_word, text_problem
from . import ServiceError, require_role
from .consultations import (
    ConsultationInput,
    create_consultation,
    get_consultation,
)
from .importing import BulkSummary, NewContribution, NewVote, add_in_bulk

FIELDS = ("text", "stance", "college", "date", "author")
PREVIEW_ROWS = 20
POLIS_REJECTED = N_("Rejetée par la modération de Polis.")


@dataclass(frozen=True)
class PreviewRow:
    line: int
    text: str
    stance: str | None
    college: str | None
    date: str
    author: str


@dataclass
class ImportReport:
    """What an import found and did (or would do, for a dry run)."""

    source: str
    contributions: int = 0
    votes: int = 0
    participants: int = 0
    problems: list[Problem] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    mapping: dict[str, str | None] = field(default_factory=dict)
    encoding: str = ""
    separator: str | None = None
    consultation_id: int | None = None
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Target:
    """Where the import goes: an existing consultation, or a new one with this title."""

    consultation_id: int | None = None
    title: str | None = None


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parse_date(value: str) -> datetime | None:
    """ISO 8601, or a French day/month/year with an optional time; naive times are UTC."""
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
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ValueError(value)


def _unguard(text: str) -> str:
    """Undo the quote our CSV export puts before a cell that starts like a formula."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _check_actor(session: Session, actor: Member | None, target: Target) -> None:
    if actor is not None:
        require_role(actor, FACILITATION)
    if target.consultation_id is None and not (target.title or "").strip():
        raise ServiceError(
            N_("Choisissez une consultation ou donnez un titre pour en créer une nouvelle.")
        )
    if target.consultation_id is not None:
        consultation = get_consultation(session, target.consultation_id)
        if consultation.status in ("analysed", "published"):
            raise ServiceError(N_("Une consultation analysée ne reçoit plus de contributions."))


def _consultation_for(
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


# --- CSV and XLSX -----------------------------------------------------------------------


def read_upload(data: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Table:
    try:
        return read_table(data, filename, max_rows=max_rows, max_bytes=max_bytes)
    except FormatError as error:
        raise ImportRefused(error.problems) from error


class ImportRefused(ServiceError):
    """The file cannot be imported; `problems` says why, line by line."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        super().__init__(first.message, **first.params)
        self.problems = problems


def import_table(
    session: Session,
    actor: Member | None,
    target: Target,
    data: bytes,
    filename: str,
    *,
    mapping: dict[str, str | None] | None = None,
    dry_run: bool = True,
    max_rows: int = 100_000,
    max_bytes: int = 10 * 1024 * 1024,
) -> ImportReport:
    """Contributions from a CSV or XLSX file, with a column for each field."""
    _check_actor(session, actor, target)
    table = read_upload(data, filename, max_rows=max_rows, max_bytes=max_bytes)
    mapping = {**guess_mapping(table.columns), **(mapping or {})}
    report = ImportReport(
        source="table",
        columns=table.columns,
        mapping=mapping,
        encoding=table.encoding,
        separator=table.separator,
    )
    if not mapping.get("text") or mapping["text"] not in table.columns:
        report.problems.append(
            Problem(N_("Indiquez la colonne qui contient le texte des contributions."))
        )
        return report
    for column in mapping.values():
        if column and column not in table.columns:
            report.problems.append(
                Problem(
                    N_("La colonne « %(column)s » n'existe pas dans le fichier."),
                    {"column": column},
                )
            )
    if report.problems:
        return report
    scale = "three"
    if target.consultation_id is not None:
        scale = get_consultation(session, target.consultation_id).stance_scale
    colleges = {_fold(c.name): c for c in session.exec(select(College))}
    file_digest = _digest(data)
    new = []
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        item = _table_row(report, line, row, mapping, scale, colleges, file_digest)
        if item is not None:
            new.append(item)
    report.contributions = len(new)
    report.participants = len({item.participant_ref for item in new})
    if _nothing_to_import(report, new) or dry_run or not report.ok:
        return report
    college_ids = tuple(sorted({i.college_id for i in new if i.college_id is not None}))
    consultation = _consultation_for(
        session, actor, target, scale=scale, source="csv", college_ids=college_ids
    )
    _commit(session, consultation, new, [], actor, "csv", file_digest, report)
    return report


def _table_row(report, line, row, mapping, scale, colleges, file_digest):
    def cell(name):
        column = mapping.get(name)
        return _unguard(row.get(column, "")) if column else ""

    text = cell("text").strip()
    problem = text_problem(text)
    if problem:
        report.problems.append(
            Problem(
                N_("Ligne %(line)s : %(problem)s"),
                {"line": line, "problem": problem.message % problem.params},
            )
        )
        return None
    try:
        stance = stance_from_word(cell("stance"), scale)
    except ValueError:
        report.problems.append(
            Problem(
                N_("Ligne %(line)s : position « %(value)s » inconnue."),
                {"line": line, "value": cell("stance")},
            )
        )
        return None
    college = None
    if cell("college"):
        college = colleges.get(_fold(cell("college")))
        if college is None:
            report.problems.append(
                Problem(
                    N_("Ligne %(line)s : collège « %(value)s » inconnu."),
                    {"line": line, "value": cell("college")},
                )
            )
            return None
    try:
        created_at = _parse_date(cell("date"))
    except ValueError:
        report.problems.append(
            Problem(
                N_(
                    "Ligne %(line)s : date « %(value)s » illisible "
                    "(attendu : AAAA-MM-JJ ou JJ/MM/AAAA)."
                ),
                {"line": line, "value": cell("date")},
            )
        )
        return None
    author = cell("author")
    # Without an author column each row is its own participant.
    ref_source = f"{author}" if author else f"{file_digest}:{line}"
    ref = "i" + hashlib.sha256(ref_source.encode()).hexdigest()[:32]
    if len(report.rows) < PREVIEW_ROWS:
        report.rows.append(
            PreviewRow(line, text, stance, college.name if college else None, cell("date"), author)
        )
    return NewContribution(
        key=f"line-{line}",
        participant_ref=ref,
        text=text,
        stance=stance,
        college_id=college.id if college else None,
        created_at=created_at,
    )


def _nothing_to_import(report: ImportReport, contributions: list) -> bool:
    """An import with no contribution is refused, with a message saying so."""
    if not contributions and report.ok:
        report.problems.append(Problem(N_("Le fichier ne contient aucune contribution.")))
    return not contributions


def _commit(session, consultation, contributions, votes, actor, source, digest, report):
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


# --- Polis ---------------------------------------------------------------------------------


def import_polis(
    session: Session,
    actor: Member | None,
    target: Target,
    folder: Path,
    *,
    dry_run: bool = True,
    max_rows: int = 1_000_000,
) -> ImportReport:
    """A Polis export folder (comments.csv and votes.csv or participants-votes.csv)."""
    _check_actor(session, actor, target)
    try:
        export = read_polis_export(Path(folder), max_rows=max_rows)
    except FormatError as error:
        raise ImportRefused(error.problems) from error
    digest = hashlib.sha256()
    for name in sorted(p.name for p in Path(folder).glob("*.csv")):
        digest.update((Path(folder) / name).read_bytes())
    report = ImportReport(source="polis")
    contributions = []
    for comment in export.comments:
        problem = text_problem(comment.body)
        if problem:
            report.problems.append(
                Problem(
                    N_("Commentaire %(id)s : %(problem)s"),
                    {"id": comment.comment_id, "problem": problem.message % problem.params},
                )
            )
            continue
        contributions.append(
            NewContribution(
                key=str(comment.comment_id),
                participant_ref=f"polis:{comment.author_id}",
                text=comment.body.strip(),
                created_at=comment.created_at,
                hidden_reason=POLIS_REJECTED if comment.moderated == -1 else None,
            )
        )
    keys = {c.key for c in contributions}
    votes = [
        NewVote(
            participant_ref=f"polis:{v.voter_id}",
            contribution_key=str(v.comment_id),
            value=v.vote,
            created_at=v.created_at,
        )
        for v in export.votes
        if str(v.comment_id) in keys
    ]
    report.rows = [
        PreviewRow(
            0,
            c.text,
            None,
            None,
            c.created_at.isoformat() if c.created_at else "",
            c.participant_ref,
        )
        for c in contributions[:PREVIEW_ROWS]
    ]
    report.contributions, report.votes = len(contributions), len(votes)
    report.participants = len(
        {c.participant_ref for c in contributions} | {v.participant_ref for v in votes}
    )
    if _nothing_to_import(report, contributions) or dry_run or not report.ok:
        return report
    title = target.title or export.topic or Path(folder).name
    consultation = _consultation_for(
        session,
        actor,
        Target(target.consultation_id, title),
        scale="none",
        source="polis",
        question=export.topic or title,
        description=export.description,
    )
    _commit(session, consultation, contributions, votes, actor, "polis", digest.hexdigest(), report)
    return report


# --- Decidim ------------------------------------------------------------------------------

DECIDIM_STANCES = {1: "for", 0: "mixed", -1: "against"}


def import_decidim(
    session: Session,
    actor: Member | None,
    target: Target,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = True,
    max_rows: int = 100_000,
    max_bytes: int = 10 * 1024 * 1024,
) -> ImportReport:
    """A Decidim comments export (CSV, JSON or Excel); alignment becomes the stance."""
    _check_actor(session, actor, target)
    try:
        comments = read_decidim_comments(data, filename, max_rows=max_rows, max_bytes=max_bytes)
    except FormatError as error:
        raise ImportRefused(error.problems) from error
    scale = "three"
    if target.consultation_id is not None:
        scale = get_consultation(session, target.consultation_id).stance_scale
    report = ImportReport(source="decidim")
    contributions = []
    for comment in comments:
        problem = text_problem(comment.body)
        if problem:
            report.problems.append(
                Problem(
                    N_("Commentaire %(id)s : %(problem)s"),
                    {"id": comment.comment_id, "problem": problem.message % problem.params},
                )
            )
            continue
        stance = DECIDIM_STANCES.get(comment.alignment) if scale == "three" else None
        contributions.append(
            NewContribution(
                key=f"decidim-{comment.comment_id}",
                participant_ref=f"decidim:{comment.author_id}",
                text=comment.body.strip(),
                stance=stance,
                created_at=comment.created_at,
            )
        )
    report.rows = [
        PreviewRow(
            0,
            c.text,
            c.stance,
            None,
            c.created_at.isoformat() if c.created_at else "",
            c.participant_ref,
        )
        for c in contributions[:PREVIEW_ROWS]
    ]
    report.contributions = len(contributions)
    report.participants = len({c.participant_ref for c in contributions})
    if _nothing_to_import(report, contributions) or dry_run or not report.ok:
        return report
    consultation = _consultation_for(session, actor, target, scale="three", source="decidim")
    _commit(session, consultation, contributions, [], actor, "decidim", _digest(data), report)
    return report
