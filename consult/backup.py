"""Backups of an installation in one tar.gz, and their careful restore.

An archive holds ``manifest.json`` (Palabre's version, the Alembic revision, the database kind,
the time, each other member's sha256 and size), the database (``database/palabre.sqlite3`` or
``database/palabre.pgdump``), the instance keys (``secret_key``, ``pseudonym_key``,
``audit_log.key`` — the log's public key derives from it — and the demo password) and the
uploads waiting to be imported (``uploads/imports/…``).

The standard library is enough, with the SQLAlchemy engine and Alembic scripts the app already
has: ``sqlite3``'s online backup API (``Connection.backup``) copies a consistent snapshot while
the site writes; ``pg_dump``/``pg_restore``/``psql`` know every PostgreSQL object better than a
Python library could; ``tarfile`` over ``gzip`` reads member by member, so sizes are counted as
the bytes arrive (a header is not trusted); ``hashlib`` gives the sums.

A restore checks everything before it changes anything, then replaces the database (SQLite
through the backup API, PostgreSQL in one transaction), the keys, the uploads. No Flask here:
the command line asks for confirmation, runs the migrations and verifies the audit log.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine

FORMAT = "palabre-backup/1"
MANIFEST = "manifest.json"
MIGRATIONS = Path(__file__).parent / "migrations"
KEY_FILES = ("secret_key", "pseudonym_key", "audit_log.key", "demo-password.txt")
UPLOADS = "imports"  # the instance folder's uploads waiting to be imported
DATABASE_MEMBERS = {"sqlite": "database/palabre.sqlite3", "postgresql": "database/palabre.pgdump"}
CHUNK = 1024 * 1024

# libpq's connection parameters that a URL's query may carry, as environment variables: the
# password never appears on a command line.
LIBPQ_ENVIRONMENT = {
    "host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "options": "PGOPTIONS",
    "application_name": "PGAPPNAME", "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS", "passfile": "PGPASSFILE",
    "service": "PGSERVICE", "gssencmode": "PGGSSENCMODE", "channel_binding": "PGCHANNELBINDING",
}


class BackupError(Exception):
    """A backup or restore refused or failed; the message is French / English, on one line."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what a restore reads, in bytes decompressed (and members counted)."""

    member_bytes: int = 64 << 30  # 64 GiB
    total_bytes: int = 128 << 30
    members: int = 100_000


@dataclass
class Backup:
    """An archive read and checked into a staging folder, ready to be restored (and what the
    restore warned about)."""

    manifest: dict
    folder: Path
    warnings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[str]:
        return sorted(n.removeprefix("instance/") for n in self.manifest["files"]
                      if n.startswith("instance/"))

    @property
    def uploads(self) -> int:
        return sum(1 for n in self.manifest["files"] if n.startswith("uploads/"))


def database_kind(engine: Engine) -> str:
    kind = engine.dialect.name
    if kind not in DATABASE_MEMBERS:
        raise BackupError(f"Base de données non prise en charge / unsupported database: {kind}")
    return kind


def known_revisions() -> tuple[set[str], str | None]:
    """Every Alembic revision the code knows, and its head."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    return {s.revision for s in script.walk_revisions()}, script.get_current_head()


def database_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- PostgreSQL through its own tools --------------------------------------------------------


def pg_environment(url: URL) -> dict[str, str]:
    """The environment pg_dump, pg_restore and psql connect with: libpq's PG* variables."""
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    for key, value in url.query.items():
        if key not in LIBPQ_ENVIRONMENT:
            raise BackupError(f"Paramètre de connexion non pris en charge / unsupported "
                              f"connection parameter: {key}")
        env[LIBPQ_ENVIRONMENT[key]] = value if isinstance(value, str) else value[-1]
    return env


def pg_schema(url: URL) -> str | None:
    """The schema the URL's ``options=-csearch_path=…`` selects (the tests' private one)."""
    options = url.query.get("options") or ""
    options = options if isinstance(options, str) else options[-1]
    match = re.search(r"search_path\s*=\s*\"?([^\s,\"]+)", options)
    return match.group(1) if match else None


