"""The deployment samples work as written: the systemd units parse, and every `palabre` command
and `PALABRE_*` setting that docs/deploy.md and deploy/ name exists in the code."""

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import click
import pytest

from consult.cli import cli
from consult.config import SETTINGS_BY_NAME

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("palabre-*"))
SERVICES = [u for u in UNITS if u.suffix == ".service"]
TIMERS = [u for u in UNITS if u.suffix == ".timer"]
NGINX = DEPLOY / "nginx" / "palabre.conf"
ENV_EXAMPLE = DEPLOY / "palabre.env.example"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
HARDENING = {
    "NoNewPrivileges": "true",
    "ProtectSystem": "strict",
    "ProtectHome": "true",
    "PrivateTmp": "true",
    "PrivateDevices": "true",
    "UMask": "0077",
}


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """A unit file as systemd reads it: sections of (key, value), keys repeatable."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"a key outside any section: {line}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line}"
        current.append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit: dict, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}: {found}"
    return found[0]


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_the_samples_are_there():
    names = {u.name for u in UNITS}
    assert {"palabre-web.service", "palabre-worker.service", "palabre-close-due.service",
            "palabre-close-due.timer", "palabre-backup.service", "palabre-backup.timer"} <= names
    assert NGINX.exists() and ENV_EXAMPLE.exists()


# systemd-analyze refuses a unit whose executable is missing: the copies run /bin/true instead.
def _runnable_copy(unit: Path, folder: Path) -> Path:
    lines = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key in {"ExecStart", "ExecReload"} and not Path(shlex.split(value)[0]).exists():
            line = f"{key}=/bin/true"
        lines.append(line)
    copy = folder / unit.name
    copy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return copy


def _verify(paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, paths)],
                          capture_output=True, text=True, timeout=60)


def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed: the units' syntax is checked by "
                    "test_every_unit_has_the_sections_and_keys_it_needs only")
    known_good = tmp_path / "good" / "palabre-probe.service"
    known_good.parent.mkdir()
    known_good.write_text("[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n")
    if _verify([known_good]).returncode != 0:
        pytest.skip("systemd-analyze cannot verify units on this machine (no systemd manager)")
    copies = [_runnable_copy(unit, tmp_path) for unit in UNITS]
    result = _verify(copies)
    # Unknown keys and bad values are only warnings for systemd: any line about our files fails.
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if str(tmp_path) in line or "palabre-" in line]
    assert result.returncode == 0 and complaints == [], result.stdout + result.stderr


def test_the_verification_would_catch_a_misspelt_key(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    unit = tmp_path / "palabre-typo.service"
    unit.write_text("[Unit]\nDescription=typo\n[Service]\nExecStart=/bin/true\n"
                    "ProtectSytem=strict\n")
    result = _verify([unit])
    assert "ProtectSytem" in result.stdout + result.stderr


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_service_has_the_sections_and_keys_it_needs(path):
    unit = parse_unit(path.read_text(encoding="utf-8"))
    assert one(unit, "Unit", "Description")
    assert one(unit, "Service", "User") == "palabre"
    assert one(unit, "Service", "WorkingDirectory") == "/srv/palabre"
    assert one(unit, "Service", "EnvironmentFile") == "/etc/palabre/env"
    assert one(unit, "Service", "ExecStart")
    for key, value in HARDENING.items():
        assert one(unit, "Service", key) == value, key
    instance = env_example()["PALABRE_INSTANCE_PATH"]
    assert instance in values(unit, "Service", "ReadWritePaths")
    assert "/var/lib/" + one(unit, "Service", "StateDirectory") == instance
    kind = one(unit, "Service", "Type")
    if path.with_suffix(".timer").exists():
        assert kind == "oneshot" and "Install" not in unit, "a timer starts it"
    else:
        assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("path", TIMERS, ids=lambda p: p.name)
def test_every_timer_has_its_service_and_a_schedule(path):
    unit = parse_unit(path.read_text(encoding="utf-8"))
    assert path.with_suffix(".service").exists()
    assert one(unit, "Timer", "OnCalendar")
    assert one(unit, "Timer", "Persistent") == "true"
    assert one(unit, "Install", "WantedBy") == "timers.target"


def test_the_web_serves_the_app_factory_with_several_gunicorn_workers():
    unit = parse_unit((DEPLOY / "systemd" / "palabre-web.service").read_text(encoding="utf-8"))
    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv[0] == "/srv/palabre/.venv/bin/gunicorn"
    assert argv[-1] == "consult:create_app()"
    assert int(argv[argv.index("--workers") + 1]) > 1
    import consult

    assert callable(consult.create_app)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    assert any(req.startswith("gunicorn") for req in extras["production"])
    # The proxy sends to the address gunicorn listens on, and that address is a trusted proxy's
    # peer: a TCP address, not a Unix socket.
    bind = argv[argv.index("--bind") + 1]
    assert f"server {bind};" in NGINX.read_text(encoding="utf-8")
    assert bind.split(":")[0] in env_example()["PALABRE_TRUSTED_PROXIES"].split(",")


def test_analyses_give_way_to_the_web_and_the_load_bench_runs_them_so():
    """The worker runs at a lower priority than gunicorn, and bench/load starts it likewise."""
    import importlib.util

    worker = parse_unit((DEPLOY / "systemd" / "palabre-worker.service").read_text("utf-8"))
    web = parse_unit((DEPLOY / "systemd" / "palabre-web.service").read_text("utf-8"))
    nice = int(one(worker, "Service", "Nice"))
    assert nice > int((values(web, "Service", "Nice") or ["0"])[0])
    spec = importlib.util.spec_from_file_location("bench_load_run",
                                                  ROOT / "bench" / "load" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    assert run.worker_nice() == nice


def test_the_backup_unit_agrees_with_admin_md():
    admin = (ROOT / "docs" / "admin.md").read_text(encoding="utf-8")
    block = admin.split("# /etc/systemd/system/palabre-backup.service\n")[1].split("```")[0]
    service_text, timer_text = block.split("# /etc/systemd/system/palabre-backup.timer\n")
    documented, ours = parse_unit(service_text), parse_unit(
        (DEPLOY / "systemd" / "palabre-backup.service").read_text(encoding="utf-8"))
    for key, value in documented["Service"]:
        assert one(ours, "Service", key) == value, key
    timer = parse_unit((DEPLOY / "systemd" / "palabre-backup.timer").read_text(encoding="utf-8"))
    assert parse_unit(timer_text)["Timer"] == timer["Timer"]
    out = shlex.split(one(ours, "Service", "ExecStart"))[-1].split("--out ")[1]
    assert Path(out).parent.as_posix() in values(ours, "Service", "ReadWritePaths")


def test_nginx_sample_passes_the_headers_and_a_body_limit_consistent_with_palabre():
    conf = NGINX.read_text(encoding="utf-8")
    for header in ("Host $host", "X-Forwarded-For $proxy_add_x_forwarded_for",
                   "X-Forwarded-Proto $scheme", "X-Forwarded-Host $host"):
        assert f"proxy_set_header {header};" in conf
    limit_mb = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    palabre_mb = int(env_example().get("PALABRE_MAX_UPLOAD_MB",
                                       SETTINGS_BY_NAME["PALABRE_MAX_UPLOAD_MB"].default))
    assert palabre_mb == SETTINGS_BY_NAME["PALABRE_MAX_UPLOAD_MB"].default
    # A little over Palabre's own limit: Palabre answers a body just too large with its page.
    assert palabre_mb < limit_mb <= palabre_mb + 2
    assert "Strict-Transport-Security" not in conf.replace("# Strict-Transport-Security", "")
    assert "ssl_certificate " in conf and "return 301 https://" in conf


def _documented_files() -> list[Path]:
    return [DEPLOY_DOC, NGINX, ENV_EXAMPLE, *UNITS]


# `palabre db upgrade`, `.venv/bin/palabre worker --workers 2`, or a code line starting with it.
COMMAND = re.compile(r"(?:`|\.venv/bin/|^\s*)palabre((?: [a-z][a-z-]*| --[a-z-]+)+)", re.M)


def _resolve(words: list[str]) -> click.Command:
    command: click.Command = cli
    while words and isinstance(command, click.Group) and not words[0].startswith("--"):
        name = words.pop(0)
        assert name in command.commands, f"palabre … {name}: no such command"
        command = command.commands[name]
    assert not isinstance(command, click.Group) or not words, f"{command.name} needs a command"
    return command


def test_every_palabre_command_named_exists():
    seen = set()
    for path in _documented_files():
        for match in COMMAND.finditer(path.read_text(encoding="utf-8")):
            words = match.group(1).split()
            command = _resolve(list(words))
            options = {opt for param in command.params for opt in param.opts}
            for word in words:
                if word.startswith("--"):
                    assert word in options, f"palabre {' '.join(words)}: no option {word}"
            seen.add(" ".join(w for w in words if not w.startswith("--")))
    assert {"db upgrade", "worker", "jobs close-due", "backup", "restore"} <= seen, seen


def test_a_misspelt_command_would_be_caught():
    with pytest.raises(AssertionError):
        _resolve(["jobs", "close-overdue"])


def test_every_setting_named_exists():
    named, families = set(), set()
    for path in _documented_files():
        for name, family in re.findall(r"(PALABRE_[A-Z_]*[A-Z])(_…)?",
                                       path.read_text(encoding="utf-8")):
            (families if family else named).add(name)
    assert {name for name in named if name not in SETTINGS_BY_NAME} == set()
    # `PALABRE_MAIL_…` stands for a family of settings
    assert {f for f in families
            if not any(name.startswith(f + "_") for name in SETTINGS_BY_NAME)} == set()
    assert {"PALABRE_DATABASE_URL", "PALABRE_REDIS_URL", "PALABRE_TRUSTED_PROXIES",
            "PALABRE_SECRET_KEY", "PALABRE_PSEUDONYM_KEY", "PALABRE_INSTANCE_PATH"} <= named


def test_the_documentation_links_to_the_deployment_guide():
    assert "(deploy.md)" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
