"""PostgreSQL stopped and started again under load: members keep sending contributions and votes
through a real HTTP server while the database goes away twice (a fast shutdown, then an
immediate one, as a crash would). While it is down they get a 503 page in their language that
says their text was not recorded and gives it back; once it is up the same app serves them again;
every submission answered with a success is in the database exactly once, none answered with an
error is, and the audit log still verifies.

The server is our own, started from the Debian binaries in a temporary folder on a free port:
the machine's shared PostgreSQL (where other tests run) is never touched. This test does not
depend on PALABRE_TEST_DATABASE_URL, so it runs in both CI runs.
"""

import glob
import html
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlmodel import select

from consult import create_app
from consult.cli import cli
from consult.db import get_session
from consult.migrate import upgrade
from consult.models import AuditEvent, Contribution, Vote
from tests.conftest import app_config
from tests.helpers import Browser, HttpSession, LiveServer, contribute, create

MEMBERS = 5  # each sends contributions and votes from their own thread
OUTAGE_SECONDS = 1.0
RECOVERY_SECONDS = 15  # each member must have been served again within this
WAITING = "Service momentanément indisponible"
NOT_RECORDED = "n'a pas été enregistré"
WAITING_EN = "Service briefly unavailable"
NOT_RECORDED_EN = "was not recorded"


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/pg_ctl): "
                    "apt-get install postgresql to run the restart test")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL server: initdb in a temporary folder, trust authentication,
    listening on 127.0.0.1 only. Run as the `postgres` OS user when we are root."""

    def __init__(self, bin_dir: Path, folder: Path):
        self.bin, self.folder, self.data = bin_dir, folder, folder / "data"
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.folder, user=self.user,
                       check=True, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")

    def start(self) -> None:
        # fsync=off: a stopped server process loses nothing the OS already holds; only a
        # machine crash would, and this test does not crash the machine.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c fsync=off -c max_connections=60")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w",
                  "-o", options, "start")

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@contextmanager
def throwaway_postgres():
    bin_dir = postgres_bin()
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` OS user to run PostgreSQL as")
    folder = Path(tempfile.mkdtemp(prefix="palabre-faults-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    server = Postgres(bin_dir, folder)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop("immediate")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass  # already stopped
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Answer:
    kind: str  # "contribution", "vote" or "page"
    sent: str | int | None  # the text, or the vote's value
    status: int
    location: str
    page: str
    after_restart: int = 0  # how many restarts had finished when it was sent


@dataclass
class Member:
    email: str
    http: HttpSession
    language: str = "fr"
    answers: list[Answer] = field(default_factory=list)


def send(http: HttpSession, path: str, data: dict | None = None) -> tuple[int, str, str]:
    """One request, its redirect not followed: (status, Location, page as read)."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(http.base_url + path, data=body)
    try:
        with http.opener.open(request, timeout=30) as response:
            return response.status, "", html.unescape(response.read().decode())
    except urllib.error.HTTPError as error:
        page = html.unescape(error.read().decode("utf-8", "replace"))
        return error.code, error.headers.get("Location", ""), page


def keep_sending(member: Member, cid: int, target: int, stop: threading.Event,
                 restarts: list[int]) -> None:
    """A member at work: a contribution, a vote on `target` (each one changing their vote, so
    that each accepted vote is a new row), a look at the page; again until told to stop."""
    token = member.http.csrf_token(f"/consultations/{cid}")
    value, number = 1, 0
    while not stop.is_set():
        number += 1
        text = f"{member.email} écrit sa proposition numéro {number} ({uuid.uuid4().hex[:8]})."
        done = restarts[0]
        status, location, page = send(member.http, f"/consultations/{cid}/contribute", {
            "csrf_token": token, "text": text, "stance": "for",
            "submission_key": uuid.uuid4().hex})
        member.answers.append(Answer("contribution", text, status, location, page, done))
        done = restarts[0]
        status, location, page = send(member.http, f"/consultations/contributions/{target}/vote",
                                      {"csrf_token": token, "value": str(value)})
        member.answers.append(Answer("vote", value, status, location, page, done))
        if status == 302:
            value = -value
        done = restarts[0]
        status, location, page = send(member.http, f"/consultations/{cid}")
        member.answers.append(Answer("page", None, status, location, page, done))
        if status == 503:
            time.sleep(0.1)  # as a person would, rather than a loop spinning on the error page


def accepted(answer: Answer) -> bool:
    if answer.kind == "contribution":
        return answer.status == 302 and "mes-contributions" in answer.location
    return answer.status in (200, 302)