def _run(command: list[str], env: dict, what: str, **kwargs) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(command, env=env, text=True, stderr=subprocess.PIPE,
                                **{"stdout": subprocess.PIPE, **kwargs})
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} introuvable : installez postgresql-client / "
                          f"{command[0]} not found: install postgresql-client") from error
    if result.returncode != 0:
        detail = " ".join(result.stderr.split())[:800]
        raise BackupError(f"{what} a échoué / failed: {detail}")
    return result


def tool_major(tool: str) -> int:
    """The major version of pg_dump, pg_restore or psql (``pg_dump (PostgreSQL) 15.20``)."""
    out = _run([tool, "--version"], dict(os.environ), tool).stdout
    match = re.search(r"\)\s*(\d+)", out)
    if not match:
        raise BackupError(f"Version de {tool} illisible / unreadable {tool} version: {out!r}")
    return int(match.group(1))


def server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000


def _dump_postgresql(engine: Engine, target: Path) -> dict:
    client, server = tool_major("pg_dump"), server_major(engine)
    if server > client:
        raise BackupError(
            f"pg_dump {client} ne sait pas sauvegarder un serveur PostgreSQL {server} : "
            f"installez postgresql-client-{server} / pg_dump {client} cannot dump a "
            f"PostgreSQL {server} server: install postgresql-client-{server}")
    command = ["pg_dump", "--format=custom", "--no-password", f"--file={target}"]
    if schema := pg_schema(engine.url):
        command.append(f"--schema={schema}")
    _run(command, pg_environment(engine.url), "pg_dump")
    return {"pg_dump_major": client, "server_major": server}


def _dump_tables(dump: Path, env: dict) -> set[str]:
    listing = _run(["pg_restore", "--list", str(dump)], env, "pg_restore --list").stdout
    return {m.group(1) for m in re.finditer(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, re.M)}


def _restore_postgresql(backup: Backup, engine: Engine) -> list[str]:
    """pg_restore's script, run by psql in one transaction: all of it or nothing. Tables the
    backup does not have (a later migration made them) are dropped first, in the same
    transaction, so the migrations can make them again."""
    warnings = []
    env = pg_environment(engine.url)
    client, server = tool_major("pg_restore"), server_major(engine)
    if client < backup.manifest.get("pg_dump_major", 0):
        raise BackupError(
            f"pg_restore {client} ne lit pas une sauvegarde de pg_dump "
            f"{backup.manifest['pg_dump_major']} : installez un postgresql-client plus récent / "
            "pg_restore cannot read a dump from a newer pg_dump: install a newer client")
    if client != server:
        warnings.append(f"pg_restore {client}, serveur / server PostgreSQL {server}")
    dump = backup.folder / DATABASE_MEMBERS["postgresql"]
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar()
        live = set(connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())
    extra = sorted(live - _dump_tables(dump, env))
    prelude = backup.folder / "prelude.sql"
    prelude.write_text("".join(f'DROP TABLE IF EXISTS "{schema}"."{name}" CASCADE;\n'
                               for name in extra), encoding="utf-8")
    script = backup.folder / "restore.sql"
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--file={script}", str(dump)],
         env, "pg_restore")
    engine.dispose()
    _run(["psql", "--no-psqlrc", "--quiet", "--no-password", "--single-transaction",
          "--set=ON_ERROR_STOP=1", f"--file={prelude}", f"--file={script}"],
         env, "psql (pg_restore)", stdout=subprocess.DEVNULL)
    return warnings


# --- SQLite through its online backup API ----------------------------------------------------


