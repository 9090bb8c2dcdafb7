"""Background jobs (Huey): a SQLite queue in instance/ by default, Redis when configured.

Tasks are declared on one module-level Huey object; `configure()` points it at
the right storage when an app is created, so the web process and the worker
(`palabre worker`) share the queue. Tests run tasks immediately, in-process.
"""

from pathlib import Path
from typing import Any

from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from . import mail
from .db import database_url, make_engine

huey = Huey("palabre", storage_class=MemoryStorage)
_settings: dict[str, Any] = {}
_engines: dict[str, Any] = {}


def configure(settings: dict[str, Any], instance_path: str, *, immediate: bool = False) -> Huey:
    """Point the queue at Redis or the instance's SQLite file; keep the settings for tasks."""
    _settings.clear()
    _settings.update(settings)
    if settings.get("PALABRE_REDIS_URL"):
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": settings["PALABRE_REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": str(Path(instance_path) / "jobs.sqlite3")}
    huey._immediate = immediate
    huey.storage = huey.create_storage()
    return huey


@huey.task(retries=3, retry_delay=60)
def send_mail(to: str, subject: str, body: str) -> None:
    """Send an e-mail; retried three times a minute apart if the server is unreachable."""
    mail.send_mail(_settings, to, subject, body)


def _engine():
    url = database_url(_settings, _settings.get("PALABRE_INSTANCE_PATH", "instance"))
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@huey.periodic_task(crontab(minute="*"))
def close_due_consultations() -> list[int]:
    """Every minute: record the closing of consultations whose closing date has passed."""
    from sqlmodel import Session

    from .services.consultations import close_due_consultations as close_due

    with Session(_engine(), expire_on_commit=False) as session:
        return close_due(session)


@huey.task()
def analyse_consultation(consultation_id: int, actor_id: int | None, mode: str = "auto") -> int:
    """Theme analysis and convergence verdicts of a consultation; returns the run's id."""
    from sqlmodel import Session

    from .models import Member
    from .services.analysis import run_themes

    with Session(_engine(), expire_on_commit=False) as session:
        actor = session.get(Member, actor_id) if actor_id is not None else None
        return run_themes(session, actor, consultation_id, mode=mode).id
