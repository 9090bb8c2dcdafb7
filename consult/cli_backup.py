"""`palabre backup` and `palabre restore`: the database, the instance keys and the uploads in
one archive, and back (the work is in :mod:`consult.backup`)."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .cli_nlp import CliError

MB = 1024 * 1024


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The archive to write, e.g. palabre-2025-01-31.tar.gz.")
@with_appcontext
def backup(out: Path) -> None:
    """Sauvegarder la base, les clés et les fichiers / back up the database, keys and files."""
    from .backup import BackupError, create_backup
    from .db import get_engine

    try:
        manifest = create_backup(get_engine(), current_app.instance_path, out)
    except (BackupError, OSError) as error:
        raise CliError(f"Sauvegarde impossible / backup failed: {error}") from error
    keys = [n.removeprefix("instance/") for n in manifest["files"] if n.startswith("instance/")]
    click.echo(f"{out} : base {manifest['database']} (révision / revision "
               f"{manifest['alembic_revision']}), clés / keys: {', '.join(keys) or '—'}, "
               f"{len(manifest['files'])} fichiers / files, {out.stat().st_size} octets / bytes")
    for setting, name in (("PALABRE_SECRET_KEY", "secret_key"),
                          ("PALABRE_PSEUDONYM_KEY", "pseudonym_key")):
        if name not in keys:
            click.echo(f"Note : {setting} vient de l'environnement, gardez-le avec la "
                       f"configuration / comes from the environment: keep it with the "
                       f"configuration.", err=True)


def _describe(backup) -> str:
    manifest = backup.manifest
    return (f"Sauvegarde du {manifest['created_at']} (Palabre {manifest['palabre_version']}, "
            f"base {manifest['database']}, révision {manifest['alembic_revision']}), clés / keys: "
            f"{', '.join(backup.keys) or '—'}, {backup.uploads} fichier(s) en attente d'import "
            f"/ upload(s)")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--max-size-mb", type=int, default=64 * 1024, show_default=True,
              help="Largest file accepted in the archive once decompressed, in megabytes.")
@with_appcontext
def restore(archive: Path, yes: bool, max_size_mb: int) -> None:
    """Restaurer une sauvegarde (remplace la base et les clés) / restore a backup (replaces
    the database and the keys), then migrate and verify the audit log."""
    from .backup import BackupError, Limits, restore_backup
    from .db import get_engine, get_session
    from .migrate import upgrade

    def confirm(backup) -> bool:
        click.echo(_describe(backup))
        return yes or click.confirm(
            "Remplacer la base et les clés actuelles ? / replace the current database and keys?")

    limits = Limits(member_bytes=max_size_mb * MB, total_bytes=2 * max_size_mb * MB)
    engine = get_engine()
    try:
        done = restore_backup(archive, engine, current_app.instance_path, confirm, limits)
    except BackupError as error:
        raise CliError(f"{error} — rien n'a été changé / nothing was changed.") from error
    except OSError as error:
        raise CliError(f"Restauration impossible / restore failed: {error}") from error
    if done is None:
        raise CliError("Restauration annulée : rien n'a été changé / restore cancelled: "
                       "nothing was changed.")
    for warning in done.warnings:
        click.echo(f"Attention / warning: {warning}", err=True)
    upgrade(engine)
    click.echo(f"Restauré / restored: base, clés / keys ({', '.join(done.keys) or '—'}), "
               f"{done.uploads} fichier(s) / file(s); migrations appliquées / migrated to head.")
    lines, ok = audit_check(get_session())
    for line in lines:
        click.echo(line, err=not ok)
    if not ok:
        raise SystemExit(1)


def audit_check(session) -> tuple[list[str], bool]:
    """The check `palabre audit verify` does, with the restored key, and the latest checkpoint."""
    from ethics_register import CheckpointError, verify_checkpoint

    from .cli_audit import problems_of
    from .services.audit_log import latest_checkpoint, signer_for, verify_log

    verifier = signer_for(current_app.config).verifier()
    result = verify_log(session, verifier)
    report, lines = result.report, []
    latest = latest_checkpoint(session)
    if latest is not None:
        try:
            verify_checkpoint(latest.note, verifier)
        except CheckpointError as error:
            lines.append(f"Dernier point de contrôle invalide / latest checkpoint invalid: {error}")
            return lines, False
    lines += problems_of(result)
    if lines:
        return ["Journal d'audit : ÉCHEC / audit log: FAILED", *lines], False
    where = (f"dernier point de contrôle / latest checkpoint: {latest.tree_size} événements / "
             f"events, signature vérifiée / signature verified" if latest is not None else
             "aucun point de contrôle / no checkpoint yet")
    return [f"Journal d'audit OK / audit log OK: {report.size} événements / events, racine / "
            f"root {report.root.hex()}; {where}"], True
