"""Palabre under load, run the way production runs it, then the exactly-once check.

    .venv/bin/python bench/load/run.py                      # 60 s, the default mix
    .venv/bin/python bench/load/run.py --time 30 --users 40 --gunicorn-workers 3

It creates a PostgreSQL database of its own (dropped and created again at each run), uses one
Redis database number of its own (flushed, that one only), loads the demo cooperative and
--members more members, then starts gunicorn (as deploy/systemd/palabre-web.service does, in
production mode, behind a "proxy" at 127.0.0.1) and `palabre worker --workers 2` (the queue's
one consumer with two worker threads, as palabre-worker.service). locust, in its own virtualenv
(bench/load/.venv, made on first use so that it never changes the project's), then plays the
members from 127.0.0.1 (bench/load/locustfile.py) for --time seconds or --max-submissions
submissions, whichever comes first. Everything started is stopped at the end, on failure and
on Ctrl-C. It prints throughput and latencies, the CPU each part used, and whether every
accepted submission is in the database exactly once. It measures; it does not pass or fail
on time (its exit status is 1 only when the exactly-once check fails).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
BIN = ROOT / ".venv" / "bin"
LOAD_VENV = HERE / ".venv"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from check import check_exactly_once, read_outcomes  # noqa: E402

HOST_NAME = "palabre.localhost"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--max-submissions", type=int, default=30_000,
                        help="stop after this many submissions (default 30000)")
    parser.add_argument("--users", type=int, default=60, help="simulated people (default 60)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started per second")
    parser.add_argument("--members", type=int, default=0,
                        help="members added to the demo (default: --users + 10)")
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--cold", action="store_true",
                        help="without consult/gunicorn_conf.py (which the deployed unit uses): "
                        "each worker loads the redaction model on its first contribution, "
                        "under load")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="palabre_load")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432",
                        help="PostgreSQL server, without database name")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="Redis server")
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--no-analysis", action="store_true",
                        help="no facilitator keeping an analysis running, and the load starts "
                        "once the demo's own analyses have ended")
    parser.add_argument("--only", nargs="+", metavar="CLASS",
                        help="these people of locustfile.py only (e.g. Voter)")
    parser.add_argument("--json", type=Path,
                        help="also write the submissions' rate and latencies to this file")
    parser.add_argument("--profile", type=Path,
                        help="py-spy the gunicorn workers during the load into this file (.svg: a "
                        "flame graph; otherwise collapsed stacks)")
    parser.add_argument("--keep", type=Path, help="keep the run's files in this folder")
    return parser.parse_args(argv)


def ensure_tools() -> None:
    """gunicorn in the project's .venv (its `production` extra); locust in a venv of its own."""
    if not (BIN / "gunicorn").exists():
        subprocess.run([BIN / "python", "-m", "pip", "install", "--quiet",
                        "gunicorn>=25.1,<28"], check=True)
    if not (LOAD_VENV / "bin" / "locust").exists():
        subprocess.run(["python3", "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run([LOAD_VENV / "bin" / "pip", "install", "--quiet", "locust", "py-spy"],
                       check=True)


def fresh_database(args) -> str:
    """Drop and create the run's own database; flush the run's own Redis database."""
    server = args.pg.rstrip("/")
    admin = f"{server}/postgres"
    subprocess.run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{args.database}" '
                    "WITH (FORCE)"], check=True)
    subprocess.run(["psql", admin, "-qc", f'CREATE DATABASE "{args.database}"'], check=True)
    subprocess.run(["redis-cli", "-u", f"{args.redis}/{args.redis_db}", "FLUSHDB"], check=True,
                   stdout=subprocess.DEVNULL)
    return f"{server}/{args.database}"


def environment(args, database_url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "PALABRE_ENV": "production",
        "PALABRE_INSTANCE_PATH": str(instance),
        "PALABRE_DATABASE_URL": database_url,
        "PALABRE_REDIS_URL": f"{args.redis}/{args.redis_db}",
        "PALABRE_SECRET_KEY": secrets.token_urlsafe(48),
        "PALABRE_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "PALABRE_BASE_URL": f"https://{HOST_NAME}",
        "PALABRE_TRUSTED_PROXIES": "127.0.0.1",
        "PALABRE_MAIL_SERVER": "",
        "FLASK_APP": "consult:create_app()",
    })
    return env


