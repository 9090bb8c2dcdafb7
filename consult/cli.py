"""The `palabre` command: a Flask CLI group. Each command parses, calls a service, echoes."""

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .cli_api import api_group
from .cli_audit import audit_group
from .cli_backup import backup, restore
from .cli_members import members_group
from .cli_nlp import CliError, nlp_group
from .cli_register import register_group
from .cli_report import report
from .config import settings_markdown
from .services.imports import KINDS as IMPORT_KINDS


def _create_app(*_args, **_kwargs) -> Flask:
    from . import create_app
    from .config import ConfigurationError

    try:
        return create_app()
    except ConfigurationError as error:  # the explanation alone, without a traceback
        click.echo(str(error), err=True)
        sys.exit(2)


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
    if revision == "head":  # an older schema may not hold the register yet
        _ensure_own_entries()
    click.echo(f"Base de données à jour / database up to date ({_safe_url()}).")


@db.command("revision")
@click.argument("message")
@with_appcontext
def db_revision(message: str) -> None:
    """(Developers) write a migration for model changes."""
    from .db import get_engine
    from .migrate import revision

    revision(get_engine(), message)


def _ensure_own_entries() -> None:
    """Palabre's own analysis in the register: themes, opinion groups, redaction."""
    from .db import get_session
    from .services.audit_log import signer_for
    from .services.own_entries import ensure_own_entries

    ensure_own_entries(get_session(), signer_for(current_app.config))


def _load_demo_register() -> None:
    """The demo's AI projects in the register, reviewed by its two committee members."""
    from .db import get_session
    from .demo import MEMBERS, email_for
    from .demo_register import load_demo_register
    from .services.audit_log import signer_for

    ethics = tuple(email_for(name) for name, _college, roles in MEMBERS if "ethics" in roles)
    done = load_demo_register(get_session(), signer_for(current_app.config), ethics[:2])
    click.echo(f"Registre de l'IA : {done.approved} modèle approuvé, {done.refused} refusé par "
               f"la porte de déploiement, {done.in_review} en revue / AI register loaded.")


def _load_demo_board() -> None:
    """The board's decisions: the charter's amendment adopted, a project approved by the
    assembly (weighted by college, with proxies) and deployed through the register's gate."""
    from .db import get_session
    from .demo_board import load_demo_board
    from .services.audit_log import signer_for

    config = current_app.config
    done = load_demo_board(get_session(), signer_for(config), config,
                           config["PALABRE_PSEUDONYM_KEY"], config["PALABRE_RETENTION_MONTHS"])
    click.echo(f"Conseil : charte version {done.charter_version} adoptée après consultation ; "
               f"projet n° {done.proposal_id} approuvé par l'assemblée ({done.proxies} pouvoirs) "
               f"puis {'déployé' if done.proposal_status == 'deployed' else done.proposal_status}"
               f" par la porte du registre / board decisions loaded.")


def _seed_charter() -> None:
    """The founding AI charter, adopted at the cooperative's founding (no motion)."""
    from .db import get_session
    from .services.audit_log import signer_for
    from .services.charter import seed_charter

    if seed_charter(get_session(), signer_for(current_app.config)) is not None:
        click.echo("Charte de l'IA fondatrice adoptée (version 1) / founding AI charter seeded.")


def _safe_url() -> str:
    from .db import get_engine

    return get_engine().url.render_as_string(hide_password=True)


@cli.group()
def demo() -> None:
    """The demo cooperative."""


def _queue_demo_analyses() -> None:
    """Themes and convergence verdicts of every demo consultation, done by the job worker."""
    from . import jobs
    from .db import get_session
    from .services.analysis import request_analysis
    from .services.consultations import consultation_ids

    db = get_session()
    for consultation_id in consultation_ids(db):
        jobs.run_analysis(request_analysis(db, None, consultation_id).id)
    click.echo("Analyses des consultations demandées : le worker les fait tourner en "
               "arrière-plan (une minute environ) / analyses queued for the job worker.")


@demo.command("load")
@click.option("--analyse/--no-analyse", default=True, show_default=True,
              help="Queue the analysis of the demo consultations for the job worker.")
@with_appcontext
def demo_load(analyse: bool) -> None:
    """Load the demo cooperative into an empty database, then print how to sign in."""
    from .db import get_session
    from .demo import load_demo

    click.echo("Chargement de la coopérative de démonstration… / loading the demo cooperative…")
    result = load_demo(
        get_session(),
        current_app.instance_path,
        current_app.config["PALABRE_PSEUDONYM_KEY"],
        current_app.config["PALABRE_RETENTION_MONTHS"],
    )
    _ensure_own_entries()
    if result.created:
        _load_demo_register()
        _seed_charter()
        _load_demo_board()
        click.echo(
            f"Coopérative de démonstration créée : {result.colleges} collèges, "
            f"{result.members} membres, {result.consultations} consultations, "
            f"{result.contributions} contributions, {result.votes} votes, "
            f"{result.proposals} propositions."
        )
        if analyse:
            _queue_demo_analyses()
    else:
        click.echo(
            "La base contient déjà des données : rien n'a été chargé "
            "/ the database already has data: nothing loaded."
        )
    if result.password:
        click.echo("")
        click.echo(f"  Administration : {result.admin_email}")
        click.echo(f"  Mot de passe   : {result.password}")
        click.echo("  (même mot de passe pour tous les comptes de démonstration :")
        for email, roles in result.accounts:
            click.echo(f"     {email:<40} {roles}")
        click.echo("  )")


