"""The production web server as deploy/systemd/palabre-web.service starts it: gunicorn with
consult.gunicorn_conf, whose workers load the redaction model before their first request."""

import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import stop

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "palabre-web.service"

pytestmark = pytest.mark.slow  # each worker loads spaCy's French model


def exec_start() -> list[str]:
    line = next(line for line in UNIT.read_text().splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_worker_loads_the_model_before_its_first_request(tmp_path):
    command = exec_start()
    assert "python:consult.gunicorn_conf" in command
    command[0] = str(Path(sys.executable).with_name("gunicorn"))  # the unit's /srv/palabre/.venv
    command[command.index("--workers") + 1] = "2"
    port = free_port()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    env = dict(os.environ, PALABRE_INSTANCE_PATH=str(tmp_path / "instance"),
               PALABRE_DATABASE_URL=f"sqlite:///{tmp_path / 'palabre.db'}",
               PALABRE_SECRET_KEY="k" * 40)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while log.read_text().count("redaction model loaded") < 2:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        # Both workers are ready with the model loaded, and no request has been made yet.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as answer:
            assert answer.status == 200
    finally:
        stop(server, grace=30)
    assert server.returncode == 0, log.read_text()
