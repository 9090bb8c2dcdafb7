"""A consultation's analysis is asked for, queued, run by the worker, and shown at every stage."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from consult import jobs
from consult.db import get_session
from consult.models import AnalysisRun, AuditEvent, Consultation, Member, utcnow
from consult.services import NotFound, PermissionDenied, ServiceError, analysis_pages, moderation
from consult.services import analysis as service
from consult.services.analysis import analysed_contributions
from consult.services.imports import NewContribution, add_in_bulk
from tests.helpers import as_person, contribute, create, read

pytestmark = pytest.mark.slow  # contributions are redacted with spaCy, themes found with it

VERBATIMS = [
    "L'IA doit rester sous le contrôle des bénévoles qui accompagnent les familles.",
    "Nos données ne doivent jamais quitter le serveur de la coopérative.",
    "Un outil d'IA pourrait aider à planifier les tournées des aides à domicile.",
]


@pytest.fixture
def consultation(app, coop):
    cid, facilitator = create(app, coop)
    ana, bo = as_person(app, "ana@coop.example"), as_person(app, "bo@coop.example")
    for index, text in enumerate(VERBATIMS):
        contribute(ana if index % 2 else bo, cid, text)
    return cid, facilitator


def runs(app, cid):
    with app.app_context():
        return list(get_session().exec(
            select(AnalysisRun).where(AnalysisRun.consultation_id == cid).order_by(AnalysisRun.id)))


def analysis_page(browser, cid) -> str:
    response = browser.client.get(f"/facilitate/consultations/{cid}/analysis")
    assert response.status_code == 200
    return read(response)


def start(browser, cid):
    page = f"/facilitate/consultations/{cid}/analysis"
    return browser.form_post(page, {}, follow_redirects=True)


def test_the_page_shows_a_queued_then_a_running_run(app, consultation):
    cid, facilitator = consultation
    with app.app_context():
        db = get_session()
        run = service.request_analysis(db, None, cid)
        assert run.status == "queued"
    page = analysis_page(facilitator, cid)
    assert "elle attend le worker" in page
    assert "Lancer une nouvelle analyse" not in page  # one at a time
    with app.app_context():
        db = get_session()
        stored = db.get(AnalysisRun, run.id)
        stored.status = "running"
        db.add(stored)
        db.commit()
    page = analysis_page(facilitator, cid)
    assert "Analyse en cours" in page
    facilitator.client.get("/language/en?next=/")
    assert "Analysis running" in analysis_page(facilitator, cid)


def test_starting_from_the_page_runs_the_job_and_records_both_events(app, consultation):
    cid, facilitator = consultation
    page = read(start(facilitator, cid))
    assert "Analyse demandée" in page
    [run] = runs(app, cid)
    assert run.status == "done" and json.loads(run.result)["themes"]
    assert len(json.loads(run.contribution_ids)) == len(VERBATIMS)
    with app.app_context():
        kinds = [e.event_type for e in get_session().exec(
            select(AuditEvent).where(AuditEvent.object_type == "analysis_run"))]
    assert kinds == ["AnalysisRequested", "AnalysisRecorded"]
    assert "Lancer une nouvelle analyse" in analysis_page(facilitator, cid)


def test_a_second_request_while_one_is_queued_is_refused_with_a_message(app, consultation):
    cid, facilitator = consultation
    with app.app_context():
        service.request_analysis(get_session(), None, cid)
    page = read(start(facilitator, cid))
    assert "déjà demandée ou en cours" in page
    assert [r.status for r in runs(app, cid)] == ["queued"]
    with app.app_context(), pytest.raises(ServiceError):
        service.request_analysis(get_session(), None, cid)


def test_the_database_holds_one_active_run_per_consultation(app, consultation):
    """What protects two requests that race past the service's check."""
    cid, _ = consultation
    with app.app_context():
        db = get_session()
        db.add(AnalysisRun(consultation_id=cid, mode="fast", status="queued"))
        db.commit()
        db.add(AnalysisRun(consultation_id=cid, mode="fast", status="running"))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        db.add(AnalysisRun(consultation_id=cid, mode="fast", status="done"))
        db.add(AnalysisRun(consultation_id=cid, mode="fast", status="failed"))
        db.commit()  # finished runs are as many as one likes


