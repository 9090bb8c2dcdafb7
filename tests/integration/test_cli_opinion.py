"""`palabre nlp opinion FOLDER`: opinion groups of a Polis export, as text or JSON."""

import json
import shutil

import pytest

from consult.cli import cli
from tests.helpers import shared_data

pytestmark = pytest.mark.slow  # Polis conversations replayed update by update


def run(app, *args):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args])


def test_text_output_shows_the_groups_and_what_they_say(app):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    result = run(app, "nlp", "opinion", folder)
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.startswith("Can there be consensus on Brexit?")
    assert "204 participants · 50 commentaires / comments" in output
    # Polis's updates are replayed from votes.csv's times: 2 groups, as Polis found.
    assert "2 groupes d'opinion / opinion groups: A (" in output
    assert " mise(s) à jour / update(s)" in output
    assert "· 1 mise(s) à jour" not in output
    for heading in ("Ce que la majorité approuve", "Ce que la majorité rejette",
                    "Consensus entre groupes", "Ce qui divise", "Groupe / group A :",
                    "Groupe / group B :"):
        assert heading in output, heading
    # Statements are quoted with their comment's text and the group's share.
    assert "#14 « The Northern Ireland/Republic of Ireland border" in output
    assert "d'accord / agree" in output


def test_one_update_clusters_once_from_all_the_votes(app):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    result = run(app, "nlp", "opinion", folder, "--one-update")
    assert result.exit_code == 0, result.output
    assert "· 1 mise(s) à jour / update(s)" in result.output
    assert "3 groupes d'opinion / opinion groups: A (" in result.output


def test_json_lists_each_clustered_participant_with_its_group(app):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    result = run(app, "nlp", "opinion", folder, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["topic"] == "Can there be consensus on Brexit?"
    assert document["message"] is None
    participants = document["participants"]
    assert len(participants) == document["clustered_count"] > 0
    assert all(set(row) == {"participant_id", "group"} for row in participants)
    assert len({row["participant_id"] for row in participants}) == len(participants)
    sizes = {group["group"]: group["size"] for group in document["groups"]}
    assert {row["group"] for row in participants} == set(sizes)
    for name, size in sizes.items():
        assert sum(row["group"] == name for row in participants) == size
    assert all(group["representative"] for group in document["groups"])
    assert document["majority"]["agree"] and document["group_informed_consensus"]


def test_a_folder_without_comments_is_a_clear_error(app, tmp_path):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    shutil.copy(folder / "votes.csv", tmp_path / "votes.csv")
    result = run(app, "nlp", "opinion", tmp_path)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert "Traceback" not in result.output
    assert "Le dossier ne contient pas comments.csv" in result.output


def test_the_current_polis_layout_is_read_by_the_opinion_command_and_the_import(app, tmp_path):
    from sqlmodel import select

    from consult.db import get_session
    from consult.models import Contribution
    from tests.helpers import polis_current_layout

    folder = polis_current_layout(shared_data("polis", "opendata", "brexit-consensus"),
                                  tmp_path / "current")
    result = app.test_cli_runner().invoke(cli, ["nlp", "opinion", str(folder), "--one-update"])
    assert result.exit_code == 0, result.output
    assert "groupes d'opinion" in result.output
    imported = app.test_cli_runner().invoke(cli, ["consultation", "import", str(folder)])
    assert imported.exit_code == 0, imported.output
    with app.app_context():
        assert len(get_session().exec(select(Contribution)).all()) == 50
