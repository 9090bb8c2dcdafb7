"""E-mail goes through the job queue to a real SMTP server; the queue runs on SQLite or Redis."""

import re

import pytest
import redis

from consult import jobs
from tests.helpers import Browser
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


def mail_app(make_app, sink):
    return make_app(
        PALABRE_MAIL_SERVER="127.0.0.1",
        PALABRE_MAIL_PORT=sink.port,
        PALABRE_MAIL_USE_TLS=False,
        PALABRE_MAIL_SENDER="coop@coop.example",
        PALABRE_BASE_URL="https://coop.example",
    )


def test_invitation_is_mailed_when_mail_is_configured(make_app, sink, people):
    app = mail_app(make_app, sink)
    people.add("admin@coop.example", roles=("admin",))
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    response = browser.form_post(
        "/admin/members/invite",
        {"email": "lea@coop.example", "display_name": "Léa", "roles": ["member"]},
        follow_redirects=True,
    )
    assert "Un e-mail avec le lien a été envoyé à lea@coop.example" in response.get_data(
        as_text=True
    )
    [(sender, recipients, message)] = sink.messages
    assert sender == "coop@coop.example" and recipients == ["lea@coop.example"]
    body = message.get_content()
    link = re.search(r"https://coop\.example(/invitation/\S+)", body).group(1)
    invited = Browser(app.test_client())
    response = invited.form_post(
        link, {"password": "une longue phrase secrète", "confirmation": "une longue phrase secrète"}
    )
    assert response.status_code == 302


def test_password_reset_by_mail(make_app, sink, people):
    app = mail_app(make_app, sink)
    people.add("ana@coop.example")
    browser = Browser(app.test_client())
    browser.form_post("/password/forgot", {"email": "ana@coop.example"})
    browser.form_post("/password/forgot", {"email": "stranger@coop.example"})
    assert [m[1] for m in sink.messages] == [["ana@coop.example"]]  # strangers get nothing
    link = re.search(
        r"https://coop\.example(/password/reset/\S+)", sink.messages[0][2].get_content()
    )
    response = browser.form_post(
        link.group(1),
        {"password": "un tout nouveau secret", "confirmation": "un tout nouveau secret"},
    )
    assert response.status_code == 302
    assert (
        Browser(app.test_client()).login("ana@coop.example", "un tout nouveau secret").status_code
        == 302
    )


def test_jobs_queue_in_sqlite_until_a_worker_runs_them(tmp_path, sink):
    settings = {
        "PALABRE_REDIS_URL": "",
        "PALABRE_MAIL_SERVER": "127.0.0.1",
        "PALABRE_MAIL_PORT": sink.port,
        "PALABRE_MAIL_USE_TLS": False,
        "PALABRE_MAIL_SENDER": "coop@coop.example",
        "PALABRE_JOBS_IMMEDIATE": False,
    }
    huey = jobs.configure(settings, str(tmp_path))
    try:
        jobs.send_mail("ana@coop.example", "Objet", "Corps")
        assert (tmp_path / "jobs.sqlite3").exists() and huey.pending_count() == 1
        assert sink.messages == []
        huey.execute(huey.dequeue())  # what the worker does
        assert [m[1] for m in sink.messages] == [["ana@coop.example"]]
    finally:
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))


def test_jobs_queue_in_redis_when_configured(tmp_path):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    huey = jobs.configure({"PALABRE_REDIS_URL": url}, str(tmp_path))
    try:
        huey.flush()
        jobs.send_mail("ana@coop.example", "Objet", "Corps")
        assert huey.pending_count() == 1
        assert not (tmp_path / "jobs.sqlite3").exists()
        huey.flush()
    finally:
        jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))


def test_the_worker_closes_consultations_at_their_date(app, people):
    from datetime import timedelta

    from consult.db import get_session
    from consult.models import Consultation, utcnow
    from consult.services import consultations as service

    college = people.college("Salariés", 100)
    with app.app_context():
        db = get_session()
        consultation = service.create_consultation(
            db,
            None,
            service.ConsultationInput(
                title="Courte",
                question="Oui ?",
                college_ids=(college.id,),
                closes_at=utcnow() + timedelta(seconds=1),
            ),
        )
        service.change_status(db, None, consultation.id, "open")
        consultation.closes_at = utcnow() - timedelta(minutes=1)
        db.add(consultation)
        db.commit()
    assert jobs.close_due_consultations.call_local() == [consultation.id]
    with app.app_context():
        assert get_session().get(Consultation, consultation.id).status == "closed"
    assert jobs.close_due_consultations.call_local() == []
