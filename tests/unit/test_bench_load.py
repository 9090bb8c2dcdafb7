"""The load test's exactly-once check (bench/load/check.py) on journals whose answer is known."""

import importlib.util
import json
import sys
from pathlib import Path

CHECK = Path(__file__).resolve().parents[2] / "bench" / "load" / "check.py"
spec = importlib.util.spec_from_file_location("bench_load_check", CHECK)
check = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = check  # dataclasses look their module up while the file runs
spec.loader.exec_module(check)


def test_every_accepted_submission_stored_once_passes():
    result = check.check_exactly_once(
        "votes", [("a|1|1", "accepted"), ("b|1|0", "accepted"), ("c|2|-1", "rejected")],
        {"a|1|1": 1, "b|1|0": 1})
    assert result.ok
    assert (result.accepted, result.rejected, result.unknown) == (2, 1, 0)


def test_a_lost_a_doubled_a_leaked_and_a_made_up_submission_are_each_named():
    result = check.check_exactly_once(
        "contributions",
        [("lost", "accepted"), ("twice", "accepted"), ("refused", "rejected"),
         ("timeout", "unknown")],
        {"twice": 2, "refused": 1, "never-sent": 1, "timeout": 1})
    assert not result.ok
    assert result.missing == ["lost"]
    assert result.duplicated == ["twice"]
    assert result.leaked == ["refused"]
    assert result.unexpected == ["never-sent"]
    assert "FAILED" in result.summary() and "never-sent" in result.summary()


def test_an_unanswered_submission_may_be_there_once_but_not_twice():
    landed = check.check_exactly_once("votes", [("x", "unknown")], {"x": 1})
    doubled = check.check_exactly_once("votes", [("x", "unknown")], {"x": 2})
    assert landed.ok and landed.unknown == 1
    assert doubled.duplicated == ["x"]


def test_the_same_key_sent_twice_by_the_generator_is_reported():
    result = check.check_exactly_once("votes", [("k", "accepted"), ("k", "accepted")], {"k": 1})
    assert result.resent == ["k"]
    assert not result.ok


def test_the_journal_is_read_by_kind(tmp_path):
    journal = tmp_path / "journal.jsonl"
    journal.write_text("\n".join(json.dumps(line) for line in (
        {"kind": "vote", "key": "a|1|1", "outcome": "accepted"},
        {"kind": "contribution", "key": "charge-1", "outcome": "rejected"},
    )) + "\n")
    outcomes = check.read_outcomes(journal)
    assert outcomes["vote"] == [("a|1|1", "accepted")]
    assert outcomes["contribution"] == [("charge-1", "rejected")]
