"""Reading CSV, TSV and XLSX tables (consult/formats/tables.py): encodings, separators,
quoting, limits, what is not a table, and guessing which column holds what.

No app and no database: bytes in, plain values out.
"""

import io
import random
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from consult.formats.errors import MAX_PROBLEMS, FormatError
from consult.formats.tables import guess_mapping, read_table


def problems(error: pytest.ExceptionInfo) -> list[tuple[str, dict]]:
    return [(p.message, p.params) for p in error.value.problems]


def lines_in(error: pytest.ExceptionInfo) -> list[int]:
    return [p.params["line"] for p in error.value.problems if "line" in p.params]


# Tables: encodings


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("texte;collège\nL'été sera chaud;Salariés\n".encode(), "utf-8"),
        ("texte;collège\nL'été sera chaud;Salariés\n".encode("utf-8-sig"), "utf-8-sig"),
        ("texte;collège\nL'été sera chaud;Salariés\n".encode("cp1252"), "cp1252"),
    ],
)
def test_each_encoding_is_recognised(data, encoding):
    table = read_table(data, "contributions.csv")
    assert table.encoding == encoding
    assert table.columns == ("texte", "collège")  # no BOM glued to the first name
    assert table.rows == ({"texte": "L'été sera chaud", "collège": "Salariés"},)


def test_excel_windows_1252_keeps_oe_and_euro():
    data = "texte;montant\nLe cœur du sujet;12 €\n".encode("cp1252")
    assert b"\x9c" in data and b"\x80" in data  # œ and € are cp1252-only bytes
    table = read_table(data, "export.csv")
    assert table.rows == ({"texte": "Le cœur du sujet", "montant": "12 €"},)


def test_a_utf16_file_is_refused_with_advice():
    with pytest.raises(FormatError) as error:
        read_table("texte\nbonjour\n".encode("utf-16"), "texte.csv")
    assert "UTF-16" in problems(error)[0][0]


# Tables: separators


@pytest.mark.parametrize(
    ("data", "separator"),
    [
        (b"texte;note;college\nOui, vraiment;1,5;A\nNon, jamais;2,5;B\n", ";"),
        (b'texte,note,college\n"Oui; vraiment",1.5,A\nNon,2.5,B\n', ","),
        (b"texte\tnote\tcollege\nOui, vraiment; bien\t1,5\tA\nNon\t2\tB\n", "\t"),
    ],
)
def test_each_separator_is_detected(data, separator):
    table = read_table(data, "f.csv")
    assert table.separator == separator
    assert table.columns == ("texte", "note", "college")
    assert [row["college"] for row in table.rows] == ["A", "B"]


def test_a_header_only_file_prefers_the_semicolon_of_french_excel():
    table = read_table(b"texte;college\n", "f.csv")
    assert (table.separator, table.columns, table.rows) == (";", ("texte", "college"), ())


def test_a_single_column_keeps_its_commas_and_semicolons():
    table = read_table(b"texte\nOui, bien\nNon; pas du tout\n", "f.csv")
    assert [row["texte"] for row in table.rows] == ["Oui, bien", "Non; pas du tout"]


def test_excel_sep_line_names_the_separator():
    table = read_table(b"sep=,\ntexte,college\nOui;Non,A\n", "f.csv")
    assert table.separator == ","
    assert table.rows == ({"texte": "Oui;Non", "college": "A"},)
    assert table.line_numbers == (3,)


# Tables: quoting, blank lines, line numbers


def test_quoted_cells_keep_newlines_separators_and_quotes_with_true_line_numbers():
    data = (
        "texte;college\r\n"
        '"Première ligne\r\nseconde ; avec séparateur";Salariés\r\n'
        "\r\n"
        ";\r\n"
        '"Il a dit ""non""";Usagers\r\n'
    ).encode()
    table = read_table(data, "f.csv")
    assert table.rows == (
        {"texte": "Première ligne\nseconde ; avec séparateur", "college": "Salariés"},
        {"texte": 'Il a dit "non"', "college": "Usagers"},
    )
    assert table.line_numbers == (2, 6)  # the first spans lines 2-3; 4 and 5 are blank


def test_an_error_after_a_multiline_cell_names_the_physical_line():
    data = b'texte;college\n"un\ndeux\ntrois";A\nun;deux;trois\n'
    with pytest.raises(FormatError) as error:
        read_table(data, "f.csv")
    assert lines_in(error) == [5]
    assert problems(error)[0][1] == {"line": 5, "count": 3, "columns": 2}


