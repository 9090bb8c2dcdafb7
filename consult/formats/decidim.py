"""The comments export of a Decidim component, read as plain comments.

Decidim (decidim.org) exports the comments of a component from its admin
panel, built by `Decidim::Comments::CommentSerializer`
(decidim-comments/lib/decidim/comments/comment_serializer.rb) and written by
`Decidim::Exporters` (decidim-core/lib/decidim/exporters/). Each comment is:

    id, created_at, body, locale, author {id, name}, alignment, depth,
    user_group {id, name}, commentable_id, commentable_type, root_commentable_url

- `alignment` is 1 in favour, 0 neutral, -1 against; `depth` is 0 for a
  comment and 1 or more for replies.
- Recent versions export `body` as the text and `locale` as its language.
  Older ones export `body` as the translations hash ({"fr": "…"}), possibly
  with "machine_translations". Some versions have no `user_group`.
- The JSON export keeps these hashes nested. The CSV export flattens them
  with "/" (`author/id`, `body/fr`, `user_group/name/fr`), separates columns
  with ";" by default (`Decidim.default_csv_col_sep`), and in recent versions
  prefixes with "'" a text starting with = + - or @ to disarm spreadsheet
  formulas; that quote is removed here.
- The "Excel" export is an .xls file (Excel 97-2003), which `tables` refuses
  with a message asking to save it as .xlsx or use the CSV or JSON export.
- Times are Rails's: "2024-03-01 10:21:33 UTC" or "… +0100" in CSV,
  "2024-03-01T11:21:33.123+01:00" in JSON.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from consult.rules import N_

from .errors import ProblemLog, fail
from .tables import MAX_BYTES, MAX_ROWS, check_size, read_table

REQUIRED_COLUMNS = ("id", "created_at", "alignment", "depth")
ALIGNMENTS = (-1, 0, 1)  # against, neutral, in favour
MACHINE_TRANSLATIONS = "machine_translations"
FORMULA_GUARD = re.compile(r"'[=+\-@]")  # Decidim's "'" before a formula character
RAILS_TIME = re.compile(
    r"(\d{4}-\d\d-\d\d(?:[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)?) ?(UTC|Z|[+-]\d\d:?\d\d)?"
)


@dataclass(frozen=True)
class DecidimComment:
    """One comment, in the language of `locale`; `created_at` is UTC."""

    comment_id: str
    author_id: str
    author_name: str
    body: str
    alignment: int  # 1 in favour, 0 neutral, -1 against
    created_at: datetime | None
    depth: int  # 0 for a comment, 1 or more for a reply
    locale: str


def read_decidim_comments(
    data: bytes,
    filename: str,
    *,
    preferred_locale: str = "fr",
    max_rows: int = MAX_ROWS,
    max_bytes: int = MAX_BYTES,
) -> tuple[DecidimComment, ...]:
    """Read Decidim's comments export as CSV, JSON or XLSX; raise FormatError if unusable.

    When the export holds the body in several languages (`body/fr`, `body/en`…),
    the text in `preferred_locale` is taken if the comment has one, else the
    first other language it was written in. Machine translations are never
    taken: a consultation works on what members wrote.
    """
    if _looks_like_json(data, filename):
        rows = _json_rows(data, max_rows, max_bytes)
        columns = list(dict.fromkeys(key for row in rows for key in row))
        from_csv = False
    else:
        table = read_table(data, filename, max_rows=max_rows, max_bytes=max_bytes)
        rows, columns = list(table.rows), list(table.columns)
        from_csv = table.separator is not None
    missing = _missing_columns(columns)
    if missing:
        raise fail(
            N_(
                "Ce fichier ne ressemble pas à un export de commentaires Decidim : il manque "
                "les colonnes %(columns)s."
            ),
            columns=", ".join(f"« {name} »" for name in missing),
        )
    if not rows:
        raise fail(N_("L'export Decidim ne contient aucun commentaire."))
    bodies = _body_columns(columns, preferred_locale)
    problems = ProblemLog()
    comments = []
    for position, row in enumerate(rows, start=1):
        comment = _comment(problems, position, row, bodies, from_csv)
        if comment is not None:
            comments.append(comment)
    problems.raise_if_any()
    return tuple(comments)


def looks_like_decidim(columns: list[str] | tuple[str, ...]) -> bool:
    """Whether these columns are those of a Decidim comments export."""
    return not _missing_columns(list(columns))


def _missing_columns(columns: list[str]) -> list[str]:
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if not any(c == "author/id" or c == "author/name" for c in columns):
        missing.append("author/id")
    if not any(c == "body" or c.startswith("body/") for c in columns):
        missing.append("body")
    return missing


def _body_columns(columns: list[str], preferred_locale: str) -> list[tuple[str, str | None]]:
    """The columns that may hold a comment's text, best first, with their locale.

    None as locale: the recent single `body` column, whose language is in `locale`.
    """
    bodies: list[tuple[str, str | None]] = [("body", None)] if "body" in columns else []
    written = [
        (column, column.split("/", 1)[1])
        for column in columns
        if column.startswith("body/")
        and column.count("/") == 1
        and column != f"body/{MACHINE_TRANSLATIONS}"
    ]
    written.sort(key=lambda item: item[1] != preferred_locale)  # stable: file order otherwise
    return bodies + written


def _comment(
    problems: ProblemLog,
    position: int,
    row: dict[str, str],
    bodies: list[tuple[str, str | None]],
    from_csv: bool,
) -> DecidimComment | None:
    comment_id = row.get("id", "")
    if not comment_id:
        problems.add(
            N_("Le commentaire n° %(position)s de l'export n'a pas d'identifiant (id)."),
            position=position,
        )
        return None
    body, locale = next(((row[c], loc) for c, loc in bodies if row.get(c)), ("", None))
    if not body:
        problems.add(N_("Commentaire %(id)s : le texte est vide."), id=comment_id)
    alignment = _integer(problems, comment_id, row, "alignment", allowed=ALIGNMENTS)
    depth = _integer(problems, comment_id, row, "depth")
    created_at = _time(problems, comment_id, row.get("created_at", ""))
    if not body or alignment is None or depth is None:
        return None
    return DecidimComment(
        comment_id=comment_id,
        author_id=row.get("author/id", ""),
        author_name=_unguard(row.get("author/name", ""), from_csv),
        body=_unguard(body, from_csv),
        alignment=alignment,
        created_at=created_at,
        depth=depth,
        locale=locale if locale is not None else row.get("locale", ""),
    )


def _unguard(text: str, from_csv: bool) -> str:
    """Undo the quote Decidim's CSV export puts before = + - @."""
    return text[1:] if from_csv and FORMULA_GUARD.match(text) else text