def served_since(members: list[Member], restarts: int) -> bool:
    return all(any(accepted(a) and a.after_restart >= restarts for a in m.answers)
               for m in members)


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def setup_consultation(app) -> tuple[int, list[str], dict[str, int]]:
    """A facilitator, MEMBERS members who have accepted the notice and written one contribution
    each (the one the previous member votes on)."""
    from consult.services import auth, members
    from consult.services.cooperative import create_college
    from tests.helpers import TEST_PASSWORD

    with app.app_context():
        db = get_session()
        staff = create_college(db, None, name="Salariés", vote_weight=100)

        def add(email, roles=("member",)):
            link = members.invite_member(db, None, email=email, display_name=email.split("@")[0],
                                         college_id=staff.id, roles=roles)
            auth.set_password_with_token(db, link.token, members.INVITATION, TEST_PASSWORD,
                                         TEST_PASSWORD)

        add("anim@coop.example", roles=("facilitator",))
        emails = [f"membre{n}@coop.example" for n in range(MEMBERS)]
        for email in emails:
            add(email)
    cid, _ = create(app, {"staff": staff})
    first = {}
    for email in emails:
        browser = Browser(app.test_client())
        assert browser.login(email).status_code == 302
        assert contribute(browser, cid, f"Première idée de {email}.").status_code == 302
    with app.app_context():
        for row in get_session().exec(select(Contribution)):
            first[row.text.removeprefix("Première idée de ").rstrip(".")] = row.id
    return cid, emails, first


def test_postgres_stopped_twice_under_load_loses_nothing_and_the_app_recovers(tmp_path):
    started = time.monotonic()
    with throwaway_postgres() as postgres:
        app = create_app(app_config(postgres.url, tmp_path / "instance", TESTING=False))
        engine = app.extensions["palabre_engine"]
        upgrade(engine)
        cid, emails, first = setup_consultation(app)
        with LiveServer(app) as server:
            members = []
            for number, email in enumerate(emails):
                member = Member(email, HttpSession(server.url), "en" if number == 0 else "fr")
                assert member.http.login(email) == 302
                if member.language == "en":
                    member.http.request("/language/en?next=/")
                members.append(member)
            stop, restarts = threading.Event(), [0]
            threads = [threading.Thread(target=keep_sending, daemon=True, args=(
                m, cid, first[emails[(n + 1) % MEMBERS]], stop, restarts))
                for n, m in enumerate(members)]
            for thread in threads:
                thread.start()
            try:
                assert wait_until(lambda: served_since(members, 0), RECOVERY_SECONDS)
                for mode in ("fast", "immediate"):
                    postgres.stop(mode)
                    time.sleep(OUTAGE_SECONDS)
                    postgres.start()
                    restarts[0] += 1
                    assert wait_until(lambda: served_since(members, restarts[0]),
                                      RECOVERY_SECONDS), f"not served again after a {mode} stop"
            finally:
                stop.set()
                for thread in threads:
                    thread.join(timeout=30)
        answers = [(m, a) for m in members for a in m.answers]
        statuses = Counter(a.status for _m, a in answers)
        assert set(statuses) <= {200, 302, 503}, statuses  # never a 500, never a traceback
        refused = [(m, a) for m, a in answers if a.status == 503]
        assert len(refused) >= 2, f"the outages were not seen: {statuses}"
        for member, answer in refused:
            waiting, unrecorded = ((WAITING, NOT_RECORDED) if member.language == "fr"
                                   else (WAITING_EN, NOT_RECORDED_EN))
            assert waiting in answer.page and "Traceback" not in answer.page
            if answer.kind == "contribution":
                assert unrecorded in answer.page
                assert f">{answer.sent}</textarea>" in answer.page  # given back to copy
        assert any(m.language == "en" for m, _a in refused), "the English page was not seen"

        with app.app_context():
            db = get_session()
            stored = Counter(c.text for c in db.exec(select(Contribution)))
            votes = {}
            for vote in db.exec(select(Vote).order_by(Vote.id)):
                votes.setdefault(vote.contribution_id, []).append(vote.value)
            kinds = Counter(e.event_type for e in db.exec(select(AuditEvent)))
        for _member, answer in answers:
            if answer.kind == "contribution":
                assert stored[answer.sent] == (1 if accepted(answer) else 0), answer
        assert kinds["ContributionSubmitted"] == sum(stored.values())  # each with its event
        assert kinds["VoteCast"] == sum(len(v) for v in votes.values())
        for number, member in enumerate(members):
            target = first[emails[(number + 1) % MEMBERS]]
            sent = [a.sent for a in member.answers if a.kind == "vote" and accepted(a)]
            assert votes.get(target, []) == sent  # each accepted vote once, in order
        verify = app.test_cli_runner().invoke(cli, ["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        engine.dispose()
    assert time.monotonic() - started < 60
