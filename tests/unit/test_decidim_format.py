"""Reading Decidim comment exports (consult/formats/decidim.py): CSV, JSON and XLSX, old and
new column layouts.
"""

import json
from datetime import UTC, datetime

import openpyxl
import pytest

from consult.formats.decidim import looks_like_decidim, read_decidim_comments
from consult.formats.errors import FormatError


def problems(error: pytest.ExceptionInfo) -> list[tuple[str, dict]]:
    return [(p.message, p.params) for p in error.value.problems]


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
