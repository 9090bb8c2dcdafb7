"""Reading a table of contributions uploaded as CSV or XLSX.

Whatever spreadsheet software wrote the file, the result is the same `Table`:
column names, rows of stripped strings, and the line each row starts on in the
original file, so that every message can point at it.

CSV is read with the three encodings that French spreadsheet software writes:
UTF-8 with a byte-order mark (Excel's "CSV UTF-8"), UTF-8 (LibreOffice, Google
Sheets) and Windows-1252 (Excel's plain "CSV"). Strict UTF-8 decoding almost
never succeeds on text that is not UTF-8, so trying it first and falling back
to Windows-1252 is reliable; a detector such as charset-normalizer, guessing
among dozens of encodings, would only add surprises.
"""

import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice

import openpyxl
from openpyxl.utils import get_column_letter

from consult.rules import N_

from .errors import FormatError, ProblemLog, fail

MAX_ROWS = 100_000
MAX_BYTES = 10 * 1024 * 1024
# An XLSX is a zip: what it decompresses to is bounded before anything is read. Ten times the
# upload limit for the whole, and for any one member: a real workbook of 100,000 rows of text
# fits, and a 600 KB file that expands to 600 MB (one huge cell) is refused at once.
XLSX_EXPANSION = 10
SEPARATORS = (";", ",", "\t")  # ties go to the first: French Excel writes ";"
SAMPLE_RECORDS = 50  # records read to choose the separator

ZIP_SIGNATURE = b"PK\x03\x04"
XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003, and Decidim's "Excel" export
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Control bytes that no text file holds in any number; tab, line feed, vertical
# tab, form feed and carriage return are left out because text does use them.
CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32), 127])
BINARY_SAMPLE = 64 * 1024  # bytes
BINARY_SHARE = 0.05  # more control bytes than this in the sample: not text

Record = tuple[int, list[str]]  # (line where the record starts, its cells)

# Common header names, normalised (lower case, no accents, words), best first.
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "text": (
        "texte",
        "text",
        "contribution",
        "verbatim",
        "commentaire",
        "comment body",
        "comment",
        "body",
        "message",
        "contenu",
        "content",
        "reponse",
        "proposition",
        "idee",
    ),
    "stance": ("position", "stance", "avis", "alignment", "alignement", "vote", "accord"),
    "college": (
        "college",
        "college de vote",
        "colleges",
        "categorie d associe",
        "categorie d associes",
        "categorie",
    ),
    "date": (
        "date",
        "created at",
        "datetime",
        "date de creation",
        "cree le",
        "horodateur",
        "horodatage",
        "timestamp",
    ),
    "author": (
        "auteur",
        "author",
        "author id",
        "auteur id",
        "id auteur",
        "author name",
        "participant",
        "participant id",
        "membre",
        "member",
        "nom",
        "name",
    ),
}


@dataclass(frozen=True)
class Table:
    """A spreadsheet as plain strings, every row a dict keyed by column name.

    `line_numbers[i]` is the line (CSV) or row (XLSX) of `rows[i]` in the
    original file, the header being line 1 when nothing precedes it.
    """

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    line_numbers: tuple[int, ...]
    encoding: str  # "utf-8", "utf-8-sig", "cp1252", or "xlsx"
    separator: str | None  # ";", "," or "\t"; None for XLSX


