"""A full disk, for real: a tiny tmpfs mounted where the app writes. An import's upload that does
not fit gets a clear page and leaves no file behind; a contribution the SQLite database has no
room for is refused with a page that gives the text back, and nothing is half-stored; the site
keeps serving, and works again once there is room."""

import io
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import func, select

from consult import create_app
from consult.db import get_session
from consult.migrate import upgrade
from consult.models import Consultation, Contribution
from tests.conftest import app_config
from tests.helpers import TEST_PASSWORD, Browser, as_person, contribute, create, csrf_from, read

FULL = "Espace disque plein"
NOT_RECORDED = "n'a pas été enregistré"


@contextmanager
def tiny_disk(folder: Path, size: str):
    """`folder` replaced by a tmpfs of `size` (e.g. "256k") until the end of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("the full-disk tests mount a small tmpfs: they need root and `mount`")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(folder)], capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a small tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True, timeout=30).returncode:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=30)


def fill(folder: Path) -> Path:
    """Write zeros into `folder` until the disk refuses: the file that fills it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as file:  # unbuffered: close has nothing left to write
        try:
            while True:
                file.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def upload(browser, content: bytes):
    token = csrf_from(read(browser.client.get("/facilitate/import")))
    return browser.client.post("/facilitate/import", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "Atelier du 3 mars",
        "files": [(io.BytesIO(content), "atelier.csv")]})


def csv_of(rows: int) -> bytes:
    lines = ["Commentaire;Avis"] + [f"Remarque numéro {n} sur les trajets;pour"
                                    for n in range(rows)]
    return "\n".join(lines).encode()


def test_an_upload_that_fills_the_disk_is_refused_and_leaves_nothing(app, people):
    college = people.college("Salariés", 100)
    people.add("anim@coop.example", roles=("facilitator",), college_id=college.id)
    anim = as_person(app, "anim@coop.example")
    # About 400 KB on a disk of 256 KB; under 500 KB so that werkzeug keeps it in memory (the
    # test client leaves the temporary file of a larger body open).
    big = csv_of(10_000)
    assert 256 * 1024 < len(big) < 500 * 1024
    with tiny_disk(Path(app.instance_path) / "imports", "256k") as imports:
        response = upload(anim, big)
        page = read(response)
        assert response.status_code == 507
        assert FULL in page and NOT_RECORDED in page and "prévenez l'administration" in page
        assert list(imports.iterdir()) == []  # no file cut short, waiting to be previewed
        assert anim.client.get("/facilitate/import").status_code == 200  # still serving

        response = upload(anim, csv_of(3))  # the room freed is there again
        assert response.status_code == 302
        preview = read(anim.client.get(response.headers["Location"]))
        assert "Remarque numéro 2 sur les trajets" in preview
    with app.app_context():
        assert get_session().exec(select(func.count()).select_from(Consultation)).one() == 0


def test_a_contribution_the_database_has_no_room_for_is_refused_and_given_back(tmp_path):
    with tiny_disk(tmp_path / "disk", "32m") as disk:
        app = create_app(app_config(f"sqlite:///{disk / 'palabre.sqlite3'}",
                                    tmp_path / "instance"))
        engine = app.extensions["palabre_engine"]
        upgrade(engine)
        staff = make_members(app)
        cid, _ = create(app, {"staff": staff})
        ana = Browser(app.test_client())
        assert ana.login("ana@coop.example").status_code == 302
        assert contribute(ana, cid, "Avant que le disque soit plein.").status_code == 302

        filler = fill(disk)
        refused = None
        for number in range(60):  # the database file and its journal had some room left
            text = f"Contribution {number} écrite quand le disque est plein. " + "x" * 4000
            response = contribute(ana, cid, text, consent=False)
            if response.status_code != 302:
                refused = text, response
                break
        assert refused is not None, "the full disk never refused a contribution"
        text, response = refused
        page = read(response)
        assert response.status_code == 507, page
        assert FULL in page and NOT_RECORDED in page
        assert f">{text}</textarea>" in page  # the member's text given back to copy
        assert "Connecté·e : ana" in page  # still signed in: the database can be read
        assert ana.client.get(f"/consultations/{cid}").status_code == 200
        ana.client.get("/language/en?next=/")
        assert "Disk full" in read(contribute(ana, cid, text, consent=False))
        with app.app_context():
            stored = [c.text for c in get_session().exec(select(Contribution))]
        assert text not in stored and "Avant que le disque soit plein." in stored

        filler.unlink()
        assert contribute(ana, cid, text, consent=False).status_code == 302
        with app.app_context():
            stored = [c.text for c in get_session().exec(select(Contribution))]
        assert stored.count(text) == 1
        engine.dispose()


def make_members(app):
    from consult.services import auth, members
    from consult.services.cooperative import create_college

    with app.app_context():
        db = get_session()
        staff = create_college(db, None, name="Salariés", vote_weight=100)
        for email, roles in (("anim@coop.example", ("facilitator",)),
                             ("ana@coop.example", ("member",))):
            link = members.invite_member(db, None, email=email, display_name=email.split("@")[0],
                                         college_id=staff.id, roles=roles)
            auth.set_password_with_token(db, link.token, members.INVITATION, TEST_PASSWORD,
                                         TEST_PASSWORD)
    return staff