def test_a_failing_run_ends_failed_with_its_reason_and_a_new_one_can_start(app, consultation):
    cid, facilitator = consultation
    with app.app_context():
        db = get_session()
        run = service.request_analysis(db, None, cid)
        # Parameters this version does not know, as a queue written by another version may hold.
        run.parameters = json.dumps({"mode": "rapide"})
        db.add(run)
        db.commit()
        failed = service.run_analysis(db, run.id)
        assert failed.status == "failed" and "rapide" in failed.error
        assert failed.finished_at is not None
        assert len(json.loads(failed.contribution_ids)) == len(VERBATIMS)  # what it read
        assert len(failed.input_sha256) == 64
    page = analysis_page(facilitator, cid)
    assert "L'analyse a échoué" in page and "rapide" in page
    start(facilitator, cid)
    assert [r.status for r in runs(app, cid)] == ["failed", "done"]


def test_a_run_that_is_not_queued_is_not_run_again(app, consultation):
    cid, _ = consultation
    with app.app_context():
        db = get_session()
        run = service.run_analysis(db, service.request_analysis(db, None, cid).id)
        finished = run.finished_at
        again = service.run_analysis(db, run.id)
        assert again.status == "done" and again.finished_at == finished
    assert len(runs(app, cid)) == 1


def test_with_a_worker_the_request_waits_in_the_queue_until_the_worker_runs_it(
    make_app, coop, tmp_path
):
    app = make_app(PALABRE_JOBS_IMMEDIATE=False, PALABRE_REDIS_URL="")
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, VERBATIMS[0])
    try:
        start(facilitator, cid)
        [run] = runs(app, cid)
        assert run.status == "queued" and jobs.huey.pending_count() == 1
        jobs.huey.execute(jobs.huey.dequeue())  # what `palabre worker` does
        [run] = runs(app, cid)
        assert run.status == "done"
    finally:
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))


def test_only_facilitators_ask_for_an_analysis(app, consultation, people):
    cid, _ = consultation
    member = people.add("cy@coop.example")
    with app.app_context(), pytest.raises(PermissionDenied):
        service.request_analysis(get_session(), member, cid)
    assert runs(app, cid) == []


def test_a_killed_worker_leaves_a_failed_run_an_event_and_a_start_button(
    make_app, coop, tmp_path
):
    """The crash reproduced: a real `palabre worker` process killed in the middle of a run; the
    run keeps no partial result, and a worker started again does a new run to the end."""
    app = make_app(PALABRE_JOBS_IMMEDIATE=False, PALABRE_REDIS_URL="")
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, VERBATIMS[0])
    environment = {
        **os.environ,
        "PALABRE_DATABASE_URL": app.config["PALABRE_DATABASE_URL"],
        "PALABRE_INSTANCE_PATH": app.instance_path,
        "PALABRE_SECRET_KEY": app.config["PALABRE_SECRET_KEY"],
        "PALABRE_REDIS_URL": "",
        "PALABRE_JOBS_IMMEDIATE": "false",
    }
    try:
        start(facilitator, cid)
        [run] = runs(app, cid)
        assert run.status == "queued"
        worker = subprocess.Popen([sys.executable, "-m", "consult.cli", "worker"],
                                  env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while runs(app, cid)[0].status == "queued" and time.monotonic() < deadline:
                time.sleep(0.1)
            [run] = runs(app, cid)
            assert run.status == "running" and run.worker.endswith(f":{worker.pid}")
            assert run.heartbeat_at is not None
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        page = analysis_page(facilitator, cid)
    finally:
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))
    assert "L'analyse a échoué : Le worker qui faisait cette analyse s'est arrêté" in page
    assert "Lancer une nouvelle analyse" in page
    [run] = runs(app, cid)
    assert run.status == "failed" and run.finished_at is not None
    with app.app_context():
        [event] = get_session().exec(select(AuditEvent).where(
            AuditEvent.event_type == "AnalysisAbandoned")).all()
    assert json.loads(event.canonical)["data"]["worker"] == run.worker
    facilitator.client.get("/language/en?next=/")
    assert "stopped before the end" in analysis_page(facilitator, cid)
    assert json.loads(run.result) == {}  # nothing kept of the run cut short

    jobs.configure(app.config, app.instance_path)  # the queue a worker reads, again
    try:
        start(facilitator, cid)  # a new analysis, done by a worker started again
        worker = subprocess.Popen([sys.executable, "-m", "consult.cli", "worker"],
                                  env=environment, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 90
            while runs(app, cid)[-1].status in ("queued", "running") and (
                    time.monotonic() < deadline):
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))
    [failed, done] = runs(app, cid)
    assert (failed.status, done.status) == ("failed", "done")
    assert "themes" in json.loads(done.result)


