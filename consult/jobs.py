"""Background jobs (Huey): a SQLite queue in instance/ by default, Redis when configured.

Tasks are declared on one module-level Huey object; `configure()` points it at the right
storage when an app is created, so the web process and the worker (`palabre worker`) share the
queue. With `PALABRE_JOBS_IMMEDIATE` (the tests set it) Huey's own immediate mode runs each task
at once, in the process that enqueues it. A task takes ids and calls one service; services never
enqueue.
"""

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlmodel import Session

from . import mail, notify_mail  # noqa: F401  (notify_mail: its listeners send the outbox)
from .db import database_url, make_engine
from .services import analysis, audit_log, board, consultations, notifications
from .services.imports import uploads

huey = Huey("palabre", storage_class=MemoryStorage)
_settings: dict[str, Any] = {}
_engines: dict[str, Any] = {}


def configure(settings: dict[str, Any], instance_path: str) -> Huey:
    """Point the queue at Redis or the instance's SQLite file; keep the settings for tasks."""
    _settings.clear()
    _settings.update(settings)
    if settings.get("PALABRE_REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": settings["PALABRE_REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(instance_path) / "jobs.sqlite3")}
    huey.immediate = bool(settings.get("PALABRE_JOBS_IMMEDIATE"))
    huey.storage = huey.create_storage()
    return huey


def _session() -> Session:
    url = database_url(_settings, _settings.get("PALABRE_INSTANCE_PATH", "instance"))
    if url not in _engines:
        _engines[url] = make_engine(url)
    return Session(_engines[url], expire_on_commit=False)


def enqueue(task, *args) -> bool:
    """Hand ``task`` to the queue; False (and logged) when the queue is unreachable (Redis
    down, a full disk): the caller says so or falls back, the page does not crash."""
    try:
        task(*args)
    except Exception:
        logging.getLogger(__name__).exception("job queue unreachable: %s not queued",
                                              getattr(task, "name", task))
        return False
    return True


@huey.task(retries=3, retry_delay=60)
def send_mail(to: str, subject: str, body: str) -> None:
    """Send an e-mail; retried three times a minute apart if the server is unreachable."""
    mail.send_mail(_settings, to, subject, body)


@huey.periodic_task(crontab(minute="*"))
def close_due_consultations() -> list[int]:
    """Every minute: record the closing of consultations whose closing date has passed."""
    with _session() as session:
        return consultations.close_due_consultations(session)


@huey.periodic_task(crontab(minute="*/15"))
def notify_due() -> int:
    """Every 15 minutes: tell members of the consultations and votes now open (a date that has
    come) and of the consultations closing within 48 hours, each once."""
    with _session() as session:
        return notifications.notify_due(session)


@huey.periodic_task(crontab(minute="*"))
def close_due_motions() -> list[int]:
    """Every minute: count the vote of motions whose closing time has passed."""
    with _session() as session:
        return board.close_due_motions(session, audit_log.signer_for(_settings), _settings)


@huey.on_startup()
def fail_runs_of_stopped_workers() -> None:
    """A worker that starts marks failed the analyses a stopped worker left running."""
    with _session() as session:
        analysis.fail_abandoned_runs(session, stale_after=_stale_after())


def _stale_after() -> timedelta:
    return timedelta(minutes=_settings.get("PALABRE_ANALYSIS_STALE_MINUTES", 5))


@huey.periodic_task(crontab(minute="5"))
def sign_hourly_checkpoint() -> int:
    """Every hour: sign a checkpoint of the audit log if events were added since the last."""
    with _session() as session:
        return audit_log.checkpoint_now(session, audit_log.signer_for(_settings), "hourly").id


@huey.periodic_task(crontab(minute="17"))
def forget_old_uploads() -> int:
    """Every hour: delete the import files uploaded more than a day ago and never imported."""
    return uploads.forget_old_uploads(_settings.get("PALABRE_INSTANCE_PATH", "instance"))


@huey.task()
def run_analysis(run_id: int) -> str:
    """Run a queued theme analysis (themes, then convergence verdicts); returns its status."""
    with _session() as session:
        return analysis.run_analysis(session, run_id).status


@huey.periodic_task(crontab(day_of_week="1", hour="7", minute="30"))
def weekly_register_digest() -> int:
    """Every Monday at 7:30: mail the ethics committee the models whose bias test is stale or
    missing, soon stale, or waiting for an opinion; returns how many mails were queued."""
    with _session() as session:
        return send_register_digest(session)


def send_register_digest(session: Session) -> int:
    from .services import register_digest
    from .services.cooperative import get_cooperative

    retest_days = _settings.get("PALABRE_RETEST_DAYS", 180)
    digest = register_digest.weekly_digest(session, retest_days=retest_days)
    if digest.empty or not mail.mail_configured(_settings):
        return 0
    cooperative = get_cooperative(session)
    base = (_settings.get("PALABRE_BASE_URL") or "").rstrip("/")
    subject, body = register_digest.digest_mail(
        digest, f"{base}/registre", retest_days=retest_days,
        cooperative=cooperative.name if cooperative else "Palabre")
    for address in digest.recipients:
        send_mail(address, subject, body)
    return len(digest.recipients)
