"""`palabre backup` and `palabre restore` on the real database (SQLite, or PostgreSQL when
PALABRE_TEST_DATABASE_URL is set): a round trip that brings back the data, the keys and the
uploads and leaves an audit log whose history and latest checkpoint verify; and every archive a
restore must refuse, each leaving the installation exactly as it was."""

import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from sqlmodel import select

from consult import backup as backups
from consult.cli import cli
from consult.db import get_engine, get_session
from consult.models import College, Consultation
from tests.helpers import POSTGRES_URL, create
from tests.unit.test_architecture import FLASK, import_with_blocked

KEYS = ("secret_key", "pseudonym_key", "audit_log.key")


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(cli, [str(a) for a in args], input=input)


def college_names(app):
    with app.app_context():
        return sorted(c.name for c in get_session().exec(select(College)))


def snapshot(app):
    """What a refused restore must not touch: the rows, the keys, the instance's files."""
    instance = Path(app.instance_path)
    files = {p.relative_to(instance).as_posix(): p.read_bytes()
             for p in sorted(instance.rglob("*")) if p.is_file() and "jobs" not in p.name
             and not p.name.startswith("palabre.sqlite3")}
    return college_names(app), files


@pytest.fixture
def coop_app(app, coop):
    """A cooperative with a consultation, keys in the instance folder, a signed checkpoint
    and an upload waiting to be imported."""
    instance = Path(app.instance_path)
    (instance / "secret_key").write_text("the-instance-secret-key-" + "s" * 32)
    create(app, coop)
    assert run(app, "audit", "checkpoint").exit_code == 0
    upload = instance / "imports" / "abc123"
    upload.mkdir(parents=True)
    (upload / "meta.json").write_text('{"file_name": "réponses.csv"}', encoding="utf-8")
    (upload / "source.csv").write_bytes("texte\nUne réponse\n".encode())
    return app