def test_an_unclosed_quote_is_reported_where_it_opens():
    with pytest.raises(FormatError) as error:
        read_table(b'texte;college\nbon;A\n"ouvert;B\nsuite;C\n', "f.csv")
    assert lines_in(error) == [3]
    assert "guillemet" in problems(error)[0][0]


def test_short_rows_are_padded_and_trailing_empty_cells_ignored():
    table = read_table(b"texte;college;date;;\nOui\nNon;B;2024-01-02;;\n", "f.csv")
    assert table.columns == ("texte", "college", "date")
    assert table.rows == (
        {"texte": "Oui", "college": "", "date": ""},
        {"texte": "Non", "college": "B", "date": "2024-01-02"},
    )


def test_every_row_with_too_many_cells_is_reported_at_once():
    data = b"texte;college\nun;A\ndeux;B;en trop\ntrois;C\nquatre;D;x;y\n"
    with pytest.raises(FormatError) as error:
        read_table(data, "f.csv")
    assert lines_in(error) == [3, 5]


def test_problems_stop_after_a_readable_number():
    data = b"texte;college\n" + b"a;b;c\n" * 100
    with pytest.raises(FormatError) as error:
        read_table(data, "f.csv")
    assert len(error.value.problems) == MAX_PROBLEMS + 1
    assert error.value.problems[-1].params == {"count": MAX_PROBLEMS}


@pytest.mark.parametrize("header", [b"texte;;college", b"texte;college;texte"])
def test_empty_or_duplicate_column_names_are_refused(header):
    with pytest.raises(FormatError) as error:
        read_table(header + b"\nun;A;x\n", "f.csv")
    assert lines_in(error) == [1]


# Tables: what is not a table


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
        random.Random(12).randbytes(4096),
        bytes(range(1, 256)) * 8,  # no NUL byte, but one byte in ten is a control
    ],
    ids=["png", "random", "control-characters"],
)
def test_binary_content_is_refused(data):
    with pytest.raises(FormatError) as error:
        read_table(data, "contributions.csv")
    binary = "Le fichier n'est pas un CSV ou XLSX lisible (contenu binaire)."
    assert problems(error) == [(binary, {})]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n  \n"])
def test_an_empty_file_is_said_to_be_empty(data):
    with pytest.raises(FormatError) as error:
        read_table(data, "f.csv")
    assert problems(error) == [("Le fichier est vide.", {})]


def test_old_excel_and_other_archives_get_advice():
    with pytest.raises(FormatError) as error:
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "export.xls")
    assert ".xls" in problems(error)[0][0]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("notes.txt", "bonjour")
    with pytest.raises(FormatError) as error:
        read_table(archive.getvalue(), "notes.zip")
    assert "zip" in problems(error)[0][0]


# Tables: limits


def test_the_row_limit_counts_data_rows():
    data = b"texte\nun\ndeux\n\ntrois\n"
    assert len(read_table(data, "f.csv", max_rows=3).rows) == 3
    with pytest.raises(FormatError) as error:
        read_table(data, "f.csv", max_rows=2)
    assert problems(error) == [("Le fichier dépasse %(max)s lignes.", {"max": 2})]


def test_the_byte_limit_is_said_in_megabytes():
    with pytest.raises(FormatError) as error:
        read_table(b"x" * 101, "f.csv", max_bytes=100)
    assert problems(error) == [("Le fichier dépasse %(max)s Mo.", {"max": "0.1"})]
    with pytest.raises(FormatError) as error:
        read_table(b"x" * (10 * 1024 * 1024 + 1), "f.csv")
    assert problems(error)[0][1] == {"max": "10"}


# Tables: XLSX


