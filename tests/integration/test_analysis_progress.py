"""An analysis shows how far it is while it runs, and a facilitator can stop it; with a real
worker process, over Huey's SQLite queue and over Redis."""

import json
import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import redis
from sqlmodel import Session, select

from consult import jobs
from consult.db import get_engine, get_session
from consult.demo import CONTENT
from consult.models import AnalysisRun, AuditEvent, utcnow
from consult.services import PermissionDenied, ServiceError
from consult.services import analysis as service
from tests.helpers import as_person, create, read, stop
from tests.integration.test_analysis import THEMED, add_contributions, facilitator_member

pytestmark = pytest.mark.slow  # contributions are redacted with spaCy, themes found with it

NOSCRIPT = '<noscript><meta http-equiv="refresh" content="5"></noscript>'
STAGE_LABELS = ("Lecture des verbatims", "Calcul des vecteurs", "Recherche des voisins",
                "Réduction", "Regroupement", "Description des thèmes", "Carte des thèmes",
                "Verdicts", "Reprise des thèmes de l'analyse précédente",
                "Comparaison avec l'analyse précédente")
REDIS_DB = "redis://127.0.0.1:6379/13"  # test_auth uses 14, test_jobs 15


def page_of(browser, cid) -> str:
    response = browser.client.get(f"/facilitate/consultations/{cid}/analysis")
    assert response.status_code == 200
    return read(response)


def row(app, run_id) -> AnalysisRun:
    with app.app_context():
        return get_session().get(AnalysisRun, run_id)


def set_running(app, run_id, **values) -> None:
    with app.app_context():
        db = get_session()
        run = db.get(AnalysisRun, run_id)
        run.status, run.worker = "running", "another-machine:4242"
        for name, value in values.items():
            setattr(run, name, value)
        db.add(run)
        db.commit()


def cancel_events(app) -> list[dict]:
    with app.app_context():
        return [json.loads(e.canonical)["data"] for e in get_session().exec(
            select(AuditEvent).where(AuditEvent.event_type == "AnalysisCancelled")
            .order_by(AuditEvent.id))]


def cancel_url(cid, run_id) -> str:
    return f"/facilitate/consultations/{cid}/analysis/{run_id}/cancel"


def cancel(browser, cid, run_id, **kwargs):
    page = f"/facilitate/consultations/{cid}/analysis"
    return browser.form_post(page, {}, post_url=cancel_url(cid, run_id), **kwargs)


@pytest.fixture
def themed(app, coop):
    cid, facilitator = create(app, coop)
    add_contributions(app, cid, THEMED)
    return cid, facilitator