def sqlite_path(engine: Engine) -> Path:
    return Path(engine.url.database)


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent snapshot, page by page, while others may be writing."""
    with closing(sqlite3.connect(source, timeout=30)) as src, \
            closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)


def _dump_sqlite(engine: Engine, target: Path) -> dict:
    source = sqlite_path(engine)
    if not source.is_file():
        raise BackupError(f"Base SQLite introuvable / SQLite database not found: {source}")
    _copy_sqlite(source, target)
    with closing(sqlite3.connect(target)) as copy:  # one self-contained file, no -wal beside
        copy.execute("PRAGMA journal_mode=DELETE")
    return {}


def _restore_sqlite(backup: Backup, engine: Engine) -> list[str]:
    engine.dispose()
    try:
        _copy_sqlite(backup.folder / DATABASE_MEMBERS["sqlite"], sqlite_path(engine))
    except sqlite3.Error as error:
        raise BackupError(f"Restauration SQLite impossible (arrêtez le site et le worker) / "
                          f"SQLite restore failed (stop the site and the worker): {error}"
                          ) from error
    return []


# --- Making an archive -----------------------------------------------------------------------


def _stage_instance(instance: Path, staging: Path) -> None:
    (staging / "instance").mkdir()
    for name in KEY_FILES:
        if (instance / name).is_file():
            shutil.copyfile(instance / name, staging / "instance" / name)
    uploads = instance / UPLOADS
    for path in sorted(uploads.rglob("*")) if uploads.is_dir() else ():
        if path.is_file() and not path.is_symlink():
            copy = staging / "uploads" / UPLOADS / path.relative_to(uploads)
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(path, copy)
            except FileNotFoundError:  # an upload imported or forgotten meanwhile
                continue


def create_backup(engine: Engine, instance_path: str | Path, out: Path,
                  now: datetime | None = None) -> dict:
    """Write the archive to ``out`` (owner-readable only: it holds the keys); return its
    manifest. The archive appears under its name only once complete."""
    kind = database_kind(engine)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".palabre-backup-") as folder:
        staging = Path(folder) / "files"
        (staging / "database").mkdir(parents=True)
        revision = database_revision(engine)
        dump = staging / DATABASE_MEMBERS[kind]
        facts = (_dump_sqlite if kind == "sqlite" else _dump_postgresql)(engine, dump)
        _stage_instance(Path(instance_path), staging)
        files = {p.relative_to(staging).as_posix(): p for p in sorted(staging.rglob("*"))
                 if p.is_file()}
        manifest = {
            "format": FORMAT, "palabre_version": metadata.version("palabre"),
            "alembic_revision": revision, "database": kind,
            "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            **facts,
            "files": {name: {"sha256": sha256_of(p), "bytes": p.stat().st_size}
                      for name, p in files.items()},
        }
        body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        partial = Path(folder) / "archive.tar.gz"
        with _owner_only(partial) as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.addfile(_info(MANIFEST, len(body)), io.BytesIO(body))
            for name, path in files.items():
                with path.open("rb") as handle:
                    tar.addfile(_info(name, path.stat().st_size), handle)
        os.replace(partial, out)
    return manifest


def _owner_only(path: Path):
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
    return info


# --- Reading an archive, refusing what is not right ------------------------------------------


class _Bounded:
    """A file object that refuses to yield more than ``limit`` decompressed bytes in all,
    headers included: a tar's headers (pax ones) are read before any check could see them."""

    def __init__(self, raw, limit: int):
        self.raw, self.limit, self.count = raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        if self.count > self.limit:
            raise BackupError(f"Archive trop grande une fois décompressée (plus de "
                              f"{self.limit} octets) / archive too large once decompressed")
        return data


def _allowed(name: str) -> bool:
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    if name.startswith("instance/"):
        return name.removeprefix("instance/") in KEY_FILES
    return name.startswith(f"uploads/{UPLOADS}/")


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if (path.is_absolute() or name.startswith(("/", "\\")) or "\\" in name or ":" in name
            or any(part in ("..", ".", "") for part in name.split("/"))):
        raise BackupError(f"Chemin refusé dans l'archive / path refused in the archive: {name!r}")
    if not _allowed(name):
        raise BackupError(f"Fichier inattendu dans l'archive / unexpected file in the archive: "
                          f"{name!r}")


def _extract(tar: tarfile.TarFile, staging: Path, limits: Limits) -> dict[str, str]:
    """Every member written under ``staging``; their sha256, counted and summed as read."""
    sums: dict[str, str] = {}
    for member in tar:
        _check_name(member.name)
        if not member.isreg():
            raise BackupError(f"Type de fichier refusé (lien, dossier…) / member type refused "
                              f"(link, folder…): {member.name!r}")
        if member.name in sums:
            raise BackupError(f"Fichier en double / duplicate member: {member.name!r}")
        if len(sums) >= limits.members:
            raise BackupError(f"Trop de fichiers dans l'archive / too many members "
                              f"(> {limits.members})")
        too_big = BackupError(f"Fichier trop grand dans l'archive (plus de {limits.member_bytes}"
                              f" octets) / member too large: {member.name!r}")
        if member.size > limits.member_bytes:
            raise too_big
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, written = hashlib.sha256(), 0
        source = tar.extractfile(member)
        with target.open("wb") as handle:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limits.member_bytes:
                    raise too_big
                digest.update(chunk)
                handle.write(chunk)
        sums[member.name] = digest.hexdigest()
    return sums


