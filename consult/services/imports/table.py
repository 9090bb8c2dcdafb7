"""Contributions from a CSV or XLSX table, one column for each field, mapped or guessed."""

from sqlmodel import Session, select

from ...formats.errors import FormatError
from ...formats.tables import Table, guess_mapping, read_table
from ...models import College, Member
from ...pseudonyms import imported_ref
from ...rules import N_, Problem, fold, stance_from_word, text_problem, tidy
from .bulk import NewContribution
from .common import (
    check_actor,
    commit,
    consultation_for,
    digest,
    nothing_to_import,
    parse_date,
    target_scale,
    unguard,
)
from .report import (
    DEFAULT_LIMITS,
    PREVIEW_ROWS,
    ImportLimits,
    ImportRefused,
    ImportReport,
    PreviewRow,
    Target,
)


def read_upload(data: bytes, filename: str, limits: ImportLimits) -> Table:
    try:
        return read_table(data, filename, max_rows=limits.max_rows, max_bytes=limits.max_bytes)
    except FormatError as error:
        raise ImportRefused(error.problems) from error


def import_table(
    session: Session,
    actor: Member | None,
    target: Target,
    data: bytes,
    filename: str,
    *,
    mapping: dict[str, str | None] | None = None,
    key: str,
    dry_run: bool = True,
    limits: ImportLimits = DEFAULT_LIMITS,
    table: Table | None = None,
) -> ImportReport:
    """Contributions from a CSV or XLSX file, with a column for each field (``table``: the file
    as already read, which ``data`` is)."""
    check_actor(session, actor, target)
    if table is None:
        table = read_upload(data, filename, limits)
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
    scale = target_scale(session, target)
    colleges = {fold(c.name): c for c in session.exec(select(College))}
    file_digest = digest(data)
    new = []
    for line, row in zip(table.line_numbers, table.rows, strict=True):
        item = _table_row(report, line, row, mapping, scale, colleges, file_digest, key,
                          limits.time_zone)
        if item is not None:
            new.append(item)
    report.contributions = len(new)
    report.participants = len({item.participant_ref for item in new})
    if nothing_to_import(report, new) or dry_run or not report.ok:
        return report
    college_ids = tuple(sorted({i.college_id for i in new if i.college_id is not None}))
    consultation = consultation_for(
        session, actor, target, scale=scale, source="csv", college_ids=college_ids
    )
    commit(session, consultation, new, [], actor, "csv", file_digest, report)
    return report


def _table_row(report, line, row, mapping, scale, colleges, file_digest, key, zone):
    def cell(name):
        column = mapping.get(name)
        return unguard(row.get(column, "")) if column else ""

    text = tidy(cell("text"))
    problem = text_problem(text)
    if problem:
        report.problems.append(
            Problem(
                N_("Ligne %(line)s : %(problem)s"),
                {"line": line, "problem": problem},
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
        college = colleges.get(fold(cell("college")))
        if college is None:
            report.problems.append(
                Problem(
                    N_("Ligne %(line)s : collège « %(value)s » inconnu."),
                    {"line": line, "value": cell("college")},
                )
            )
            return None
    try:
        created_at = parse_date(cell("date"), zone)
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
    ref = imported_ref(key, author if author else f"{file_digest}:{line}")
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