def test_the_job_writes_its_stage_and_progress_as_it_goes_and_the_callers_hook_sees_each_call(
        app, themed):
    cid, _ = themed
    calls, seen = [], []
    with app.app_context():
        db = get_session()
        run_id = service.request_analysis(db, None, cid, mode="fast").id
        engine = get_engine()

        def hook(stage, done, total):  # what the CLI passes; it reads the row meanwhile
            calls.append(stage)
            with Session(engine) as other:
                stored = other.get(AnalysisRun, run_id)
                seen.append((stored.status, stored.stage, stored.progress))

        run = service.run_analysis(db, run_id, progress=hook)
    assert run.status == "done"
    first_calls = list(dict.fromkeys(calls))
    assert first_calls[0] == "preprocess" and first_calls[-1] == "convergence"
    assert {"embed", "describe"} <= set(first_calls)
    written = [stage for status, stage, _ in seen if status == "running" and stage]
    assert list(dict.fromkeys(written)) == first_calls[:len(set(written))]  # every new stage
    assert {"preprocess", "embed", "describe", "convergence"} <= set(written)
    progress = [value for _, _, value in seen]
    assert progress == sorted(progress) and 0 < progress[len(progress) // 2] < 1
    stored = row(app, run_id)
    assert (stored.status, stored.stage, stored.progress) == ("done", None, 1.0)


def test_the_page_shows_the_bar_the_stage_and_refreshes_itself_while_a_run_goes(app, themed):
    cid, facilitator = themed
    with app.app_context():
        run_id = service.request_analysis(get_session(), None, cid, mode="fast").id
    page = page_of(facilitator, cid)
    assert '<progress id="analysis-progress" max="100" value="0">' in page
    assert '<label for="analysis-progress">' in page and "En attente du worker" in page
    assert NOSCRIPT in page and 'aria-live="polite"' in page and "/static/progress.js" in page
    assert "Annuler l'analyse" in page
    set_running(app, run_id, stage="embed", progress=0.42)
    page = page_of(facilitator, cid)
    assert '<progress id="analysis-progress" max="100" value="42">' in page
    assert "Calcul des vecteurs" in page and "42 %" in page and NOSCRIPT in page
    progress_url = f"/facilitate/consultations/{cid}/analysis/{run_id}/progress.json"
    assert f'data-progress-url="{progress_url}"' in page
    state = facilitator.client.get(progress_url).get_json()
    assert state == {"run_id": run_id, "status": "running", "stage": "embed",
                     "stage_label": "Calcul des vecteurs", "percent": 42,
                     "percent_text": "42 %", "cancel_requested": False}


def test_a_queued_run_is_cancelled_at_once_and_a_new_one_can_start(app, themed):
    cid, facilitator = themed
    with app.app_context():
        run_id = service.request_analysis(get_session(), None, cid, mode="fast").id
    assert "Analyse annulée." in read(cancel(facilitator, cid, run_id, follow_redirects=True))
    cancelled = row(app, run_id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    assert cancel_events(app) == [{"consultation_id": cid, "was": "queued"}]
    with app.app_context():
        db = get_session()
        assert service.run_analysis(db, run_id).status == "cancelled"  # the worker skips it
        with pytest.raises(ServiceError):  # once
            service.cancel_analysis(db, facilitator_member(app), run_id)
        assert service.fail_abandoned_runs(db) == []  # a cancelled run is not abandoned
    assert row(app, run_id).result == "{}"
    page = page_of(facilitator, cid)
    assert f"L'analyse n° {run_id} a été annulée" in page and NOSCRIPT not in page
    assert "Lancer une nouvelle analyse" in page
    with app.app_context():
        assert service.analyse_now(get_session(), None, cid, mode="fast").status == "done"
    assert cancel_events(app) == [{"consultation_id": cid, "was": "queued"}]


def test_a_running_run_stops_at_its_next_step_and_stores_nothing(app, themed):
    cid, facilitator = themed
    with app.app_context():
        db = get_session()
        run_id = service.request_analysis(db, None, cid, mode="fast").id
        facilitator_ = facilitator_member(app)
        engine = get_engine()
        stages = []

        def hook(stage, done, total):  # a facilitator cancels from another session meanwhile
            stages.append(stage)
            if stage == "embed" and len(set(stages)) == 2:
                with Session(engine, expire_on_commit=False) as other:
                    asked = service.cancel_analysis(other, facilitator_, run_id)
                    assert asked.status == "running" and asked.cancel_requested
                    again = service.cancel_analysis(other, facilitator_, run_id)
                    assert again.cancel_requested  # asked already: nothing more recorded

        run = service.run_analysis(db, run_id, progress=hook)
    assert run.status == "cancelled" and run.result == "{}" and run.finished_at is not None
    assert "describe" not in stages and "convergence" not in stages
    assert cancel_events(app) == [{"consultation_id": cid, "was": "running"}]
    with app.app_context():
        kinds = [e.event_type for e in get_session().exec(
            select(AuditEvent).where(AuditEvent.object_type == "analysis_run"))]
    assert kinds == ["AnalysisRequested", "AnalysisCancelled"]


def test_a_finished_run_cannot_be_cancelled(app, themed):
    cid, facilitator = themed
    with app.app_context():
        db = get_session()
        run = service.analyse_now(db, None, cid, mode="fast")
        with pytest.raises(ServiceError, match="déjà terminée"):
            service.cancel_analysis(db, facilitator_member(app), run.id)
    page = read(cancel(facilitator, cid, run.id, follow_redirects=True))
    assert "Cette analyse est déjà terminée : elle ne peut plus être annulée." in page
    assert row(app, run.id).status == "done" and cancel_events(app) == []


def test_only_facilitators_cancel_and_only_the_runs_of_the_consultation(
        app, themed, coop, people):
    cid, facilitator = themed
    other, _ = create(app, coop)
    with app.app_context():
        run_id = service.request_analysis(get_session(), None, cid, mode="fast").id
    member = people.add("cy@coop.example", college_id=coop["staff"].id)
    with app.app_context(), pytest.raises(PermissionDenied):
        service.cancel_analysis(get_session(), member, run_id)
    browser = as_person(app, "cy@coop.example")
    response = browser.form_post("/", {}, post_url=cancel_url(cid, run_id))
    assert response.status_code == 403
    assert facilitator.form_post(
        f"/facilitate/consultations/{cid}/analysis", {},
        post_url=cancel_url(other, run_id)).status_code == 404
    progress = f"/facilitate/consultations/{other}/analysis/{run_id}/progress.json"
    assert facilitator.client.get(progress).status_code == 404
    assert row(app, run_id).status == "queued" and cancel_events(app) == []


# --- With a real worker ---------------------------------------------------------------------


def worker_environment(app, redis_url: str) -> dict:
    return {
        **os.environ,
        "PALABRE_DATABASE_URL": app.config["PALABRE_DATABASE_URL"],
        "PALABRE_INSTANCE_PATH": app.instance_path,
        "PALABRE_SECRET_KEY": app.config["PALABRE_SECRET_KEY"],
        "PALABRE_REDIS_URL": redis_url,
        "PALABRE_JOBS_IMMEDIATE": "false",
    }


def wait_for(app, run_id, ready, timeout=90.0, every=0.05) -> list[AnalysisRun]:
    """The run's row as polled until ``ready(row)``; every row seen, the last one ready."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen.append(row(app, run_id))
        if ready(seen[-1]):
            return seen
        time.sleep(every)
    pytest.fail(f"run {run_id} still {seen[-1].status} ({seen[-1].stage}) after {timeout} s")


def queue(app, cid, **parameters) -> int:
    with app.app_context():
        db = get_session()
        run = service.request_analysis(db, None, cid, mode="fast")
        if parameters:
            run.parameters = json.dumps(parameters)
            db.add(run)
            db.commit()
        jobs.run_analysis(run.id)
        return run.id


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_real_worker_runs_cancels_and_fails_analyses_and_the_page_follows(
        make_app, coop, tmp_path, storage):
    redis_url = REDIS_DB if storage == "redis" else ""
    if redis_url:
        try:
            redis.Redis.from_url(redis_url).flushdb()
        except redis.ConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
    app = make_app(PALABRE_JOBS_IMMEDIATE=False, PALABRE_REDIS_URL=redis_url)
    cid, facilitator = create(app, coop)
    demo = json.loads(CONTENT.read_text(encoding="utf-8"))["consultations"][0]
    add_contributions(app, cid, [c["text"] for c in demo["contributions"]])  # 233
    log = (tmp_path / f"worker-{storage}.log").open("w")
    try:
        first = queue(app, cid)
        assert row(app, first).status == "queued" and jobs.huey.pending_count() == 1
        assert "En attente du worker" in page_of(facilitator, cid)
        worker = subprocess.Popen([sys.executable, "-m", "consult.cli", "worker"],
                                  env=worker_environment(app, redis_url),
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            # Cancelled: while the new worker loads its models, its first run is long enough.
            running = wait_for(app, first, lambda r: r.status != "queued" and r.stage)[-1]
            assert running.status == "running" and running.worker.endswith(f":{worker.pid}")
            page = page_of(facilitator, cid)
            assert "<progress" in page and NOSCRIPT in page
            assert any(label in page for label in STAGE_LABELS)
            state = facilitator.client.get(
                f"/facilitate/consultations/{cid}/analysis/{first}/progress.json").get_json()
            assert state["status"] == "running" and state["stage_label"] in STAGE_LABELS
            assert 0 <= state["percent"] <= 100
            flashed = read(cancel(facilitator, cid, first, follow_redirects=True))
            assert "Arrêt demandé" in flashed
            stopped = wait_for(app, first, lambda r: r.status != "running")[-1]
            assert stopped.status == "cancelled" and stopped.result == "{}"
            assert stopped.finished_at is not None
            assert cancel_events(app) == [{"consultation_id": cid, "was": "running"}]
            assert f"L'analyse n° {first} a été annulée" in page_of(facilitator, cid)

            # Done: queued, then running with its progress written, then done.
            second = queue(app, cid)
            seen = wait_for(app, second, lambda r: r.status not in service.ACTIVE)
            assert seen[-1].status == "done" and seen[-1].progress == 1.0
            assert json.loads(seen[-1].result)["themes"]
            statuses = list(dict.fromkeys(r.status for r in seen))
            assert statuses in (["queued", "running", "done"], ["running", "done"])
            during = [r.progress for r in seen if r.status == "running"]
            assert during == sorted(during) and any(0 < p < 1 for p in during)
            assert any(r.stage for r in seen if r.status == "running")

            # Failed: parameters the worker does not know.
            third = queue(app, cid, mode="rapide")
            failed = wait_for(app, third, lambda r: r.status not in service.ACTIVE)[-1]
            assert failed.status == "failed" and "rapide" in failed.error
            assert "L'analyse a échoué" in page_of(facilitator, cid)
        finally:
            stop(worker)
    finally:
        log.close()
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))
        if redis_url:
            redis.Redis.from_url(redis_url).flushdb()
    assert [r.status for r in (row(app, first), row(app, second), row(app, third))] == [
        "cancelled", "done", "failed"]


def test_a_run_whose_worker_goes_silent_after_a_cancel_ends_cancelled(app, themed):
    cid, facilitator = themed
    with app.app_context():
        run_id = service.request_analysis(get_session(), None, cid, mode="fast").id
    set_running(app, run_id, stage="embed", progress=0.3)
    assert "Arrêt demandé" in read(cancel(facilitator, cid, run_id, follow_redirects=True))
    set_running(app, run_id, heartbeat_at=utcnow() - timedelta(minutes=10))
    with app.app_context():
        assert service.fail_abandoned_runs(get_session()) == [run_id]
    stopped = row(app, run_id)
    assert stopped.status == "cancelled" and stopped.finished_at is not None
    page = page_of(facilitator, cid)
    assert f"L'analyse n° {run_id} a été annulée" in page and NOSCRIPT not in page

