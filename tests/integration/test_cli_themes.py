"""Theme analysis from the command line: on a file (no database) and on a consultation."""

import csv
import json
from pathlib import Path

import pytest
from sqlmodel import select

from consult.cli import cli
from consult.db import get_session
from consult.models import AnalysisRun, AuditEvent
from tests.helpers import shared_data

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "verbatims_fr.csv"


def run(app, *args):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args])


def fixture_rows():
    with open(FIXTURE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


@pytest.mark.slow
def test_themes_of_a_csv_file_one_output_row_per_input_row(app, tmp_path):
    out = tmp_path / "result.csv"
    result = run(app, "nlp", "themes", FIXTURE, "--text-column", "body", "--out", out)
    assert result.exit_code == 0, result.output
    assert "thèmes" in result.output and "mots-clés" in result.output
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    source = fixture_rows()
    assert len(rows) == len(source)
    assert [r["body"] for r in rows] == [s["body"] for s in source]  # input order kept
    assert all(int(r["theme_id"]) >= -1 for r in rows)
    labelled = [r for r in rows if r["theme_id"] != "-1"]
    assert labelled and all(r["theme_label"] for r in labelled)
    assert len({r["theme_id"] for r in labelled}) >= 2


@pytest.mark.slow
def test_json_output_holds_themes_and_assignments(app, tmp_path):
    out = tmp_path / "result.json"
    result = run(app, "nlp", "themes", FIXTURE, "--text-column", "body", "--themes", "3",
                 "--out", out)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert len(document["assignments"]) == len(fixture_rows())
    assert 1 <= len(document["themes"]) <= 3
    assert document["input_sha256"] and document["versions"]


@pytest.mark.slow
def test_same_input_and_seed_give_the_same_csv(app, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for out in (first, second):
        assert run(app, "nlp", "themes", FIXTURE, "--text-column", "body", "--seed", "7",
                   "--out", out).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_missing_column_is_a_clear_error(app):
    result = run(app, "nlp", "themes", FIXTURE, "--text-column", "texte")
    assert result.exit_code == 2
    assert "texte" in result.output and "body" in result.output  # says which columns exist


@pytest.mark.slow
def test_sib200_test_set_from_the_command_line(app):
    path = shared_data("sib200-fra", "test.tsv")
    result = run(app, "nlp", "themes", path, "--text-column", "text")
    assert result.exit_code == 0, result.output
    assert result.output.count("mots-clés") >= 3


@pytest.mark.slow
def test_analysis_of_a_consultation_is_stored(app, people, tmp_path):
    for name in ("Salariés", "Bénévoles", "Bénéficiaires", "Collectivités", "Partenaires"):
        people.college(name, 20)
    imported = run(app, "consultation", "import", FIXTURE, "--title", "Atelier",
                   "--text-column", "body")
    assert imported.exit_code == 0, imported.output
    result = run(app, "nlp", "themes", "--consultation", "1", "--out", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    with app.app_context():
        db = get_session()
        stored = db.exec(select(AnalysisRun)).one()
        assert stored.status == "done" and stored.mode == "quality"  # auto, 150 verbatims
        assert len(json.loads(stored.contribution_ids)) == len(fixture_rows())
        assert json.loads(stored.versions) and len(stored.input_sha256) == 64
        assert stored.seconds > 0
        event = db.exec(select(AuditEvent).where(
            AuditEvent.event_type == "AnalysisRecorded")).one()
        assert json.loads(event.canonical)["data"]["input_sha256"] == stored.input_sha256
    assert json.loads((tmp_path / "r.json").read_text())["themes"]


def test_file_or_consultation_but_not_both_nor_neither(app):
    assert run(app, "nlp", "themes").exit_code == 2
    assert run(app, "nlp", "themes", FIXTURE, "--consultation", "1").exit_code == 2