def seed(env: dict[str, str], members: int) -> tuple[list[str], str, str]:
    """The demo cooperative plus `members` members of its own; returns their e-mails, the
    shared password and the demo facilitator's e-mail."""
    subprocess.run([BIN / "palabre", "db", "upgrade"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([BIN / "palabre", "demo", "load"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.environ.update({k: v for k, v in env.items() if k.startswith("PALABRE_")})
    from sqlmodel import select

    from consult import audit, create_app, events
    from consult.db import get_session
    from consult.demo import MEMBERS, email_for
    from consult.models import College, Member, MemberToken, utcnow
    from consult.services.members import invite_member

    app = create_app()
    with app.app_context():
        session = get_session()
        password_hash = session.exec(
            select(Member.password_hash).where(Member.email == email_for(MEMBERS[0][0]))).one()
        colleges = session.exec(select(College.id).order_by(College.id)).all()
        emails = []
        for index in range(members):
            email = f"charge.{index:05d}@load.example.org"
            link = invite_member(session, None, email=email, display_name=f"Charge {index}",
                                 college_id=colleges[index % len(colleges)])
            link.member.password_hash = password_hash
            for token in session.exec(select(MemberToken)
                                      .where(MemberToken.member_id == link.member.id)):
                token.used_at = utcnow()
                session.add(token)
            session.add(link.member)
            audit.record_event(session, events.MemberPasswordSet(
                actor=None, object_id=link.member.ref, purpose="demo"))
            session.commit()
            emails.append(email)
    password = (Path(env["PALABRE_INSTANCE_PATH"]) / "demo-password.txt").read_text().strip()
    facilitator = next(email_for(name) for name, _c, roles in MEMBERS if "facilitator" in roles)
    return emails, password, facilitator


class Started:
    """The processes this run started, stopped in reverse order whatever happens."""

    def __init__(self):
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, command: list, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(command, start_new_session=True, **kwargs)
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def worker_nice(unit: Path = ROOT / "deploy" / "systemd" / "palabre-worker.service") -> int:
    """The worker's priority as its systemd unit sets it (``Nice=``; 0 when it sets none)."""
    found = re.search(r"^Nice=(-?\d+)\s*$", unit.read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


def wait_for_log(path: Path, text: str, times: int, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while path.read_text(errors="replace").count(text) < times:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} not seen {times} times in {path}")
        time.sleep(0.5)


def wait_for_analyses(args, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while subprocess.run(
            ["psql", f"{args.pg.rstrip('/')}/{args.database}", "-Atc",
             "SELECT count(*) FROM analysis_run WHERE status IN ('queued', 'running')"],
            capture_output=True, text=True, check=True).stdout.strip() != "0":
        if time.monotonic() > deadline:
            raise TimeoutError("the demo's analyses did not end")
        time.sleep(1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants still alive, in seconds."""
    total, ticks = 0.0, os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def database_cpu(args) -> float:
    """CPU seconds of the PostgreSQL backends connected to the run's database (opened by the
    web and the worker during the run: their whole life is the run's)."""
    pids = subprocess.run(
        ["psql", f"{args.pg.rstrip('/')}/postgres", "-Atc",
         f"SELECT pid FROM pg_stat_activity WHERE datname = '{args.database}'"],
        capture_output=True, text=True).stdout.split()
    return sum(cpu_seconds(int(pid)) for pid in pids)


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


def snapshot(args, gunicorn, worker, locust) -> dict[str, float]:
    busy, total = machine_busy()
    return {"at": time.time(), "busy": busy, "total": total,
            "gunicorn": cpu_seconds(gunicorn.pid), "worker": cpu_seconds(worker.pid),
            "locust": cpu_seconds(locust.pid) if locust else 0.0,
            "database": database_cpu(args)}


def cpu_lines(before: dict, after: dict, summary: dict, window) -> list[str]:
    """Each part's share of the machine over the measured window, and its CPU per request."""
    used = {name: after[name] - before[name] for name in before}
    wall = used["total"]
    cores = os.cpu_count()
    requests = sum(1 for name in ("submissions", "pages") for at, _ms in
                   summary["timings"].get(name, []) if window[0] <= at <= window[1])
    shares = ", ".join(f"{label} {100 * used[key] / wall:.0f} %" for key, label in (
        ("gunicorn", "gunicorn"), ("database", "PostgreSQL (this database)"),
        ("locust", "locust"), ("worker", "huey worker")))
    per = ", ".join(f"{label} {1000 * used[key] / max(requests, 1):.1f}" for key, label in (
        ("gunicorn", "gunicorn"), ("database", "PostgreSQL"), ("locust", "locust")))
    return [f"CPU over the window ({wall / cores:.0f} s × {cores} cores): machine busy "
            f"{100 * used['busy'] / wall:.0f} %; {shares}; the rest is Redis and whatever "
            "else runs on the machine",
            f"CPU ms per request (submissions and pages, {requests}): {per}"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def figures(summary: dict, window: tuple[float, float]) -> list[str]:
    start, end = window
    lines = [f"measured window: {end - start:.1f} s (after the ramp-up and its sign-ins)",
             "| requests | count | per second | p50 ms | p95 ms | p99 ms | max ms |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for name in ("submissions", "submit vote", "submit contribution", "pages", "sign-in"):
        timings = summary["timings"].get(name, [])
        inside = [ms for at, ms in timings if start <= at <= end] if name != "sign-in" else [
            ms for _at, ms in timings]
        span = (end - start) if name != "sign-in" else None
        rate = f"{len(inside) / span:.1f}" if span else "(ramp-up)"
        lines.append(f"| {name} | {len(inside)} | {rate} | {percentile(inside, .5):.0f} | "
                     f"{percentile(inside, .95):.0f} | {percentile(inside, .99):.0f} | "
                     f"{max(inside, default=float('nan')):.0f} |")
    errors = summary.get("errors") or {}
    lines.append(f"errors (no answer or an unexpected status): {sum(errors.values())} "
                 + (json.dumps(errors, ensure_ascii=False) if errors else ""))
    return lines


def result(summary: dict, window: tuple[float, float]) -> dict:
    """The submissions' rate, p50 and p99 over the window, and the errors, as numbers."""
    start, end = window
    inside = [ms for at, ms in summary["timings"].get("submissions", []) if start <= at <= end]
    return {"per_second": len(inside) / max(end - start, 1e-9),
            "p50": percentile(inside, .5), "p99": percentile(inside, .99),
            "errors": sum((summary.get("errors") or {}).values())}


def stored(env: dict[str, str]) -> tuple[Counter, Counter, Counter]:
    """What the database holds: load contributions per marker, votes per journal key, and the
    audit events per (type, object id)."""
    import re

    from sqlmodel import select

    from consult import create_app, events
    from consult.db import get_session
    from consult.models import AuditEvent, Contribution, Member, Vote
    from consult.pseudonyms import participant_ref

    consultation = int(env.get("LOAD_CONSULTATION", "1"))
    app = create_app()
    with app.app_context():
        session = get_session()
        markers: Counter = Counter()
        contribution_ids = []
        for cid, text in session.exec(select(Contribution.id, Contribution.text)
                                      .where(Contribution.text.contains("charge-"))):
            for marker in re.findall(r"charge-[0-9a-f]{32}", text):
                markers[marker] += 1
                contribution_ids.append(str(cid))
        refs = {participant_ref(env["PALABRE_PSEUDONYM_KEY"], consultation, ref): email
                for email, ref in session.exec(select(Member.email, Member.ref)
                                               .where(Member.email.like("charge.%")))}
        votes: Counter = Counter()
        for cid, who, value in session.exec(select(Vote.contribution_id, Vote.participant_ref,
                                                   Vote.value)
                                            .where(Vote.participant_ref.in_(list(refs)))):
            votes[f"{refs[who]}|{cid}|{value}"] += 1
        submitted = events.ContributionSubmitted(
            actor="", object_id="", consultation_id=0, stance=None, redactions=0).event_type
        cast = events.VoteCast(actor="", object_id="", value=0).event_type
        audited: Counter = Counter()
        for kind, object_id, actor in session.exec(
                select(AuditEvent.event_type, AuditEvent.object_id, AuditEvent.actor_ref)
                .where(AuditEvent.event_type.in_([submitted, cast]))):
            if kind == submitted and object_id in set(contribution_ids):
                audited[("contribution", object_id)] += 1
            elif kind == cast and actor in refs:
                audited[("vote", f"{refs[actor]}|{object_id}")] += 1
    return markers, votes, audited


def main(args) -> int:
    """One run in a folder of its own, removed afterwards (copied to --keep first)."""
    work = Path(tempfile.mkdtemp(prefix="palabre-load-"))
    try:
        return run(args, work)
    finally:
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> int:
    ensure_tools()
    members = args.members or args.users + 10
    database_url = fresh_database(args)
    env = environment(args, database_url, work / "instance")
    print(f"seeding {members} members in {args.database} …", flush=True)
    emails, password, facilitator = seed(env, members)
    # The planner's statistics, as autovacuum keeps them on a database in use: a database just
    # filled has none, and the card query then takes a nested loop over every vote (8 ms, not 3).
    subprocess.run(["psql", database_url, "-qc", "ANALYZE"], check=True)
    (work / "accounts.txt").write_text("\n".join(emails) + "\n")
    started = Started()
    try:
        logs = open(work / "server.log", "w")  # noqa: SIM115 — closed with the run
        gunicorn = started.start("gunicorn", [
            BIN / "gunicorn", "--workers", str(args.gunicorn_workers),
            "--worker-class", args.worker_class, "--threads", str(args.threads),
            "--bind", f"127.0.0.1:{args.port}", "--timeout", "120", "--no-control-socket",
            "--access-logfile", str(work / "access.log"), "--error-logfile", "-",
            *([] if args.cold else ["--config", "python:consult.gunicorn_conf"]),
            "consult:create_app()"], env=env, cwd=ROOT, stdout=logs, stderr=logs)
        nice = worker_nice()
        worker = started.start("worker", [BIN / "palabre", "worker", "--workers", "2"],
                               env=env, cwd=ROOT, stdout=logs, stderr=logs,
                               preexec_fn=lambda: os.nice(nice))
        wait_for(f"http://127.0.0.1:{args.port}/health", seconds=240)
        if not args.cold:
            wait_for_log(work / "server.log", "redaction model loaded", args.gunicorn_workers)
        if args.no_analysis:  # the analyses `palabre demo load` queued end before the load
            wait_for_analyses(args)
        load_env = dict(env, LOAD_ACCOUNTS=str(work / "accounts.txt"), LOAD_PASSWORD=password,
                        LOAD_FACILITATOR=facilitator, LOAD_JOURNAL=str(work / "journal.jsonl"),
                        LOAD_SUMMARY=str(work / "summary.json"),
                        LOAD_MAX_SUBMISSIONS=str(args.max_submissions),
                        LOAD_HOST_NAME=HOST_NAME)
        command = [LOAD_VENV / "bin" / "locust", "-f", HERE / "locustfile.py", "--headless",
                   "--users", str(args.users + (0 if args.no_analysis else 1)),
                   "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.time}s",
                   "--host", f"http://127.0.0.1:{args.port}", "--only-summary",
                   "--stop-timeout", "5", "--loglevel", "WARNING"]
        if args.only:
            command += args.only
        elif args.no_analysis:
            command += ["Voter", "Writer", "Reader"]
        print(f"load: {args.users} people for {args.time} s against gunicorn "
              f"({args.gunicorn_workers} {args.worker_class} workers × {args.threads} "
              f"threads, {'cold' if args.cold else 'warmed'}), worker with 2 threads at nice "
              f"{nice} …",
              flush=True)
        load0 = os.getloadavg()
        spy = None
        locust = started.start("locust", command, env=load_env, cwd=HERE,
                               stdout=open(work / "locust.log", "w"), stderr=subprocess.STDOUT)
        # Measured from the end of the ramp-up: the sign-ins (argon2) are behind by then.
        time.sleep(min(args.time / 2, args.users / args.spawn_rate + 3))
        before = snapshot(args, gunicorn, worker, locust)
        if args.profile:
            spy = started.start("py-spy", [
                LOAD_VENV / "bin" / "py-spy", "record", "--subprocesses", "--pid",
                str(gunicorn.pid), "--duration", str(max(5, args.time // 3)), "--rate", "50",
                "--format", "flamegraph" if args.profile.suffix == ".svg" else "raw",
                "--output", str(args.profile), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _pid, _status, usage = os.wait4(locust.pid, 0)
        locust.returncode = 0
        after = snapshot(args, gunicorn, worker, None)
        after["locust"] = usage.ru_utime + usage.ru_stime
        load1 = os.getloadavg()
        if spy is not None:
            spy.wait(timeout=120)
    finally:
        started.stop()
    summary = json.loads((work / "summary.json").read_text())
    last = max((at for t in summary["timings"].values() for at, _ms in t), default=after["at"])
    print("\n".join(figures(summary, (before["at"], last))))
    if args.json:
        args.json.write_text(json.dumps(result(summary, (before["at"], last))))
    print("\n".join(cpu_lines(before, after, summary, (before["at"], after["at"]))))
    print(f"load average before {load0[0]:.2f}, after {load1[0]:.2f}; analyses started: "
          f"{summary.get('analyses_started', 0)}")
    markers, votes, audited = stored(env)
    outcomes = read_outcomes(work / "journal.jsonl")
    checks = [check_exactly_once("contributions", outcomes["contribution"], markers),
              check_exactly_once("votes", outcomes["vote"], votes)]
    for check in checks:
        print(check.summary())
    twice = [key for key, n in audited.items() if n != 1]
    stored_contributions = sum(markers.values())
    audit_ok = not twice and sum(1 for k in audited if k[0] == "contribution") == \
        stored_contributions and sum(1 for k in audited if k[0] == "vote") == sum(votes.values())
    print(f"audit log: one event per stored submission: {'OK' if audit_ok else 'FAILED'}"
          + (f" ({len(twice)} with another count)" if twice else ""))
    return 0 if all(check.ok for check in checks) and audit_ok else 1


if __name__ == "__main__":
    sys.exit(main(parse_args()))
