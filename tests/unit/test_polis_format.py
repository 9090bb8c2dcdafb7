"""Reading and writing Polis exports (consult/formats/polis.py), checked against two real
public conversations from ../shared/data and small exports made up to break the reader.
"""

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consult.formats.errors import FormatError
from consult.formats.polis import (
    PolisComment,
    PolisExport,
    PolisVote,
    latest_votes,
    read_polis_export,
    write_polis_export,
)
from tests.helpers import polis_current_layout as current_layout

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # /work/shared/data
POLIS_DATA = SHARED_DATA / "polis" / "opendata"
CONVERSATIONS = ["brexit-consensus", "15-per-hour-seattle"]


def problems(error: pytest.ExceptionInfo) -> list[tuple[str, dict]]:
    return [(p.message, p.params) for p in error.value.problems]


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
    assert problems(error)[1][1] == {"line": 1, "columns": "« voter-id »"}  # datetime: optional


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


def test_the_current_polis_layout_reads_as_the_old_one(conversation, tmp_path):
    old = read_polis_export(conversation)
    without_votes_log = tmp_path / "old"
    without_votes_log.mkdir()
    for name in ("comments.csv", "participants-votes.csv"):
        shutil.copy(conversation / name, without_votes_log / name)
    expected = read_polis_export(without_votes_log)
    current = read_polis_export(current_layout(conversation, tmp_path / "current"))
    assert [(c.comment_id, c.author_id, c.body, c.moderated, c.created_at)
            for c in current.comments] == [
        (c.comment_id, c.author_id, c.body, c.moderated, c.created_at) for c in old.comments]
    assert latest_votes(current.votes) == latest_votes(expected.votes)


def test_a_missing_required_column_is_named_and_only_then(tmp_path):
    write_files(tmp_path, {
        "comments.csv": "timestamp,comment-id,moderated,comment-body\n1,0,1,Bonjour\n",
        "votes.csv": "comment-id,voter-id,vote\n0,5,1\n",
    })
    with pytest.raises(FormatError) as error:
        read_polis_export(tmp_path)
    assert problems(error)[1][1] == {"line": 1, "columns": "« author-id »"}
