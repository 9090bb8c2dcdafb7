"""Import and export from the facilitators' pages."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlmodel import func, select

from consult.db import get_session
from consult.models import Contribution, Vote
from tests.helpers import as_person, csrf_from, read, shared_data


def count(app, model):
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model)).one()


def upload(browser, files, **fields):
    token = csrf_from(read(browser.client.get("/facilitate/import")))
    data = {"csrf_token": token, "files": files, **fields}
    return browser.client.post("/facilitate/import", data=data, content_type="multipart/form-data")


@pytest.mark.slow
def imported(anim, csv: bytes, name: str = "a.csv", title: str = "Atelier") -> int:
    """Upload a file, confirm its preview, and return the consultation it went into."""
    response = upload(anim, [(io.BytesIO(csv), name)], title=title)
    page = read(anim.client.get(response.headers["Location"]))
    done = anim.client.post(response.headers["Location"], data={"csrf_token": csrf_from(page)})
    return int(re.search(r"/consultations/(\d+)", done.headers["Location"]).group(1))


@pytest.mark.slow
def test_upload_preview_then_import(app, people):
    college = people.college("Salariés", 100)
    people.add("anim@coop.example", roles=("facilitator",), college_id=college.id)
    anim = as_person(app, "anim@coop.example")
    csv = "Commentaire;Avis;Collège\nTrès bien;pour;Salariés\nBof;contre;Salariés\n".encode(
        "cp1252"
    )
    response = upload(anim, [(io.BytesIO(csv), "atelier.csv")], title="Atelier du 3 mars")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = read(anim.client.get(preview_url))
    assert "Prêt : 2 contributions" in page, page[page.find("<main") :]
    assert "cp1252" in page and "Très bien" in page
    assert count(app, Contribution) == 0  # the preview changes nothing
    response = anim.client.post(
        preview_url,
        data={
            "csrf_token": csrf_from(page),
            "text": "Commentaire",
            "stance": "Avis",
            "college": "Collège",
        },
    )
    assert response.status_code == 302
    assert count(app, Contribution) == 2
    assert "Très bien" in read(anim.client.get(response.headers["Location"]))


def test_preview_lists_row_errors_and_import_is_refused(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    csv = b"texte;position\nBon;pour\n;pour\nAutre;peut-etre\n"
    response = upload(anim, [(io.BytesIO(csv), "x.csv")], title="Erreurs")
    page = read(anim.client.get(response.headers["Location"]))
    assert "Ligne 3" in page and "Ligne 4" in page
    assert 'type="submit" class="button">Importer' not in page
    response = anim.client.post(response.headers["Location"], data={"csrf_token": csrf_from(page)})
    assert count(app, Contribution) == 0


@pytest.mark.slow
def test_polis_files_uploaded_together(app, people):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    files = [
        (io.BytesIO((folder / name).read_bytes()), name) for name in ("comments.csv", "votes.csv")
    ]
    response = upload(anim, files, title="Brexit")
    page = read(anim.client.get(response.headers["Location"]))
    assert "Prêt : 50 contributions, 5312 votes" in page
    anim.client.post(response.headers["Location"], data={"csrf_token": csrf_from(page)})
    assert (count(app, Contribution), count(app, Vote)) == (50, 5312)


def test_wrong_file_type_is_refused(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    response = upload(anim, [(io.BytesIO(b"%PDF-1.7"), "rapport.pdf")], title="PDF")
    assert response.status_code == 422 and "Formats acceptés" in read(response)


def test_upload_over_the_size_limit_is_refused(make_app, people):
    app = make_app(PALABRE_MAX_UPLOAD_MB=1)
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    token = csrf_from(read(anim.client.get("/facilitate/import")))
    boundary = "limite"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="gros.csv"'
        f"\r\nContent-Type: text/csv\r\n\r\ntexte\n"
    ).encode() + b"x" * (1024 * 1024 + 10)
    body += f"\r\n--{boundary}--\r\n".encode()
    # A raw body: the test client keeps it in memory (a large multipart dict would spill
    # into a temporary file that the refused request never reads nor closes).
    response = anim.client.post(
        "/facilitate/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 413
    assert "Fichier trop volumineux" in read(response)


def test_someone_elses_upload_cannot_be_used(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    people.add("other@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    response = upload(anim, [(io.BytesIO(b"texte\nun\n"), "a.csv")], title="A")
    other = as_person(app, "other@coop.example")
    assert other.client.get(response.headers["Location"]).status_code == 403


@pytest.mark.slow
def test_export_downloads(app, people, tmp_path):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    files = [(io.BytesIO((folder / n).read_bytes()), n) for n in ("comments.csv", "votes.csv")]
    preview = upload(anim, files, title="Brexit").headers["Location"]
    page = read(anim.client.get(preview))
    done = anim.client.post(preview, data={"csrf_token": csrf_from(page)}).headers["Location"]
    cid = int(re.search(r"/consultations/(\d+)", done).group(1))
    export_page = f"/facilitate/consultations/{cid}/export"
    token = csrf_from(read(anim.client.get(export_page)))
    response = anim.client.post(
        export_page, data={"csrf_token": token, "format": "contributions.csv"}
    )
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").count("\r\n") >= 51
    response = anim.client.post(export_page, data={"csrf_token": token, "format": "polis"})
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(n.endswith("/participants-votes.csv") for n in names)
    response = anim.client.post(export_page, data={"csrf_token": token, "format": "json"})
    assert response.get_json()["consultation"]["redacted"] is True


def test_import_and_export_pages_are_for_facilitators(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    for path in (
        "/facilitate/import",
        "/facilitate/import/anything",
        "/facilitate/consultations/1/export",
    ):
        assert ana.client.get(path).status_code == 403, path


@pytest.mark.slow
def test_uploaded_files_are_deleted_when_cancelled_imported_or_a_day_old(app, people):
    import os
    import time

    from consult import jobs

    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    folders = Path(app.instance_path) / "imports"

    def staged():
        response = upload(anim, [(io.BytesIO(b"texte\nBonjour tout le monde\n"), "a.csv")],
                          title="Atelier")
        return response.headers["Location"], folders / response.headers["Location"].split("/")[-1]

    preview, folder = staged()
    assert folder.is_dir()
    page = read(anim.client.get(preview))
    response = anim.client.post(preview + "/cancel", data={"csrf_token": csrf_from(page)},
                                follow_redirects=True)
    assert "Import annulé" in read(response) and not folder.exists()
    assert count(app, Contribution) == 0

    preview, folder = staged()
    page = read(anim.client.get(preview))
    anim.client.post(preview, data={"csrf_token": csrf_from(page)})
    assert count(app, Contribution) == 1 and not folder.exists()

    preview, folder = staged()
    day_old = time.time() - 25 * 3600
    os.utime(folder, (day_old, day_old))
    assert jobs.forget_old_uploads.call_local() == 1 and not folder.exists()
    assert anim.client.get(preview).status_code == 404


def test_a_preview_reads_the_uploaded_workbook_once(app, people, tmp_path):
    """Each change of column mapping shows the preview again: the workbook is not parsed again."""
    import openpyxl

    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Commentaire", "Note"])
    workbook.active.append(["Gardons nos données chez nous", "pour"])
    workbook.save(tmp_path / "atelier.xlsx")
    response = upload(anim, [(io.BytesIO((tmp_path / "atelier.xlsx").read_bytes()),
                              "atelier.xlsx")], title="Atelier")
    preview = response.headers["Location"]
    assert "Prêt : 1 contributions" in read(anim.client.get(preview))
    folder = Path(app.instance_path) / "imports" / preview.split("/")[-1]
    (folder / "files" / "atelier.xlsx").write_bytes(b"PK\x03\x04 no longer a workbook")
    page = read(anim.client.get(preview + "?text=Commentaire"))
    assert "Prêt : 1 contributions" in page and "Gardons nos données" in page


@pytest.mark.slow
def test_imported_dates_are_the_cooperatives_and_a_date_alone_shows_as_a_date(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    csv = (b"texte;date\nUne date seule;01/03/2024\nUne date et une heure;01/03/2024 14:30\n"
           b"En UTC;2024-03-01T14:30:00+00:00\n")
    cid = imported(anim, csv, "dates.csv", "Dates")
    dashboard = read(anim.client.get(f"/facilitate/consultations/{cid}"))
    assert "01/03/2024 01:00" not in dashboard  # midnight in Paris, not UTC midnight
    assert re.search(r"01/03/2024\s*(</|<|·|\n)", dashboard)  # the date alone, as a date
    assert "01/03/2024 14:30" in dashboard  # as typed, in the cooperative's time
    assert "01/03/2024 15:30" in dashboard  # 14:30 UTC is 15:30 in Paris


def test_the_last_sign_in_shows_in_the_cooperatives_time(app, people):
    member = people.add("ana@coop.example")
    people.add("admin@coop.example", roles=("admin",))
    as_person(app, "ana@coop.example")
    admin = as_person(app, "admin@coop.example")
    page = read(admin.client.get(f"/admin/members/{member.id}"))
    assert re.search(r"<dd>\d{2}/\d{2}/\d{4} \d{2}:\d{2}</dd>", page)
    assert "+00:00" not in page


def test_a_rows_problem_reads_wholly_in_english_on_the_english_page(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    response = upload(anim, [(io.BytesIO(b"texte;position\nBon;pour\n;pour\n"), "x.csv")],
                      title="Erreurs")
    anim.client.get("/language/en?next=/")
    page = read(anim.client.get(response.headers["Location"]))
    assert "Line 3: Your contribution is empty" in page
    assert "Votre contribution est vide" not in page and "Ligne 3" not in page


def test_a_command_error_is_one_line_with_exit_status_2(app, tmp_path):
    from consult.cli import cli

    result = app.test_cli_runner().invoke(cli, ["consultation", "export", "999", "--out",
                                                str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output.strip().count("\n") == 0
    assert "Cette consultation n'existe pas." in result.output


@pytest.mark.slow
def test_imported_authors_show_as_numbered_participants_never_as_a_hash(app, people):
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    csv = "texte;auteur\nPremier avis;Gisèle\nDeuxième avis;Bo\nTroisième;Gisèle\n".encode()
    cid = imported(anim, csv)
    dashboard = read(anim.client.get(f"/facilitate/consultations/{cid}"))
    assert dashboard.count("Participant importé n° 1") == 2
    assert dashboard.count("Participant importé n° 2") == 1
    assert not re.search(r"i[0-9a-f]{32}", dashboard)


@pytest.mark.slow
def test_csv_exports_speak_the_readers_language_and_the_cooperatives_time(app, people):
    people.college("Salariés", 100)
    people.add("anim@coop.example", roles=("facilitator",))
    anim = as_person(app, "anim@coop.example")
    csv = "texte;position;collège;date\nGardons la main;pour;Salariés;01/03/2024 14:30\n".encode()
    cid = imported(anim, csv)
    export_page = f"/facilitate/consultations/{cid}/export"

    def exported() -> list[list[str]]:
        token = csrf_from(read(anim.client.get(export_page)))
        data = anim.client.post(export_page, data={"csrf_token": token,
                                                   "format": "contributions.csv"}).data
        return [line.split(";") for line in data.decode("utf-8-sig").strip().split("\r\n")]

    header, row = exported()
    assert header[:4] == ["n°", "date de création", "date de modification", "collège"]
    assert "texte" in header and "position" in header and "masquée" in header
    values = dict(zip(header, row, strict=True))
    assert values["position"] == "pour" and values["retirée"] == "non"
    assert values["date de création"] == "01/03/2024 14:30"  # Paris time, to the minute
    anim.client.get("/language/en?next=/")
    header, row = exported()
    values = dict(zip(header, row, strict=True))
    assert values["stance"] == "for" and values["withdrawn"] == "no"
    assert values["created at"] == "01/03/2024 14:30"
