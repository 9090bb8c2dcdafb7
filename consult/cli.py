"""The `palabre` command: a Flask CLI group. Each command parses, calls a service, echoes."""

import os
import signal
import subprocess
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .config import settings_markdown


def _create_app(*_args, **_kwargs) -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli() -> None:
    """Palabre: gouverner ensemble l'usage de l'IA / govern the use of AI together."""


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or update the database schema (Alembic migrations)."""
    from .db import get_engine
    from .migrate import upgrade

    upgrade(get_engine(), revision)
    click.echo(f"Base de données à jour / database up to date ({_safe_url()}).")


@db.command("revision")
@click.argument("message")
@with_appcontext
def db_revision(message: str) -> None:
    """(Developers) write a migration for model changes."""
    from .db import get_engine
    from .migrate import revision

    revision(get_engine(), message)


def _safe_url() -> str:
    from .db import get_engine

    return get_engine().url.render_as_string(hide_password=True)


@cli.group()
def demo() -> None:
    """The demo cooperative."""


@demo.command("load")
@with_appcontext
def demo_load() -> None:
    """Load the demo cooperative into an empty database, then print how to sign in."""
    from .db import get_session
    from .demo import load_demo

    result = load_demo(get_session(), current_app.instance_path)
    if result.created:
        click.echo(f"Coopérative de démonstration créée : {result.colleges} collèges, "
                   f"{result.members} membres.")
    else:
        click.echo("La base contient déjà des données : rien n'a été chargé "
                   "/ the database already has data: nothing loaded.")
    if result.password:
        click.echo("")
        click.echo(f"  Administration : {result.admin_email}")
        click.echo(f"  Mot de passe   : {result.password}")
        click.echo("  (même mot de passe pour tous les comptes de démonstration :")
        for email, roles in result.accounts:
            click.echo(f"     {email:<40} {roles}")
        click.echo("  )")


@cli.command("settings")
@click.option("--markdown", is_flag=True, help="Print the table for docs/admin.md.")
@with_appcontext
def settings_command(markdown: bool) -> None:
    """Show the settings (secrets hidden), or their documentation table."""
    from .config import SETTINGS

    if markdown:
        click.echo(settings_markdown())
        return
    for setting in SETTINGS:
        value = current_app.config.get(setting.name)
        if setting.secret and value:
            value = "********"
        click.echo(f"{setting.name}={value}")


@cli.command("worker")
@click.option("--workers", default=1, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers: int) -> None:
    """Run the background job worker (Huey consumer)."""
    from .jobs import huey

    click.echo("Tâches de fond : en attente / background jobs: waiting", err=True)
    consumer = huey.create_consumer(workers=workers, worker_type="thread")
    consumer.run()


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Do not start the job worker.")
@with_appcontext
def serve(host: str, port: int, no_worker: bool) -> None:
    """Serve Palabre with its job worker (for a demo or a small cooperative)."""
    worker_process = None
    if not no_worker:
        worker_process = subprocess.Popen(
            [sys.executable, "-m", "consult.cli", "worker"], env=os.environ.copy()
        )
    click.echo(f"Palabre : http://{host}:{port}/  (Ctrl+C pour arrêter / to stop)")
    try:
        from werkzeug.serving import run_simple

        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        if worker_process is not None:
            worker_process.send_signal(signal.SIGINT)
            try:
                worker_process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker_process.kill()


if __name__ == "__main__":
    cli()
