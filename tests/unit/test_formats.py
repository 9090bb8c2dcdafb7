"""Import and export formats: CSV/XLSX tables, Polis, Decidim, CSV for Excel.

No app and no database: bytes and folders in, plain values out. The Polis
tests also read two real public conversations from ../shared/data.
"""

import csv
import io
import json
import random
import shutil
import subprocess
import sys
import textwrap
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from consult.formats.csvout import to_csv_bytes
from consult.formats.decidim import looks_like_decidim, read_decidim_comments
from consult.formats.errors import MAX_PROBLEMS, FormatError
from consult.formats.polis import (
    PolisComment,
    PolisExport,
    PolisVote,
    latest_votes,
    read_polis_export,
    write_polis_export,
)
from consult.formats.tables import guess_mapping, read_table

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # /work/shared/data
POLIS_DATA = SHARED_DATA / "polis" / "opendata"
CONVERSATIONS = ["brexit-consensus", "15-per-hour-seattle"]


def problems(error: pytest.ExceptionInfo) -> list[tuple[str, dict]]:
    return [(p.message, p.params) for p in error.value.problems]


def lines_in(error: pytest.ExceptionInfo) -> list[int]:
    return [p.params["line"] for p in error.value.problems if "line" in p.params]


def test_formats_import_without_flask_or_database():
    script = textwrap.dedent("""
        import importlib, sys, types

        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"flask", "sqlmodel", "sqlalchemy"}:
                    raise ImportError("blocked: " + name)

        sys.meta_path.insert(0, Block())
        package = types.ModuleType("consult")  # consult/__init__.py builds the Flask app
        package.__path__ = ["consult"]
        sys.modules["consult"] = package
        for name in ("tables", "polis", "decidim", "csvout", "errors"):
            importlib.import_module("consult.formats." + name)
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


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


# Polis: the two real conversations


@pytest.fixture(params=CONVERSATIONS)
def conversation(request) -> Path:
    folder = POLIS_DATA / request.param
    if not folder.is_dir():
        pytest.skip(f"real Polis data not found in {POLIS_DATA} (the shared data folder)")
    return folder


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The oracle's own reading, with nothing but the csv module."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def summary_of(folder: Path) -> dict[str, str]:
    with (folder / "summary.csv").open(encoding="utf-8", newline="") as file:
        return dict(csv.reader(file))


def test_polis_export_counts_match_its_files(conversation):
    export = read_polis_export(conversation)
    comment_rows = csv_rows(conversation / "comments.csv")
    vote_rows = csv_rows(conversation / "votes.csv")
    summary = summary_of(conversation)
    assert len(export.comments) == len(comment_rows) == int(summary["comments"])
    assert len(export.votes) == len(vote_rows)  # every event, superseded ones included
    assert export.votes_are_events
    assert export.topic == summary["topic"]
    assert export.description == summary["conversation-description"]
    assert {c.comment_id: c.body for c in export.comments} == {
        int(row["comment-id"]): row["comment-body"].strip() for row in comment_rows
    }
    # Checked: in both conversations every voter in votes.csv is counted in summary's `voters`.
    assert len({v.voter_id for v in export.votes}) == int(summary["voters"])


def test_polis_comments_agrees_and_disagrees_count_every_vote_event(conversation):
    export = read_polis_export(conversation)
    for row in csv_rows(conversation / "comments.csv"):
        events = [v.vote for v in export.votes if v.comment_id == int(row["comment-id"])]
        assert (events.count(1), events.count(-1)) == (int(row["agrees"]), int(row["disagrees"]))


def test_latest_votes_agree_with_polis_participants_votes_matrix(conversation):
    """The real-data oracle: our latest vote per (voter, comment), derived from the
    votes.csv event log, against the matrix Polis itself wrote.

    Result on both conversations: no discrepancy, cell for cell, including the
    n-votes, n-agree and n-disagree columns. Polis's event log is in time order
    for every (voter, comment) pair, and no two events of a pair share a
    timestamp, so ordering by time then by file row gives the same answer.
    """
    export = read_polis_export(conversation)
    latest = latest_votes(export.votes)
    matrix = csv_rows(conversation / "participants-votes.csv")
    comment_columns = [name for name in matrix[0] if name.isdigit()]
    assert {int(row["participant"]) for row in matrix} == {voter for voter, _ in latest}
    for row in matrix:
        voter = int(row["participant"])
        for column in comment_columns:
            expected = int(row[column]) if row[column] else None
            assert latest.get((voter, int(column))) == expected, (voter, column)
        mine = [vote for (v, _c), vote in latest.items() if v == voter]
        assert (len(mine), mine.count(1), mine.count(-1)) == (
            int(row["n-votes"]),
            int(row["n-agree"]),
            int(row["n-disagree"]),
        )
    # The oracle has teeth: some participants changed their vote, and only the
    # latest vote matches Polis. (1 pair in brexit-consensus, 7 in 15-per-hour-seattle.)
    first: dict[tuple[int, int], int] = {}
    for vote in sorted(export.votes, key=lambda v: v.created_at):
        first.setdefault((vote.voter_id, vote.comment_id), vote.vote)
    assert sum(first[key] != latest[key] for key in latest) >= 1


def test_polis_round_trip_gives_identical_comments_and_votes(conversation, tmp_path):
    export = read_polis_export(conversation)
    write_polis_export(tmp_path, export)
    again = read_polis_export(tmp_path)
    assert again == export
    # And the files Polis tools read say what Polis said.
    original = {row["comment-id"]: row for row in csv_rows(conversation / "comments.csv")}
    for row in csv_rows(tmp_path / "comments.csv"):
        expected = original[row["comment-id"]]
        assert (row["agrees"], row["disagrees"], row["moderated"], row["timestamp"]) == (
            expected["agrees"],
            expected["disagrees"],
            expected["moderated"],
            expected["timestamp"],
        )
    ours = {row["participant"]: row for row in csv_rows(tmp_path / "participants-votes.csv")}
    for row in csv_rows(conversation / "participants-votes.csv"):
        row["group-id"] = ""  # opinion groups are not exported
        assert ours[row["participant"]] == row
    summary = summary_of(tmp_path)
    for key in ("topic", "voters", "commenters", "comments", "conversation-description"):
        assert summary[key] == summary_of(conversation)[key]


def test_polis_read_from_participants_votes_only(conversation, tmp_path):
    for name in ("comments.csv", "participants-votes.csv"):
        shutil.copy(conversation / name, tmp_path / name)
    only_latest = read_polis_export(tmp_path)
    assert not only_latest.votes_are_events
    assert all(vote.created_at is None for vote in only_latest.votes)
    assert only_latest.topic == ""  # no summary.csv: nothing invented
    full = read_polis_export(conversation)
    assert only_latest.comments == full.comments
    assert latest_votes(only_latest.votes) == latest_votes(full.votes)
    # Written again, it stays an export of latest votes: no event log is invented.
    write_polis_export(tmp_path / "again", only_latest)
    assert not (tmp_path / "again" / "votes.csv").exists()
    again = read_polis_export(tmp_path / "again")
    assert not again.votes_are_events
    assert latest_votes(again.votes) == latest_votes(full.votes)


# Polis: small made-up exports


def test_polis_times_are_utc_and_the_datetime_column_reads_like_polis(tmp_path):
    moment = datetime(2017, 7, 17, 9, 10, 15, 559000, tzinfo=UTC)
    export = PolisExport(
        comments=(PolisComment(0, 7, "Un avis, sur\ndeux lignes", 1, moment),),
        votes=(PolisVote(3, 0, 1, moment), PolisVote(3, 0, -1, None)),
        topic="Notre usage de l'IA",
        description="Consultation des sociétaires",
    )
    write_polis_export(tmp_path, export)
    (row,) = csv_rows(tmp_path / "comments.csv")
    assert row["timestamp"] == "1500282615559"
    assert row["datetime"] == "Mon Jul 17 09:10:15 UTC 2017"
    assert (row["agrees"], row["disagrees"]) == ("1", "1")
    assert read_polis_export(tmp_path) == export
    # a vote without time is the oldest: the timed one wins
    assert latest_votes(export.votes) == {(3, 0): 1}


def test_latest_votes_breaks_time_ties_by_file_order():
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    votes = [PolisVote(1, 5, 1, moment), PolisVote(1, 5, -1, moment), PolisVote(2, 5, 0, None)]
    assert latest_votes(votes) == {(1, 5): -1, (2, 5): 0}


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


COMMENTS_CSV = (
    "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
    '1500000000000,x,0,1,0,0,1,"Sur\ntrois\nlignes"\n'
    "1500000000001,x,1,1,0,0,-1,Refusé\n"
)


def test_polis_bad_votes_are_reported_with_file_and_line(tmp_path):
    folder = write_files(
        tmp_path,
        {
            "comments.csv": COMMENTS_CSV,
            "votes.csv": "timestamp,datetime,comment-id,voter-id,vote\n"
            "1500000000000,x,0,5,1\n"
            "1500000000000,x,0,6,2\n"
            "1500000000000,x,9,6,1\n"
            "1500000000000,x,1,sept,1\n",
        },
    )
    with pytest.raises(FormatError) as error:
        read_polis_export(folder)
    found = [(p.params["file"], p.params["line"]) for p in error.value.problems]
    assert found == [("votes.csv", 3), ("votes.csv", 4), ("votes.csv", 5)]


def test_polis_missing_files_and_columns_are_named(tmp_path):
    with pytest.raises(FormatError) as error:
        read_polis_export(tmp_path)
    assert "comments.csv" in problems(error)[0][0]
    write_files(tmp_path, {"comments.csv": COMMENTS_CSV})
    with pytest.raises(FormatError) as error:
        read_polis_export(tmp_path)
    assert "votes.csv" in problems(error)[0][0]
    write_files(tmp_path, {"votes.csv": "timestamp,comment-id,vote\n1,0,1\n"})
    with pytest.raises(FormatError) as error:
        read_polis_export(tmp_path)
    assert problems(error)[0][1] == {"file": "votes.csv"}
    assert problems(error)[1][1] == {"line": 1, "columns": "« datetime », « voter-id »"}


def test_polis_participants_votes_with_an_unknown_comment_is_refused(tmp_path):
    write_files(
        tmp_path,
        {
            "comments.csv": COMMENTS_CSV,
            "participants-votes.csv": "participant,group-id,n-comments,n-votes,n-agree,n-disagree,"
            "0,1,2\n5,,0,1,1,0,1,,\n",
        },
    )
    with pytest.raises(FormatError) as error:
        read_polis_export(tmp_path)
    assert problems(error)[0][1] == {"file": "participants-votes.csv", "column": "2"}


# Decidim


DECIDIM_COLUMNS = (
    "id;created_at;body;locale;author/id;author/name;alignment;depth;"
    "user_group/id;user_group/name;commentable_id;commentable_type;"
    "root_commentable_url"
)


def test_decidim_csv_export_recent_format():
    data = (
        DECIDIM_COLUMNS + "\n"
        '12;2024-03-01 10:21:33 UTC;"Pour, à condition\nd\'en parler";fr;7;Ana;1;0;;;'
        "3;Decidim::Proposals::Proposal;https://decidim.example/processes/ia/f/2/proposals/3\n"
        "13;2024-03-01 11:00:00 +0100;'=1+1;fr;8;'@lice;-1;1;;;3;Decidim::Proposals::Proposal;"
        "https://decidim.example/processes/ia/f/2/proposals/3\n"
    ).encode()
    first, second = read_decidim_comments(data, "comments.csv")
    assert first.comment_id == "12" and first.author_id == "7" and first.author_name == "Ana"
    assert first.body == "Pour, à condition\nd'en parler"
    assert (first.alignment, first.depth, first.locale) == (1, 0, "fr")
    assert first.created_at == datetime(2024, 3, 1, 10, 21, 33, tzinfo=UTC)
    # Decidim's CSV puts "'" before = + - @ to disarm formulas; the text is what was written.
    assert (second.body, second.author_name) == ("=1+1", "@lice")
    assert (second.alignment, second.depth) == (-1, 1)
    assert second.created_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_decidim_csv_older_format_prefers_the_locale_and_never_machine_translations():
    data = (
        "id,created_at,body/en,body/fr,body/machine_translations/fr,author/id,author/name,"
        "alignment,depth\n"
        "1,2020-05-04 08:00:00 UTC,,Bonjour,,4,Léa,0,0\n"
        "2,2020-05-04 09:00:00 UTC,Hello,,Bonjour (traduit),5,Sam,1,0\n"
    ).encode()
    first, second = read_decidim_comments(data, "comments.csv", preferred_locale="fr")
    assert (first.body, first.locale) == ("Bonjour", "fr")
    assert (second.body, second.locale) == ("Hello", "en")


def test_decidim_json_export_with_nested_fields():
    items = [
        {
            "id": 21,
            "created_at": "2024-03-01T11:21:33.123+01:00",
            "body": {"fr": "Oui, mais =pas sans garde-fous", "machine_translations": {"en": "Yes"}},
            "author": {"id": 7, "name": "Ana"},
            "alignment": 1,
            "depth": 0,
            "user_group": {"id": None, "name": {"fr": "", "en": ""}},
            "commentable_id": 3,
            "commentable_type": "Decidim::Proposals::Proposal",
            "root_commentable_url": "https://decidim.example/proposals/3",
        },
        {
            "id": 22,
            "created_at": "2024-03-02T08:00:00.000Z",
            "body": "Contre",
            "locale": "fr",
            "author": {"id": None, "name": None},  # a deleted account
            "alignment": -1,
            "depth": 1,
            "commentable_id": 21,
            "commentable_type": "Decidim::Comments::Comment",
            "root_commentable_url": "https://decidim.example/proposals/3",
        },
    ]
    first, second = read_decidim_comments(json.dumps(items, indent=2).encode(), "export.json")
    assert (first.comment_id, first.body, first.locale) == (
        "21",
        "Oui, mais =pas sans garde-fous",
        "fr",
    )
    assert first.created_at == datetime(2024, 3, 1, 10, 21, 33, 123000, tzinfo=UTC)
    assert (second.author_id, second.author_name, second.body) == ("", "", "Contre")
    assert (second.alignment, second.depth) == (-1, 1)


def test_decidim_xlsx_saved_from_the_export(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["id", "created_at", "body", "locale", "author/id", "author/name", "alignment", "depth"]
    )
    sheet.append([5, datetime(2024, 3, 1, 10, 0), "Texte", "fr", 9, "Zoé", 0, 0])
    workbook.save(tmp_path / "comments.xlsx")
    (comment,) = read_decidim_comments((tmp_path / "comments.xlsx").read_bytes(), "c.xlsx")
    assert (comment.comment_id, comment.author_id, comment.body) == ("5", "9", "Texte")
    assert comment.created_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)


def test_decidim_errors_say_what_and_where():
    with pytest.raises(FormatError) as error:
        read_decidim_comments(b"texte;college\nbonjour;A\n", "contributions.csv")
    assert "Decidim" in problems(error)[0][0]
    bad = DECIDIM_COLUMNS + "\n" + "31;demain;Oui;fr;1;A;2;0;;;;;\n" + "32;;;fr;1;A;1;0;;;;;\n"
    with pytest.raises(FormatError) as error:
        read_decidim_comments(bad.encode(), "comments.csv")
    assert [p.params.get("id") for p in error.value.problems] == ["31", "31", "32"]
    with pytest.raises(FormatError):
        read_decidim_comments(b'[{"id": 1,', "export.json")
    with pytest.raises(FormatError) as error:
        read_decidim_comments(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "export.xls")
    assert ".xls" in problems(error)[0][0]


def test_looks_like_decidim():
    assert looks_like_decidim(DECIDIM_COLUMNS.split(";"))
    assert looks_like_decidim(["id", "created_at", "body/fr", "author/name", "alignment", "depth"])
    assert not looks_like_decidim(["texte", "college"])
    assert not looks_like_decidim(["id", "created_at", "body", "alignment", "depth"])


# CSV for Excel


def test_csv_for_excel_has_bom_semicolons_crlf_and_minimal_quotes():
    data = to_csv_bytes(["texte", "vote"], [["L'été; enfin", 1], ['Il dit "non"\npuis part', -1]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == (
        'texte;vote\r\n"L\'été; enfin";1\r\n"Il dit ""non""\npuis part";-1\r\n'
    )


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("https://evil.example","x")', '\'=HYPERLINK("https://evil.example","x")'),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("-1", "-1"),  # a plain number is not a formula
        ("+2,5", "+2,5"),
        ("Texte = sûr", "Texte = sûr"),
    ],
)
def test_csv_for_excel_neutralises_formulas(cell, written):
    table = read_table(to_csv_bytes(["texte"], [[cell]]), "export.csv")
    assert table.rows[0]["texte"] == written.strip()


def test_csv_for_excel_reads_back_and_accepts_dicts():
    rows = [{"texte": "Oui", "date": date(2024, 3, 1)}, {"texte": "Non", "vote": -1}]
    table = read_table(to_csv_bytes(["texte", "vote", "date"], rows), "export.csv")
    assert (table.encoding, table.separator) == ("utf-8-sig", ";")
    assert table.rows == (
        {"texte": "Oui", "vote": "", "date": "2024-03-01"},
        {"texte": "Non", "vote": "-1", "date": ""},
    )
    with pytest.raises(ValueError):
        to_csv_bytes(["texte"], [{"text": "faute de frappe"}])
    with pytest.raises(ValueError):
        to_csv_bytes(["texte", "vote"], [["seul"]])