@pytest.fixture
def archive(coop_app, tmp_path):
    out = tmp_path / "backups" / "palabre.tar.gz"
    result = run(coop_app, "backup", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive whose members ``change(members)`` edited (a dict name → bytes)."""
    with tarfile.open(archive, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    change(members)
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def test_backup_holds_the_database_keys_uploads_and_a_manifest(coop_app, archive):
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        contents = {m.name: tar.extractfile(m).read() for m in tar if m.name != "manifest.json"}
    kind = "postgresql" if POSTGRES_URL else "sqlite"
    assert names[0] == "manifest.json"
    assert manifest["database"] == kind and manifest["format"] == backups.FORMAT
    assert manifest["alembic_revision"] == backups.known_revisions()[1]
    assert manifest["palabre_version"] and manifest["created_at"]
    assert set(manifest["files"]) == set(contents)
    assert backups.DATABASE_MEMBERS[kind] in contents
    for key in KEYS:
        assert contents[f"instance/{key}"] == (Path(coop_app.instance_path) / key).read_bytes()
    assert "uploads/imports/abc123/source.csv" in contents
    import hashlib
    for name, data in contents.items():
        assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert archive.stat().st_mode & 0o077 == 0  # it holds the keys: its owner's eyes only


def test_restore_brings_back_data_keys_uploads_and_a_log_that_verifies(coop_app, archive,
                                                                       people):
    instance = Path(coop_app.instance_path)
    before_names = college_names(coop_app)
    keys = {key: (instance / key).read_bytes() for key in KEYS}
    # Life goes on after the backup: a college, events, a key lost, an upload gone.
    people.college("Collège arrivé après", 10)
    assert run(coop_app, "audit", "checkpoint").exit_code == 0
    (instance / "pseudonym_key").write_text("another key")
    (instance / "audit_log.key").unlink()
    (instance / "imports" / "abc123" / "source.csv").unlink()

    result = run(coop_app, "restore", "--yes", archive)

    assert result.exit_code == 0, result.output
    assert "Journal d'audit OK" in result.output and "signature vérifiée" in result.output
    assert college_names(coop_app) == before_names
    with coop_app.app_context():
        assert get_session().exec(select(Consultation)).one().title == "IA et bénévolat"
    for key, data in keys.items():
        assert (instance / key).read_bytes() == data
        assert (instance / key).stat().st_mode & 0o077 == 0
    assert (instance / "imports" / "abc123" / "source.csv").read_bytes().startswith(b"texte")
    assert not list(instance.glob(".palabre-restore-*"))
    verified = run(coop_app, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    # The restored site keeps working: a new event is appended to the restored log.
    people.college("Collège après restauration", 10)
    assert run(coop_app, "audit", "verify").exit_code == 0


def test_restore_asks_first_and_a_no_changes_nothing(coop_app, archive, people):
    people.college("Collège arrivé après", 10)
    before = snapshot(coop_app)
    result = run(coop_app, "restore", archive, input="n\n")
    assert result.exit_code == 2 and "rien n'a été changé" in result.output
    assert snapshot(coop_app) == before


def refused(app, archive, *options):
    before = snapshot(app)
    result = run(app, "restore", "--yes", *options, archive)
    assert result.exit_code == 2, result.output
    assert "rien n'a été changé / nothing was changed" in result.output
    assert snapshot(app) == before
    return result.output


def test_a_tampered_member_is_refused(coop_app, archive, tmp_path):
    def swap_key(members):
        members["instance/pseudonym_key"] = b"a key an attacker chose"

    output = refused(coop_app, rewrite(archive, tmp_path / "t.tar.gz", swap_key))
    assert "sha256" in output and "instance/pseudonym_key" in output


def test_a_member_missing_from_the_manifest_is_refused(coop_app, archive, tmp_path):
    def add(members):
        members["uploads/imports/zzz/extra.csv"] = b"x"

    assert "absent du manifeste" in refused(coop_app, rewrite(archive, tmp_path / "t.tar.gz",
                                                              add))


@pytest.mark.parametrize("name", ["../escape.txt", "/tmp/palabre-escape.txt",
                                  "uploads/imports/../../../escape.txt", "instance/../x"])
def test_a_path_outside_the_archive_is_refused(coop_app, archive, tmp_path, name):
    def add(members):
        members[name] = b"written where it should not be"

    output = refused(coop_app, rewrite(archive, tmp_path / "t.tar.gz", add))
    assert "Chemin refusé" in output
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/palabre-escape.txt").exists()


def test_a_link_member_is_refused(coop_app, archive, tmp_path):
    out = tmp_path / "link.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        info = tarfile.TarInfo("instance/secret_key")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    assert "Type de fichier refusé" in refused(coop_app, out)


def test_an_oversized_member_is_refused_while_reading(coop_app, archive, tmp_path):
    def big(members):  # 3 MB of zeros: a few kilobytes once compressed
        members["uploads/imports/abc123/source.csv"] = bytes(3 * 1024 * 1024)

    bomb = rewrite(archive, tmp_path / "bomb.tar.gz", big)
    assert bomb.stat().st_size < 100_000
    assert "trop grand" in refused(coop_app, bomb, "--max-size-mb", "1")


def test_the_whole_archive_is_bounded_once_decompressed(coop_app, archive, tmp_path):
    def many(members):
        for i in range(4):
            members[f"uploads/imports/abc123/part{i}.csv"] = bytes(512 * 1024)

    bomb = rewrite(archive, tmp_path / "bomb.tar.gz", many)
    before = snapshot(coop_app)
    # Each file within its bound (the database file's size depends on the tests run before),
    # all of them together 2 MiB over the whole's.
    with tarfile.open(archive, "r:gz") as source:
        original = sum(member.size for member in source)
    limits = backups.Limits(member_bytes=1024 * 1024 * 1024, total_bytes=original + 1024 * 1024)
    with coop_app.app_context(), pytest.raises(backups.BackupError, match="trop grande"):
        backups.restore_backup(bomb, get_engine(), coop_app.instance_path, limits=limits)
    assert snapshot(coop_app) == before


@pytest.mark.parametrize("content", [b"not an archive at all\n", b"\x1f\x8b\x08garbage",
                                     "tar"], ids=["text", "broken-gzip", "plain-tar"])
def test_a_file_that_is_not_a_tar_gz_is_refused(coop_app, archive, tmp_path, content):
    path = tmp_path / "not.tar.gz"
    if content == "tar":
        with tarfile.open(archive, "r:gz") as source, tarfile.open(path, "w") as plain:
            for member in source:
                plain.addfile(member, source.extractfile(member))
    else:
        path.write_bytes(content)
    assert "n'est pas une archive tar.gz" in refused(coop_app, path)


def test_a_truncated_archive_is_refused(coop_app, archive, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused(coop_app, cut)


def test_a_backup_newer_than_the_code_is_refused(coop_app, archive, tmp_path):
    def newer(members):
        manifest = json.loads(members["manifest.json"])
        manifest["alembic_revision"] = "9999_from_the_future"
        members["manifest.json"] = json.dumps(manifest).encode()

    assert "plus récente que ce code" in refused(coop_app, rewrite(archive, tmp_path / "n.tar.gz",
                                                                   newer))


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite's online backup")
def test_sqlite_backup_runs_while_another_connection_writes(coop_app, tmp_path):
    with coop_app.app_context():
        path = backups.sqlite_path(get_engine())
    writer = sqlite3.connect(path, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE college SET name = name || ' (pas encore validé)'")
        result = run(coop_app, "backup", "--out", tmp_path / "live.tar.gz")
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    with tarfile.open(tmp_path / "live.tar.gz", "r:gz") as tar:
        tar.extract("database/palabre.sqlite3", tmp_path, filter="data")
    with sqlite3.connect(tmp_path / "database" / "palabre.sqlite3") as copy:
        names = {row[0] for row in copy.execute("SELECT name FROM college")}
    assert not any("pas encore" in n for n in names) and names == set(college_names(coop_app))


def test_pg_environment_keeps_the_password_off_the_command_line():
    from sqlalchemy.engine import make_url

    url = make_url("postgresql+psycopg://palabre:s%40cret@db.example:6543/coop?sslmode=require"
                   "&options=-csearch_path%3Dprivate")
    env = backups.pg_environment(url)
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"],
            env["PGDATABASE"], env["PGSSLMODE"]) == ("db.example", "6543", "palabre", "s@cret",
                                                       "coop", "require")
    assert backups.pg_schema(url) == "private"
    with pytest.raises(backups.BackupError, match="unsupported connection parameter"):
        backups.pg_environment(make_url("postgresql://u@h/d?surprise=1"))


def test_the_backup_module_imports_without_flask():
    result = import_with_blocked(["consult.backup"], FLASK)
    assert result.returncode == 0, result.stderr


def test_a_pg_dump_older_than_the_server_says_which_client_to_install(monkeypatch, tmp_path):
    from sqlalchemy.engine import make_url

    class Server:
        url = make_url("postgresql+psycopg://palabre@db.example/coop")

    monkeypatch.setattr(backups, "tool_major", lambda tool: 15)
    monkeypatch.setattr(backups, "server_major", lambda engine: 17)
    with pytest.raises(backups.BackupError, match="install postgresql-client-17"):
        backups._dump_postgresql(Server(), tmp_path / "dump")
    assert not (tmp_path / "dump").exists()
