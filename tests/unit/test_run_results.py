"""A done run's result is parsed once and shared; a run of the same id from another database, or
a run still going, is never given another's document."""

import json
from datetime import UTC, datetime

from consult.models import AnalysisRun
from consult.services.run_results import result_of


def run(result: dict, *, status="done", finished_at=datetime(2026, 12, 1, tzinfo=UTC)):
    return AnalysisRun(id=7, consultation_id=1, status=status, mode="fast", parameters="{}",
                       versions="{}", contribution_ids="[]", input_sha256="a" * 64,
                       result=json.dumps(result), finished_at=finished_at)


def test_a_done_run_is_parsed_once_and_the_same_document_served_again():
    done = run({"themes": [{"id": 0}]})
    assert result_of(done) == {"themes": [{"id": 0}]}
    assert result_of(done) is result_of(done)


def test_a_run_of_the_same_id_elsewhere_gets_its_own_document():
    here = run({"themes": [{"id": 0}]})
    elsewhere = run({"themes": [{"id": 1}]}, finished_at=datetime(2026, 12, 2, tzinfo=UTC))
    assert result_of(here)["themes"] == [{"id": 0}]
    assert result_of(elsewhere)["themes"] == [{"id": 1}]


def test_a_run_that_is_not_done_is_read_afresh_and_none_is_empty():
    going = run({"progress": 1}, status="running", finished_at=None)
    assert result_of(going) is not result_of(going)
    going.result = None
    assert result_of(going) == {}
