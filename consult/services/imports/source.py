"""The one way in for an import, from the web and from the command line: detect, then import.

:func:`import_source` takes a path — a file, or a folder holding a Polis export or one uploaded
file — finds what it is (or takes the ``kind`` asked for), and hands it to the reader of that kind
with the cooperative's limits. The web import and ``palabre consultation import`` both call it,
so they detect, limit and refuse in the same way.
"""

import json
from dataclasses import asdict
from pathlib import Path

from sqlmodel import Session

from ...formats.decidim import looks_like_decidim
from ...formats.errors import FormatError
from ...formats.tables import Table, read_table
from ...models import Member
from ...rules import N_, Problem
from .common import check_actor
from .decidim import import_decidim
from .polis import import_polis
from .report import DEFAULT_LIMITS, ImportLimits, ImportRefused, ImportReport, Target
from .table import import_table

KINDS = ("auto", "table", "polis", "decidim")
ACCEPTED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".json")
POLIS_COMMENTS = "comments.csv"  # the file that makes a folder a Polis export


def accepts(filename: str) -> bool:
    """Whether a file of this name can be imported (by its extension)."""
    return Path(filename).suffix.lower() in ACCEPTED_SUFFIXES


def _data_file(folder: Path) -> Path:
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and accepts(p.name)]
    if len(files) != 1:
        raise ImportRefused([Problem(N_(
            "Un dossier s'importe s'il contient un export Polis (comments.csv avec votes.csv "
            "ou participants-votes.csv) ou un seul fichier CSV, TSV, XLSX ou JSON."))])
    return files[0]


def detect_kind(path: Path, limits: ImportLimits = DEFAULT_LIMITS,
                cache: Path | None = None) -> str:
    """``polis`` for a folder with comments.csv; for a file, ``decidim`` when it is JSON or its
    columns are a Decidim export's, else ``table`` (whose reader then says what is wrong)."""
    if path.is_dir():
        if (path / POLIS_COMMENTS).is_file():
            return "polis"
        path = _data_file(path)
    if path.suffix.lower() == ".json":
        return "decidim"
    try:
        table = read_once(path, limits, cache)
    except FormatError:
        return "table"
    return "decidim" if looks_like_decidim(table.columns) else "table"


def read_once(path: Path, limits: ImportLimits, cache: Path | None = None) -> Table:
    """The table in ``path``; with a ``cache`` folder, read from the file the first time only
    (a preview page is shown again at every change of column mapping)."""
    if cache is None:
        return read_table(path.read_bytes(), path.name, max_rows=limits.max_rows,
                          max_bytes=limits.max_bytes)
    kept = cache / f"{path.name}.table.json"
    if kept.is_file():
        stored = json.loads(kept.read_text(encoding="utf-8"))
        return Table(tuple(stored["columns"]), tuple(stored["rows"]),
                     tuple(stored["line_numbers"]), stored["encoding"], stored["separator"])
    table = read_once(path, limits)
    cache.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(asdict(table), ensure_ascii=False), encoding="utf-8")
    return table


def import_source(
    session: Session,
    actor: Member | None,
    path: Path,
    *,
    target: Target,
    key: str,
    kind: str = "auto",
    mapping: dict[str, str | None] | None = None,
    dry_run: bool = True,
    limits: ImportLimits = DEFAULT_LIMITS,
    cache: Path | None = None,
) -> ImportReport:
    """Preview (``dry_run``) or import what ``path`` holds into ``target``.

    ``key`` is the installation's pseudonym key, from which imported authors' refs are derived.
    ``cache``: a folder where a table read once is kept for the next previews of the same upload.
    Raises :class:`ImportRefused` (with every problem) when the source cannot be read, and the
    services' refusals when the actor may not import or the target cannot receive it.
    """
    check_actor(session, actor, target)  # before reading anything
    path = Path(path)
    if kind not in KINDS:
        raise ImportRefused([Problem(N_("Format d'import inconnu : %(kind)s."), {"kind": kind})])
    if kind == "auto":
        kind = detect_kind(path, limits, cache)
    if kind == "polis":
        if not path.is_dir():
            raise ImportRefused([Problem(N_(
                "Un export Polis est un dossier (comments.csv avec votes.csv ou "
                "participants-votes.csv)."))])
        return import_polis(session, actor, target, path, dry_run=dry_run, limits=limits)
    if path.is_dir():
        path = _data_file(path)
    if not accepts(path.name):
        raise ImportRefused([Problem(N_("Formats acceptés : CSV, TSV, XLSX ou JSON."))])
    data = path.read_bytes()
    if kind == "decidim":
        return import_decidim(session, actor, target, data, path.name, dry_run=dry_run,
                              limits=limits)
    try:
        table = read_once(path, limits, cache) if cache is not None else None
    except FormatError as error:
        raise ImportRefused(error.problems) from error
    return import_table(session, actor, target, data, path.name, mapping=mapping, key=key,
                        dry_run=dry_run, limits=limits, table=table)
