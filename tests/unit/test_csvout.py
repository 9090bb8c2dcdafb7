"""CSV for Excel (consult/formats/csvout.py): BOM, semicolons, CRLF, formulas neutralised."""

from datetime import date

import pytest

from consult.formats.csvout import to_csv_bytes
from consult.formats.tables import read_table

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
