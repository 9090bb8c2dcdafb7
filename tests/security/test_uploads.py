"""Hostile uploads: every form that takes a file refuses a zip bomb, a file over the size limit
and a file of the wrong type with a clear French message, stores nothing, and does so quickly
and without the memory such a file would take if it were opened.

The forms that take a file (FileField or request.files), each driven as a person does:
- the facilitators' import (/facilitate/import, then its preview): CSV, TSV, XLSX, Decidim JSON
  and Polis exports (several files in one upload);
- the ethics committee's bias test (/registre/<id>/tests/nouveau): CSV or XLSX.
Backups are restored with `palabre restore` on the server, never through the web.
"""

import io
import resource
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from consult.db import get_session
from consult.models import BiasTest, Consultation, Contribution, Vote
from tests.helpers import as_person, csrf_from, read

# A refusal takes well under a second (20,000 zip entries: 2 to 4 s under tracemalloc, which
# slows Python down); opening such a file instead would take far longer.
SECONDS = 10
PYTHON_MB = 100  # the most Python may allocate at once while refusing a file
RSS_MB = 200  # the most the process may grow


def xlsx_bomb(expanded_mb: int = 300) -> bytes:
    """A workbook whose sheet decompresses to `expanded_mb` MB (about 300 KB on the wire)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(expanded_mb):
                sheet.write(chunk)
    return buffer.getvalue()


def many_entries(count: int = 20_000) -> bytes:
    """A zip of `count` empty members: a directory to read, nothing else."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(count):
            archive.writestr(f"x/{number}.xml", b"")
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 8
GARBAGE = bytes((n * 7919 + 13) % 256 for n in range(64 * 1024))  # no text in it
UTF16 = "texte;position\nUne idée;pour\n".encode("utf-16")  # with its byte-order mark
NESTED_JSON = b"[" * 200_000 + b"]" * 200_000  # valid JSON that no parser should recurse into

# (file name, content, what the person is told): for every form that takes a file.
HOSTILE = {
    "bomb": ("classeur.xlsx", xlsx_bomb, "se décompresse en plus de"),
    "entries": ("classeur.xlsx", many_entries, "pas un classeur Excel"),
    "png": ("image.csv", lambda: PNG, "contenu binaire"),
    "garbage": ("donnees.csv", lambda: GARBAGE, "contenu binaire"),
    "utf16": ("utf16.csv", lambda: UTF16, "encodé en UTF-16"),
}
# What only the import reads.
HOSTILE_IMPORT = {
    "nested": ("commentaires.json", lambda: NESTED_JSON, "doit contenir une liste de commentaires"),
    "polis": ("comments.csv", lambda: PNG, "contenu binaire"),
}


@pytest.fixture
def uploaders(app, people):
    """A facilitator, the ethics committee and one register entry: (entry id)."""
    from consult.services import register
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email
    from tests.unit.test_entry import complete

    college = people.college("Salariés", 100)
    people.add("anim@coop.example", roles=("facilitator",), college_id=college.id)
    people.add("ethics@coop.example", roles=("ethics",), college_id=college.id)
    with app.app_context():
        db = get_session()
        return register.create_entry(db, find_by_email(db, "ethics@coop.example"), complete(),
                                     signer_for(app.config)).id


def stored(app) -> dict:
    with app.app_context():
        db = get_session()
        return {model.__name__: db.exec(select(func.count()).select_from(model)).one()
                for model in (Consultation, Contribution, Vote, BiasTest)}


class Bounded:
    """Time, Python allocations and the process's peak memory of what runs inside."""

    def __enter__(self):
        self.rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        tracemalloc.start()
        self.started = time.monotonic()
        return self

    def __exit__(self, *_exc):
        self.seconds = time.monotonic() - self.started
        self.python_mb = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        self.rss_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.rss) / 1024

    def check(self, what):
        assert self.seconds < SECONDS, (what, self.seconds)
        assert self.python_mb < PYTHON_MB, (what, self.python_mb)
        assert self.rss_mb < RSS_MB, (what, self.rss_mb)


def post_multipart(browser, path: str, fields: dict):
    """A form with a file, its body encoded in memory as a browser sends it (the test client's
    own encoding spools a large body to a temporary file it never closes)."""
    boundary, body = encode_multipart(fields)
    return browser.client.post(path, data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")


def import_page(browser, name: str, data: bytes) -> tuple[int, str]:
    """Upload a file to the import and open its preview, as the facilitator does."""
    token = csrf_from(read(browser.client.get("/facilitate/import")))
    response = post_multipart(browser, "/facilitate/import", {
        "csrf_token": token, "title": "Import hostile",
        "files": FileStorage(io.BytesIO(data), name)})
    if response.status_code != 302:
        return response.status_code, read(response)
    preview = browser.client.get(response.headers["Location"], follow_redirects=True)
    page = read(preview)
    if "Importer" in page and "csrf_token" in page:  # the person confirms whatever it offers
        browser.client.post(response.headers["Location"], data={"csrf_token": csrf_from(page)})
    return preview.status_code, page


def bias_test_page(browser, entry_id: int, name: str, data: bytes) -> tuple[int, str]:
    page = f"/registre/{entry_id}/tests/nouveau"
    token = csrf_from(read(browser.client.get(page)))
    response = post_multipart(browser, page, {
        "csrf_token": token, "file": FileStorage(io.BytesIO(data), name), "label": "réel",
        "prediction": "prédit", "sensitive": "collège", "n_boot": "50", "seed": "0"})
    return response.status_code, read(response)


@pytest.mark.parametrize("kind", sorted(HOSTILE) + sorted(HOSTILE_IMPORT))
def test_the_import_refuses_a_hostile_file_quickly_and_imports_nothing(app, uploaders, kind):
    name, content, message = {**HOSTILE, **HOSTILE_IMPORT}[kind]
    data = content()
    facilitator = as_person(app, "anim@coop.example")
    before = stored(app)
    with Bounded() as bounds:
        status, page = import_page(facilitator, name, data)
    assert status == 200, (kind, status)
    assert message in page, (kind, page[page.find("<main"):][:2000])
    assert stored(app) == before
    bounds.check(kind)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_the_bias_test_upload_refuses_a_hostile_file_quickly_and_records_nothing(
        app, uploaders, kind):
    name, content, message = HOSTILE[kind]
    data = content()
    committee = as_person(app, "ethics@coop.example")
    before = stored(app)
    with Bounded() as bounds:
        status, page = bias_test_page(committee, uploaders, name, data)
    assert status == 422, (kind, status)
    assert message in page, (kind, page[page.find("<main"):][:2000])
    assert stored(app) == before
    bounds.check(kind)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(app, uploaders):
    limit_mb = app.config["PALABRE_MAX_UPLOAD_MB"]
    assert app.config["MAX_CONTENT_LENGTH"] == limit_mb * 1024 * 1024
    line = b"Une phrase assez longue pour remplir le fichier.\n"
    big = b"texte\n" + line * (limit_mb * 1024 * 1024 // len(line) + 1000)
    facilitator = as_person(app, "anim@coop.example")
    before = stored(app)
    with Bounded() as bounds:
        status, page = import_page(facilitator, "gros.csv", big)
    assert status == 413
    assert "Fichier trop volumineux" in page and f"{limit_mb} Mo" in page
    assert "Rien n'a été enregistré" in page
    assert stored(app) == before
    assert not any((Path(app.instance_path) / "imports").glob("*/files/*"))
    bounds.check("size")