def _integer(
    problems: ProblemLog,
    comment_id: str,
    row: dict[str, str],
    column: str,
    allowed: tuple[int, ...] | None = None,
) -> int | None:
    text = row.get(column, "")
    if not text:
        return 0  # Decidim's default for both alignment and depth
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or (allowed is not None and value not in allowed):
        problems.add(
            N_(
                "Commentaire %(id)s : « %(value)s » n'est pas une valeur permise dans la "
                "colonne %(column)s."
            ),
            id=comment_id,
            value=text,
            column=column,
        )
        return None
    return value


def _time(problems: ProblemLog, comment_id: str, text: str) -> datetime | None:
    """A Rails time as UTC; a time without zone is taken as UTC, as Decidim stores it."""
    if not text:
        return None
    match = RAILS_TIME.fullmatch(text.strip())
    if match is None:
        problems.add(
            N_("Commentaire %(id)s : la date « %(value)s » est illisible."),
            id=comment_id,
            value=text,
        )
        return None
    moment, zone = match.groups()
    offset = timedelta(0)
    if zone not in (None, "UTC", "Z"):
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[-2:]))
    local = datetime.fromisoformat(moment)
    return (local - offset).replace(tzinfo=UTC)


def _looks_like_json(data: bytes, filename: str) -> bool:
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return filename.lower().endswith(".json") or start in (b"[", b"{")


def _json_rows(data: bytes, max_rows: int, max_bytes: int) -> list[dict[str, str]]:
    """The JSON export's comments, flattened like Decidim's CSV export."""
    check_size(data, max_bytes)
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise fail(N_("Le fichier JSON n'est pas en UTF-8.")) from error
    except json.JSONDecodeError as error:
        raise fail(
            N_("Le fichier JSON est illisible (ligne %(line)s, colonne %(column)s)."),
            line=error.lineno,
            column=error.colno,
        ) from error
    except RecursionError as error:  # lists within lists, thousands deep: no comments
        raise fail(N_("Le fichier JSON doit contenir une liste de commentaires.")) from error
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise fail(N_("Le fichier JSON doit contenir une liste de commentaires."))
    if len(items) > max_rows:
        raise fail(N_("Le fichier dépasse %(max)s lignes."), max=max_rows)
    return [_flatten(item) for item in items]


def _flatten(value: Any, key: str = "") -> dict[str, str]:
    """{"author": {"id": 3}} → {"author/id": "3"}, as Decidim flattens for CSV."""
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for name, inner in value.items():
            flat.update(_flatten(inner, f"{key}/{name}" if key else str(name)))
        return flat
    if isinstance(value, list):
        return {key: ", ".join(str(item) for item in value if item is not None)}
    if value is None:
        return {key: ""}
    if isinstance(value, bool):
        return {key: "true" if value else "false"}
    return {key: str(value).strip()}