@cli.group()
def consultation() -> None:
    """Consultations: import and export contributions."""


def _echo_report(report) -> None:
    for problem in report.problems:  # the CLI speaks the source language, French
        click.echo(
            "  ✗ " + problem.text(),
            err=True,
        )
    click.echo(
        f"Contributions : {report.contributions} · votes : {report.votes} · "
        f"participants : {report.participants}"
    )


@consultation.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--consultation", "consultation_id", type=int, help="Add to this consultation.")
@click.option("--title", help="Create a new consultation with this title.")
@click.option("--dry-run", is_flag=True, help="Check and preview; change nothing.")
@click.option(
    "--format",
    "kind",
    type=click.Choice(IMPORT_KINDS),
    default="auto",
    show_default=True,
    help="What the source is.",
)
@click.option("--text-column", help="Column holding the text (CSV/XLSX; guessed otherwise).")
@with_appcontext
def consultation_import(source: Path, consultation_id, title, dry_run, kind, text_column):
    """Import a CSV/XLSX file, a Decidim comments export or a Polis export folder."""
    from .db import get_session
    from .services import Refusal, imports

    if consultation_id is None and not title:
        title = source.stem if source.is_file() else source.name
    try:
        report = imports.import_source(
            get_session(),
            None,
            source,
            target=imports.Target(consultation_id, title),
            key=current_app.config["PALABRE_PSEUDONYM_KEY"],
            kind=kind,
            mapping={"text": text_column} if text_column else None,
            dry_run=dry_run,
            limits=imports.ImportLimits.from_settings(current_app.config),
        )
    except imports.ImportRefused as error:
        _echo_report(imports.ImportReport(source=kind, problems=error.problems))
        raise CliError("Fichier refusé / file refused.") from error
    except Refusal as error:
        raise CliError(str(error)) from error
    _echo_report(report)
    if not report.ok:
        raise CliError("Rien n'a été importé / nothing was imported.")
    if dry_run:
        click.echo("Essai à blanc : rien n'a été enregistré / dry run: nothing saved.")
    else:
        click.echo(
            f"Importé dans la consultation {report.consultation_id} "
            f"/ imported into consultation {report.consultation_id}."
        )


@consultation.command("export")
@click.argument("consultation_id", type=int)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "polis"]), default="csv", show_default=True
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write (csv: votes go to NAME-votes.csv beside it); a folder for polis.",
)
@click.option(
    "--original", is_flag=True, help="Export the texts as written, without redacting personal data."
)
@with_appcontext
def consultation_export(consultation_id: int, fmt: str, out: Path, original: bool) -> None:
    """Export a consultation's contributions, stances and votes."""
    from .db import get_session
    from .services import Refusal, exports

    db = get_session()
    try:
        if fmt == "polis":
            export = exports.export_polis(db, None, consultation_id, out, original=original)
            click.echo(f"{len(export.comments)} commentaires, {len(export.votes)} votes → {out}/")
            return
        if fmt == "json":
            out.write_bytes(exports.export_json(db, None, consultation_id, original=original))
            click.echo(f"→ {out}")
            return
        wording = replace(exports.FRENCH, time_zone=current_app.config["PALABRE_TIMEZONE"])
        contributions, votes = exports.export_csv(db, None, consultation_id, original=original,
                                                  wording=wording)
        out.write_bytes(contributions)
        votes_path = out.with_name(out.stem + "-votes" + out.suffix)
        votes_path.write_bytes(votes)
        click.echo(f"→ {out}, {votes_path}")
    except Refusal as error:
        raise CliError(str(error)) from error


@cli.group()
def jobs() -> None:
    """Scheduled work."""


@jobs.command("close-due")
@with_appcontext
def close_due() -> None:
    """Close every open consultation whose closing date has passed (the worker does it too)."""
    from .db import get_session
    from .services.consultations import close_due_consultations

    closed = close_due_consultations(get_session())
    click.echo(f"Consultations closes / closed: {closed or 'aucune / none'}")


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


cli.add_command(nlp_group)
cli.add_command(register_group)
cli.add_command(audit_group)
cli.add_command(api_group)
cli.add_command(members_group)
cli.add_command(report)
cli.add_command(backup)
cli.add_command(restore)


if __name__ == "__main__":
    cli()