def read_table(
    data: bytes, filename: str, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES
) -> Table:
    """Read an uploaded CSV or XLSX file; raise FormatError saying what to fix.

    The first non-blank line is the header. Blank lines are skipped, missing
    trailing cells read as "", and a row with more cells than the header is an
    error. `max_bytes` bounds the upload and `max_rows` the data rows.
    """
    check_size(data, max_bytes)
    if data.startswith(ZIP_SIGNATURE):
        return _read_xlsx(data, filename, max_rows, XLSX_EXPANSION * max_bytes)
    if data.startswith(XLS_SIGNATURE):
        raise fail(
            N_(
                "Le fichier « %(name)s » est au format Excel 97-2003 (.xls), que Palabre ne lit "
                "pas : enregistrez-le au format .xlsx ou CSV."
            ),
            name=filename,
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise fail(
            N_(
                "Le fichier « %(name)s » n'est pas un classeur Excel lisible : il est peut-être "
                "endommagé."
            ),
            name=filename,
        )
    text, encoding = decode_text(data)
    text, separator, skipped = _separator_line(text)
    if separator is None:
        separator = detect_separator(text)
    records = ((line + skipped, cells) for line, cells in iter_records(text, separator))
    return _table(records, encoding, separator, max_rows)


def check_size(data: bytes, max_bytes: int) -> None:
    """Refuse an upload larger than `max_bytes`, saying the limit in megabytes."""
    if len(data) > max_bytes:
        raise fail(N_("Le fichier dépasse %(max)s Mo."), max=_megabytes(max_bytes))


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was written in.

    Raises FormatError for an empty file, binary content or an encoding other
    than UTF-8 (with or without byte-order mark) and Windows-1252.
    """
    if data.startswith(UTF16_BOMS):
        raise fail(
            N_(
                "Le fichier est encodé en UTF-16 : enregistrez-le en « CSV UTF-8 » ou "
                "au format .xlsx."
            )
        )
    has_bom = data.startswith(UTF8_BOM)
    if not data[len(UTF8_BOM) if has_bom else 0 :].strip():
        raise fail(N_("Le fichier est vide."))
    if _looks_binary(data):
        raise fail(N_("Le fichier n'est pas un CSV ou XLSX lisible (contenu binaire)."))
    text = data[len(UTF8_BOM) :] if has_bom else data
    for encoding, raw in (("utf-8-sig" if has_bom else "utf-8", data), ("cp1252", text)):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise fail(
        N_("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en « CSV UTF-8 ».")
    )


def detect_separator(text: str) -> str:
    """The separator among ; , and tab that splits this CSV text most consistently.

    The header decides first: a separator that cuts it into one column only is
    chosen only if none cuts it into more. Among those that do, one that never
    gives a sampled row more cells than the header wins, and then the one whose
    rows most often have exactly the header's width. Ties go to ";", then ",".
    csv.Sniffer is not used: it guesses wrongly on short or French files.
    """

    def score(rank: int, separator: str) -> tuple[int, int, int]:
        records = list(islice(_sample(text, separator), SAMPLE_RECORDS))
        if not records or records[0] is None:
            return (3, 0, rank)
        width = len(records[0])
        rows = records[1:]
        too_wide = sum(1 for cells in rows if cells is None or len(cells) > width)
        exact = sum(1 for cells in rows if cells is not None and len(cells) == width)
        if width > 1 and too_wide == 0:
            return (0, -exact, rank)
        return (1 if width > 1 else 2, too_wide, rank)

    scores = {separator: score(rank, separator) for rank, separator in enumerate(SEPARATORS)}
    return min(SEPARATORS, key=scores.__getitem__)


def iter_records(text: str, separator: str) -> Iterator[Record]:
    """Each non-blank CSV record as (line where it starts, stripped cells).

    Quoted cells may hold separators and line breaks; line breaks inside a
    cell become "\\n". Raises FormatError at the first badly quoted record.
    """
    # strict: a stray quote would otherwise swallow the rest of the file silently
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise fail(
                N_(
                    "Ligne %(line)s : guillemets mal fermés. Une cellule qui commence par un "
                    "guillemet doit finir par un guillemet suivi du séparateur, et un guillemet "
                    'dans le texte s\'écrit deux fois ("").'
                ),
                line=line,
            ) from error
        cells = [_clean(cell) for cell in cells]
        if any(cells):
            yield line, cells


def guess_mapping(columns: Iterable[str]) -> dict[str, str | None]:
    """Which column most likely holds each field a contribution needs.

    Returns {"text", "stance", "college", "date", "author"} → column name or
    None. Names are compared without case, accents or punctuation: an exact
    name first ("Texte", "comment-body", "created_at"), then a column whose
    name contains one ("Texte de la contribution", "body/fr"). A column is
    given to one field at most, and one ending in "id" only to the author.
    """
    columns = list(columns)
    words = {column: _normalise(column).split() for column in columns}
    mapping: dict[str, str | None] = dict.fromkeys(FIELD_NAMES)
    used: set[str] = set()
    for contains in (False, True):
        for field, names in FIELD_NAMES.items():
            if mapping[field] is None:
                mapping[field] = _find_column(field, names, columns, words, used, contains)
                if mapping[field] is not None:
                    used.add(mapping[field])
    return mapping


def _find_column(
    field: str,
    names: tuple[str, ...],
    columns: list[str],
    words: dict[str, list[str]],
    used: set[str],
    contains: bool,
) -> str | None:
    for name in names:
        wanted = name.split()
        for column in columns:
            found = words[column]
            if column in used or not found:
                continue
            if not contains:
                if found == wanted:
                    return column
            elif (field == "author" or found[-1] != "id") and _has_run(found, wanted):
                return column
    return None


def _has_run(words: list[str], wanted: list[str]) -> bool:
    """Whether `wanted` appears in `words` as consecutive whole words."""
    size = len(wanted)
    return any(words[i : i + size] == wanted for i in range(len(words) - size + 1))


def _normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.split(r"[^0-9a-z]+", letters)).strip()


def _read_xlsx(data: bytes, filename: str, max_rows: int, max_expanded: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise fail(
            N_("Le fichier « %(name)s » est une archive endommagée."), name=filename
        ) from error
    # The sizes come from the archive's directory; zipfile never reads past a member's size.
    if sum(m.file_size for m in members) > max_expanded:
        raise fail(
            N_(
                "Le classeur « %(name)s » se décompresse en plus de %(max)s Mo : Palabre ne "
                "l'ouvre pas. Enregistrez ses contributions dans un classeur plus petit ou en CSV."
            ),
            name=filename,
            max=_megabytes(max_expanded),
        )
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names:
            raise fail(
                N_(
                    "Le fichier « %(name)s » est au format OpenDocument (.ods) : "
                    "enregistrez-le au format .xlsx ou CSV."
                ),
                name=filename,
            )
        raise fail(
            N_(
                "Le fichier « %(name)s » est une archive zip, "
                "pas un classeur Excel .xlsx ni un CSV."
            ),
            name=filename,
        )
    # openpyxl warns about styles and extensions it ignores; they do not touch the values.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # a damaged workbook fails in many different ways
            raise _unreadable_workbook(filename) from error
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some writers declare a wrong size; read what is there
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            records = ((n, cells) for n, values in rows if any(cells := _xlsx_cells(values)))
            return _table(records, "xlsx", None, max_rows)
        except FormatError:
            raise
        except Exception as error:  # damage found only while reading the rows
            raise _unreadable_workbook(filename) from error
        finally:
            workbook.close()


def _unreadable_workbook(filename: str) -> FormatError:
    return fail(
        N_("Le classeur Excel « %(name)s » est illisible : il est peut-être endommagé."),
        name=filename,
    )


def _xlsx_cells(values: tuple) -> list[str]:
    return [_clean(_cell_text(value)) for value in values]


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 3 as 3.0
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _table(records: Iterator[Record], encoding: str, separator: str | None, max_rows: int) -> Table:
    first = next(records, None)
    if first is None:
        raise fail(N_("Le fichier est vide."))
    header_line, header = first
    columns = _columns(header, header_line)
    problems = ProblemLog()
    rows, lines = [], []
    for line, cells in records:
        if len(rows) >= max_rows:
            raise fail(N_("Le fichier dépasse %(max)s lignes."), max=max_rows)
        used = len(cells)
        while used and not cells[used - 1]:
            used -= 1
        if used > len(columns):
            _too_many_cells(problems, line, used, len(columns), separator)
            continue
        values = cells[: len(columns)]
        values += [""] * (len(columns) - len(values))
        rows.append(dict(zip(columns, values, strict=True)))
        lines.append(line)
    problems.raise_if_any()
    return Table(tuple(columns), tuple(rows), tuple(lines), encoding, separator)


def _columns(header: list[str], line: int) -> list[str]:
    names = list(header)
    while names and not names[-1]:  # spreadsheets often leave empty columns at the end
        names.pop()
    problems = ProblemLog()
    seen = set()
    for position, name in enumerate(names, start=1):
        if not name:
            problems.add(
                N_("Ligne %(line)s : la colonne n° %(position)s de l'en-tête n'a pas de nom."),
                line=line,
                position=position,
            )
        elif name in seen:
            problems.add(
                N_(
                    "Ligne %(line)s : la colonne « %(name)s » apparaît plusieurs fois "
                    "dans l'en-tête."
                ),
                line=line,
                name=name,
            )
        seen.add(name)
    problems.raise_if_any()
    return names


def _too_many_cells(
    problems: ProblemLog, line: int, used: int, width: int, separator: str | None
) -> None:
    if separator is None:
        problems.add(
            N_(
                "Ligne %(line)s : la colonne %(column)s contient une valeur mais n'a "
                "pas de nom dans l'en-tête."
            ),
            line=line,
            column=get_column_letter(used),
        )
    else:
        problems.add(
            N_(
                "Ligne %(line)s : %(count)s cellules alors que l'en-tête n'a que "
                "%(columns)s colonnes. Un texte qui contient le séparateur doit être "
                "entre guillemets."
            ),
            line=line,
            count=used,
            columns=width,
        )


def _sample(text: str, separator: str) -> Iterator[list[str] | None]:
    """Non-blank records for choosing a separator; None for a badly quoted one."""
    try:
        for _line, cells in iter_records(text, separator):
            yield cells
    except FormatError:  # quotes that only this separator breaks
        yield None


def _separator_line(text: str) -> tuple[str, str | None, int]:
    """Honour Excel's optional first line "sep=;", which names the separator."""
    match = re.match(r"sep=([;,\t])\r?\n", text)
    if match is None:
        return text, None, 0
    return text[match.end() :], match.group(1), 1


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _looks_binary(data: bytes) -> bool:
    sample = data[:BINARY_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    return controls > BINARY_SHARE * len(sample)


def _megabytes(size: int) -> str:
    """A byte count in megabytes, rounded up to a tenth: "10", "0.1"."""
    tenths = -(-size * 10 // (1024 * 1024))
    return f"{tenths / 10:g}"