def test_a_worker_silent_for_too_long_is_given_up_and_a_live_one_is_not(make_app, consultation):
    cid, facilitator = consultation
    app = facilitator.client.application
    with app.app_context():
        db = get_session()
        run = service.request_analysis(db, None, cid)
        run.status, run.worker = "running", "another-machine:4242"
        run.heartbeat_at = utcnow() - timedelta(minutes=2)
        db.add(run)
        db.commit()
        run_id = run.id
    assert "Analyse en cours" in analysis_page(facilitator, cid)  # 2 min < 5 min
    with app.app_context():
        db = get_session()
        run = db.get(AnalysisRun, run_id)
        run.heartbeat_at = utcnow() - timedelta(minutes=6)
        db.add(run)
        db.commit()
    page = analysis_page(facilitator, cid)
    assert "ne donne plus signe de vie" in page
    start(facilitator, cid)  # and a new analysis can start
    assert [r.status for r in runs(app, cid)] == ["failed", "done"]


THEMED = [
    *[f"Les bénévoles manquent de temps pour {task} avec les familles." for task in (
        "préparer les visites", "remplir les dossiers", "organiser les goûters",
        "suivre les démarches", "appeler", "rédiger les comptes rendus", "former les nouveaux",
        "planifier les ateliers")],
    *[f"Les données de santé des bénéficiaires doivent {rule}." for rule in (
        "rester sur notre serveur", "être chiffrées", "ne jamais être vendues",
        "être effacées après deux ans", "être consultées par le seul médecin",
        "être protégées des assureurs", "rester anonymes dans les statistiques",
        "être exportables sur demande")],
    *[f"Le planning des tournées des aides à domicile {point}." for point in (
        "change trop souvent", "oublie les pauses", "allonge les trajets en voiture",
        "ignore les préférences des salariées", "ne tient pas compte des bouchons",
        "arrive trop tard le dimanche", "sépare les binômes", "coûte cher en essence")],
]


def test_a_second_analysis_starts_from_the_first_and_keeps_the_themes_of_the_verbatims_it_had(
        app, coop):
    cid, facilitator = create(app, coop)
    ana, bo = as_person(app, "ana@coop.example"), as_person(app, "bo@coop.example")
    for index, text in enumerate(THEMED[:-2]):
        contribute(ana if index % 2 else bo, cid, text)
    with app.app_context():
        db = get_session()
        first = service.run_analysis(db, service.request_analysis(db, None, cid).id)
        before = json.loads(first.result)
    for text in THEMED[-2:]:
        contribute(ana, cid, text)
    with app.app_context():
        db = get_session()
        second = service.run_analysis(db, service.request_analysis(db, None, cid).id)
        after = json.loads(second.result)
    assert before["rerun"] is None and after["rerun"] == "incremental"
    theme_before = dict(zip(before["keys"], (a["theme_id"] for a in before["assignments"]),
                            strict=True))
    theme_after = dict(zip(after["keys"], (a["theme_id"] for a in after["assignments"]),
                           strict=True))
    assert len(theme_after) == len(theme_before) + 2
    assert all(theme_after[key] == theme for key, theme in theme_before.items())
    assert {t["id"]: t["label"] for t in before["themes"]}.items() <= {
        t["id"]: t["label"] for t in after["themes"]}.items()
    page = analysis_page(facilitator, cid)
    assert "Analyse reprise de la précédente" in page and "Mis de côté" in page


def add_contributions(app, cid, texts, prefix="c"):
    """Contributions added as an import adds them (redacted, stored), one participant each."""
    with app.app_context():
        db = get_session()
        add_in_bulk(db, db.get(Consultation, cid),
                    [NewContribution(key=f"{prefix}{i}", participant_ref=f"{prefix}-{i}", text=t)
                     for i, t in enumerate(texts)],
                    [], actor=None, source="test", input_sha256="0" * 64)
        db.commit()