def make_xlsx(path: Path, cells: dict[str, object]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for cell, value in cells.items():
        sheet[cell] = value
    workbook.create_sheet("Ignorée")["A1"] = "seule la première feuille compte"
    workbook.save(path)
    return path.read_bytes()


def bomb(path: Path, expanded_mb: int) -> bytes:
    """A real workbook whose one shared string expands to ``expanded_mb`` megabytes."""
    make_xlsx(path, {"A1": "texte", "A2": "court"})
    bombed = path.with_name("bombe.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                out.writestr(item, source.read(item))
        with out.open("xl/sharedStrings.xml", "w") as member:
            member.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>texte</t>'
                         b"</si><si><t>")
            chunk = b"a" * (1024 * 1024)
            for _ in range(expanded_mb):
                member.write(chunk)
            member.write(b"</t></si></sst>")
    return bombed.read_bytes()


def test_an_xlsx_that_would_expand_beyond_ten_times_the_limit_is_refused_unread(tmp_path):
    import tracemalloc

    data = bomb(tmp_path / "classeur.xlsx", expanded_mb=60)
    assert len(data) < 1024 * 1024  # under the upload limit, 60 MB once opened
    tracemalloc.start()
    with pytest.raises(FormatError) as refused:
        read_table(data, "bombe.xlsx", max_bytes=1024 * 1024)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "se décompresse en plus de 10 Mo" in refused.value.problems[0].message % \
        refused.value.problems[0].params
    assert peak < 5 * 1024 * 1024  # nothing was decompressed


def test_a_workbook_within_the_expansion_limit_is_read(tmp_path):
    data = bomb(tmp_path / "classeur.xlsx", expanded_mb=2)
    table = read_table(data, "gros.xlsx", max_bytes=1024 * 1024)
    assert table.columns == ("texte",) and len(table.rows) == 1  # 2 MB: read as usual


def test_xlsx_first_sheet_values_become_text(tmp_path):
    data = make_xlsx(
        tmp_path / "contributions.xlsx",
        {
            "A1": "Texte",
            "B1": "Collège",
            "C1": "Date",
            "D1": "Note",
            "A2": "Première\nidée",
            "B2": "Salariés",
            "C2": datetime(2024, 3, 1),
            "D2": 3,
            # row 3 left blank
            "A4": "  Deuxième  ",
            "C4": datetime(2024, 3, 2, 14, 30),
            "D4": 2.5,
            "A5": "Troisième",
            "C5": date(2024, 3, 3),
            "D5": True,
        },
    )
    table = read_table(data, "contributions.xlsx")
    assert (table.encoding, table.separator) == ("xlsx", None)
    assert table.columns == ("Texte", "Collège", "Date", "Note")
    assert table.rows == (
        {"Texte": "Première\nidée", "Collège": "Salariés", "Date": "2024-03-01", "Note": "3"},
        {"Texte": "Deuxième", "Collège": "", "Date": "2024-03-02T14:30:00", "Note": "2.5"},
        {"Texte": "Troisième", "Collège": "", "Date": "2024-03-03", "Note": "true"},
    )
    assert table.line_numbers == (2, 4, 5)


def test_xlsx_value_outside_the_named_columns_names_its_cell(tmp_path):
    data = make_xlsx(tmp_path / "f.xlsx", {"A1": "Texte", "A2": "ok", "A3": "x", "C3": "perdu"})
    with pytest.raises(FormatError) as error:
        read_table(data, "f.xlsx")
    assert problems(error)[0][1] == {"line": 3, "column": "C"}


def test_a_damaged_xlsx_is_refused(tmp_path):
    data = make_xlsx(tmp_path / "f.xlsx", {"A1": "Texte"})
    with pytest.raises(FormatError):
        read_table(data[: len(data) // 2], "f.xlsx")
    with pytest.raises(FormatError):
        read_table(b"texte\nbonjour\n", "renommé.xlsx")


# Tables: guessing columns


def test_guess_mapping_reads_french_headers_without_case_or_accents():
    mapping = guess_mapping(
        [
            "N°",
            "Texte de la contribution",
            "COLLÈGE",
            "Date de création",
            "Nom de l'auteur",
            "Votre avis",
        ]
    )
    assert mapping == {
        "text": "Texte de la contribution",
        "stance": "Votre avis",
        "college": "COLLÈGE",
        "date": "Date de création",
        "author": "Nom de l'auteur",
    }


def test_guess_mapping_reads_polis_and_decidim_headers():
    polis = [
        "timestamp",
        "datetime",
        "comment-id",
        "author-id",
        "agrees",
        "disagrees",
        "moderated",
        "comment-body",
    ]
    assert guess_mapping(polis) == {
        "text": "comment-body",
        "stance": None,
        "college": None,
        "date": "datetime",
        "author": "author-id",
    }
    decidim = [
        "id",
        "created_at",
        "body/fr",
        "body/en",
        "author/id",
        "author/name",
        "alignment",
        "depth",
        "commentable_id",
    ]
    assert guess_mapping(decidim) == {
        "text": "body/fr",
        "stance": "alignment",
        "college": None,
        "date": "created_at",
        "author": "author/id",
    }


def test_guess_mapping_prefers_exact_names_and_gives_each_column_once():
    mapping = guess_mapping(["Commentaire du collège", "collège", "texte", "position"])
    assert mapping["text"] == "texte"
    assert mapping["college"] == "collège"
    assert mapping["stance"] == "position"
    assert guess_mapping(["a", "b"]) == dict.fromkeys(
        ["text", "stance", "college", "date", "author"]
    )
