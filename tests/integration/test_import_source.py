"""One entry point for imports: the web page and the CLI detect, limit and refuse alike."""

import io
import json

import pytest
from sqlmodel import func, select

from consult.cli import cli
from consult.db import get_session
from consult.models import Contribution
from consult.rules import Problem
from consult.services import imports
from tests.helpers import as_person, csrf_from, read, shared_data

BROKEN = [
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "image.csv",
                 id="binary"),
    pytest.param(b"", "vide.csv", id="empty"),
    pytest.param("texte\n".encode("utf-16"), "utf16.csv", id="utf-16"),
    pytest.param(b'texte;avis\n"une cellule jamais fermee;pour\n', "guillemet.csv",
                 id="unclosed-quote"),
]


def french(problem: Problem) -> str:
    return problem.message % problem.params if problem.params else problem.message


def preview_on_the_web(app, name: str, content: bytes) -> str:
    anim = as_person(app, "anim@coop.example")
    token = csrf_from(read(anim.client.get("/facilitate/import")))
    response = anim.client.post(
        "/facilitate/import",
        data={"csrf_token": token, "files": [(io.BytesIO(content), name)], "title": "Essai"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, read(response)
    return read(anim.client.get(response.headers["Location"]))


def count(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(Contribution)).one()


@pytest.fixture
def facilitator(people):
    people.add("anim@coop.example", roles=("facilitator",))


@pytest.mark.parametrize("content,name", BROKEN)
def test_a_broken_file_gets_the_same_problems_from_the_cli_and_the_web(
    app, facilitator, tmp_path, content, name
):
    path = tmp_path / name
    path.write_bytes(content)
    with app.app_context(), pytest.raises(imports.ImportRefused) as refused:
        imports.import_source(get_session(), None, path, target=imports.Target(title="Essai"),
                              key="test-key")
    problems = [french(p) for p in refused.value.problems]

    result = app.test_cli_runner().invoke(cli, ["consultation", "import", str(path)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    assert "Fichier refusé" in result.output
    for problem in problems:
        assert problem in result.output

    page = preview_on_the_web(app, name, content)
    for problem in problems:
        assert problem in page
    assert count(app) == 0


@pytest.mark.slow
def test_a_folder_with_one_table_imports_from_the_cli_and_two_are_refused(app, tmp_path):
    folder = tmp_path / "atelier"
    folder.mkdir()
    (folder / "atelier.csv").write_text("texte\nGardons la main sur nos données.\n", "utf-8")
    result = app.test_cli_runner().invoke(cli, ["consultation", "import", str(folder)])
    assert result.exit_code == 0, result.output
    assert count(app) == 1
    (folder / "autre.csv").write_text("texte\nUn second fichier.\n", "utf-8")
    result = app.test_cli_runner().invoke(cli, ["consultation", "import", str(folder)])
    assert result.exit_code == 2 and "un seul fichier" in result.output
    assert count(app) == 1


def test_an_unknown_extension_is_refused_by_both(app, facilitator, tmp_path):
    path = tmp_path / "rapport.pdf"
    path.write_bytes(b"%PDF-1.7")
    result = app.test_cli_runner().invoke(cli, ["consultation", "import", str(path)])
    assert result.exit_code == 2 and "Formats acceptés" in result.output
    anim = as_person(app, "anim@coop.example")
    token = csrf_from(read(anim.client.get("/facilitate/import")))
    response = anim.client.post(
        "/facilitate/import",
        data={"csrf_token": token, "files": [(io.BytesIO(b"%PDF"), "rapport.pdf")], "title": "X"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "Formats acceptés" in read(response)


def test_what_each_source_is_detected_as(tmp_path):
    polis = shared_data("polis", "opendata", "brexit-consensus")
    assert imports.detect_kind(polis) == "polis"
    table = tmp_path / "atelier.csv"
    table.write_text("Commentaire;Avis\nTrès bien;pour\n", "utf-8")
    assert imports.detect_kind(table) == "table"
    decidim_csv = tmp_path / "comments.csv"
    decidim_csv.write_text(
        "id,created_at,body/fr,author/id,alignment,depth\n1,2026-03-01,Bonne idée,7,1,0\n", "utf-8"
    )
    assert imports.detect_kind(decidim_csv) == "decidim"
    decidim_json = tmp_path / "comments.json"
    decidim_json.write_text(json.dumps([{"id": 1, "body": {"fr": "Oui"}}]), "utf-8")
    assert imports.detect_kind(decidim_json) == "decidim"
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"")
    assert imports.detect_kind(broken) == "table"  # whose reader then says what is wrong


@pytest.mark.slow
def test_imported_authors_are_referenced_with_the_installations_key(app, tmp_path):
    import hashlib

    path = tmp_path / "atelier.csv"
    path.write_text("texte;auteur\nGardons nos données.;Gisèle Cornic\n"
                    "Et formons les bénévoles.;Gisèle Cornic\nMoi aussi.;Bo Martin\n", "utf-8")
    result = app.test_cli_runner().invoke(cli, ["consultation", "import", str(path),
                                                "--title", "Atelier"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        refs = [c.participant_ref for c in get_session().exec(
            select(Contribution).order_by(Contribution.id))]
    assert refs[0] == refs[1] != refs[2]  # one author, one ref
    guessed = "i" + hashlib.sha256("Gisèle Cornic".encode()).hexdigest()[:32]
    assert guessed not in refs  # a guess at the name does not give the ref back