def facilitator_member(app):
    with app.app_context():
        return get_session().exec(select(Member).where(Member.email == "anim@coop.example")).one()


def test_every_run_is_kept_and_listed_and_an_earlier_one_reads_as_it_was(app, coop):
    cid, facilitator = create(app, coop)
    add_contributions(app, cid, THEMED[:-2])
    with app.app_context():
        db = get_session()
        first = service.analyse_now(db, None, cid, mode="fast")
        kept_as_it_was = first.model_dump()
        hidden = analysed_contributions(db, cid)[0].id
    add_contributions(app, cid, THEMED[-2:], prefix="late")
    with app.app_context():
        db = get_session()
        moderation.hide(db, facilitator_member(app), hidden, "Hors sujet")
        second = service.analyse_now(db, None, cid, mode="fast")
        assert second.id != first.id and second.previous_run_id == first.id
        assert db.get(AnalysisRun, first.id).model_dump() == kept_as_it_was  # not overwritten
    response = facilitator.client.get(f"/facilitate/consultations/{cid}/analysis/runs")
    assert response.status_code == 200
    page = read(response)
    runs_path = f"/facilitate/consultations/{cid}/analysis/runs"
    assert page.index(f'{runs_path}/{second.id}"') < page.index(f'{runs_path}/{first.id}"')
    assert f"repris de l'analyse n° {first.id}" in page
    assert first.input_sha256[:12] in page and second.input_sha256[:12] in page
    assert "Paramètres et versions" in page and "Comparer" in page
    assert "<code>seed</code>" in page and "<code>spacy</code>" in page
    earlier = read(facilitator.client.get(f"{runs_path}/{first.id}"))
    assert f"Vous lisez l'analyse n° {first.id}" in earlier
    assert all(t["label"] in earlier for t in json.loads(first.result)["themes"])
    assert f"Repris de l'analyse n° {first.id}" in analysis_page(facilitator, cid)

    with app.app_context():
        comparison = analysis_pages.compare_runs(
            get_session(), facilitator_member(app), cid, first.id, second.id)
    assert (comparison.only_in_a, comparison.only_in_b) == (1, 2)
    assert comparison.shared == len(THEMED) - 3
    before = {t["id"]: t["label"] for t in json.loads(first.result)["themes"]}
    after = {t["id"]: t["label"] for t in json.loads(second.result)["themes"]}
    assert len(comparison.kept) == len(before) == 3 and not comparison.lost
    assert {(k.before.label, k.after.label) for k in comparison.kept} == {
        (before[k.before.id], after[k.after.id]) for k in comparison.kept}
    page = read(facilitator.client.get(
        f"/facilitate/consultations/{cid}/analysis/compare?a={first.id}&b={second.id}"))
    assert "3 thèmes gardés" in page and '<h2 id="lost">0 ' in page
    assert f"1 verbatim lu seulement par l'analyse n° {first.id}" in page
    assert f"2 verbatims lus seulement par l'analyse n° {second.id}" in page


def test_only_two_done_runs_of_the_consultation_are_compared(app, coop):
    cid, facilitator = create(app, coop)
    other, _ = create(app, coop)
    add_contributions(app, cid, THEMED)
    add_contributions(app, other, THEMED, prefix="o")
    with app.app_context():
        db = get_session()
        done = service.analyse_now(db, None, cid, mode="fast").id
        elsewhere = service.analyse_now(db, None, other, mode="fast").id
        queued = service.request_analysis(db, None, cid, mode="fast").id
    compare = f"/facilitate/consultations/{cid}/analysis/compare"
    page = read(facilitator.client.get(f"{compare}?a={done}&b={queued}", follow_redirects=True))
    assert f"L'analyse n° {queued} n'est pas terminée" in page
    page = read(facilitator.client.get(f"{compare}?a={done}", follow_redirects=True))
    assert "Choisissez deux analyses terminées" in page
    assert facilitator.client.get(f"{compare}?a={done}&b={elsewhere}").status_code == 404
    runs_path = f"/facilitate/consultations/{cid}/analysis/runs"
    assert facilitator.client.get(f"{runs_path}/{elsewhere}").status_code == 404
    with app.app_context(), pytest.raises(NotFound):
        analysis_pages.compare_runs(get_session(), facilitator_member(app), cid, done, elsewhere)