def _check_manifest(staging: Path, sums: dict[str, str]) -> dict:
    if MANIFEST not in sums:
        raise BackupError("L'archive n'a pas de manifest.json / the archive has no manifest")
    try:
        manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        expected = {name: entry["sha256"] for name, entry in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"manifest.json illisible / unreadable manifest: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu / unknown backup format: "
                          f"{manifest.get('format')!r}")
    present = {name for name in sums if name != MANIFEST}
    if missing := sorted(set(expected) - present):
        raise BackupError(f"Fichier absent de l'archive / member missing: {missing[0]}")
    if unlisted := sorted(present - set(expected)):
        raise BackupError(f"Fichier absent du manifeste / member not in the manifest: "
                          f"{unlisted[0]}")
    for name in sorted(expected):
        if sums[name] != expected[name]:
            raise BackupError(f"Somme sha256 différente du manifeste (fichier altéré) / sha256 "
                              f"differs from the manifest (member altered): {name}")
    kind = manifest.get("database")
    if DATABASE_MEMBERS.get(kind) not in expected:
        raise BackupError("L'archive ne contient pas de base de données / the archive holds "
                          "no database")
    return manifest


def read_backup(archive: Path, staging: Path, limits: Limits = Limits()) -> Backup:
    """Read and check the archive into ``staging``; raise BackupError at the first problem."""
    archive = Path(archive)
    not_archive = BackupError(f"Ce fichier n'est pas une archive tar.gz de Palabre / this file "
                              f"is not a Palabre tar.gz archive: {archive}")
    if not archive.is_file():
        raise BackupError(f"Archive introuvable / archive not found: {archive}")
    with archive.open("rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise not_archive
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                bounded = _Bounded(unzipped, limits.total_bytes)
                with tarfile.open(fileobj=bounded, mode="r|") as tar:
                    sums = _extract(tar, staging, limits)
        except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as error:
            raise not_archive from error
    return Backup(_check_manifest(staging, sums), staging)


def check_restorable(backup: Backup, engine: Engine) -> None:
    """The archive fits this installation: same kind of database, a revision the code knows."""
    kind, theirs = database_kind(engine), backup.manifest["database"]
    if theirs != kind:
        raise BackupError(f"Sauvegarde d'une base {theirs}, cette installation utilise {kind} "
                          f"/ the backup is of a {theirs} database, this installation uses {kind}")
    revision = backup.manifest.get("alembic_revision")
    known, _head = known_revisions()
    if revision is not None and revision not in known:
        raise BackupError(f"Sauvegarde plus récente que ce code (révision {revision}) : mettez "
                          f"Palabre à jour d'abord / the backup is newer than this code "
                          f"(revision {revision}): upgrade Palabre first")


# --- Restoring -------------------------------------------------------------------------------


def _write_owner_only(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.restoring")
    partial.unlink(missing_ok=True)
    with _owner_only(partial) as handle:
        handle.write(data)
    os.replace(partial, path)


def _restore_files(backup: Backup, instance: Path) -> None:
    for name in backup.keys:
        _write_owner_only(instance / name, (backup.folder / "instance" / name).read_bytes())
    uploads, staged = instance / UPLOADS, backup.folder / "uploads" / UPLOADS
    shutil.rmtree(uploads, ignore_errors=True)
    if staged.is_dir():
        shutil.move(staged, uploads)


def restore_backup(archive: Path, engine: Engine, instance_path: str | Path,
                   confirm: Callable[[Backup], bool] = lambda _backup: True,
                   limits: Limits = Limits()) -> Backup | None:
    """Check the archive, ask ``confirm``, then replace the database, the keys and the
    uploads. Nothing is changed when a check fails or ``confirm`` says no (None)."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=instance, prefix=".palabre-restore-") as folder:
        backup = read_backup(archive, Path(folder), limits)
        check_restorable(backup, engine)
        if not confirm(backup):
            return None
        restore = _restore_sqlite if backup.manifest["database"] == "sqlite" else \
            _restore_postgresql
        backup.warnings = restore(backup, engine)
        _restore_files(backup, instance)
        return backup
