"""How many votes per second the chosen stack can serve on this machine, beside Palabre's own.

    .venv/bin/python bench/load/floor.py                  # 45 s each, 30 voters
    .venv/bin/python bench/load/floor.py --time 30 --users 20 --no-palabre

Three runs, one after the other, each with the same gunicorn (4 sync workers), PostgreSQL and
locust voters (bench/load/locustfile.py's Voter, unchanged) from 127.0.0.1:

1. the floor application (bench/load/floor_app.py: Flask, Flask-Login, Flask-WTF's CSRF, a
   Jinja page and two INSERTs on PostgreSQL per vote, nothing else), each vote followed by the
   next card's page, as Palabre's voters do;
2. the same application with voters who never read a page: they vote on the following cards
   with the token they hold, the most votes per second these libraries allow here;
3. Palabre itself through bench/load/run.py, with voters only and no analysis running, so the
   three are measured alike.

It prints each run's figures and the ratios: Palabre's votes per second to the floor's, and the
floor's to the target of issue 16 (200 per second, p99 within 500 ms). It measures; it does not
pass or fail.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as palabre_load  # noqa: E402
from floor_app import count_votes, seed  # noqa: E402

TARGET = 200.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time", type=int, default=45, help="seconds of load per run")
    parser.add_argument("--users", type=int, default=30, help="simulated voters")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--gunicorn-workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--database", default="palabre_floor")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--no-palabre", action="store_true", help="the floor's two runs only")
    return parser.parse_args(argv)


def floor_run(args, blind: bool) -> dict:
    """One run of the floor application; its figures as run.py prints them, and a summary."""
    work = Path(tempfile.mkdtemp(prefix="palabre-floor-"))
    server = args.pg.rstrip("/")
    subprocess.run(["psql", f"{server}/postgres", "-qc",
                    f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'], check=True)
    subprocess.run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{args.database}"'],
                   check=True)
    database_url = f"postgresql+psycopg://{server.split('://', 1)[1]}/{args.database}"
    emails = [f"charge.{n:05d}@load.example.org" for n in range(args.users + 10)]
    seed(database_url, emails, cards=20_000)
    (work / "accounts.txt").write_text("\n".join(emails) + "\n")
    env = dict(os.environ, FLOOR_DATABASE_URL=database_url,
               FLOOR_SECRET_KEY=secrets.token_urlsafe(32), PYTHONPATH=str(HERE),
               LOAD_ACCOUNTS=str(work / "accounts.txt"), LOAD_PASSWORD="-",
               LOAD_JOURNAL=str(work / "journal.jsonl"), LOAD_SUMMARY=str(work / "summary.json"),
               LOAD_MAX_SUBMISSIONS="1000000", LOAD_BLIND="1" if blind else "0")
    started = palabre_load.Started()
    try:
        gunicorn = started.start("gunicorn", [
            palabre_load.BIN / "gunicorn", "--workers", str(args.gunicorn_workers),
            "--bind", f"127.0.0.1:{args.port}", "--no-control-socket",
            "--error-logfile", str(work / "server.log"), "floor_app:create_app()"],
            env=env, cwd=HERE)
        palabre_load.wait_for(f"http://127.0.0.1:{args.port}/health")
        locust = started.start("locust", [
            palabre_load.LOAD_VENV / "bin" / "locust", "-f", HERE / "locustfile.py",
            "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
            "--run-time", f"{args.time}s", "--host", f"http://127.0.0.1:{args.port}",
            "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING", "Voter"],
            env=env, cwd=HERE, stdout=open(work / "locust.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT)
        time.sleep(min(args.time / 2, args.users / args.spawn_rate + 3))
        before = cpu(args, gunicorn, locust)
        _pid, _status, usage = os.wait4(locust.pid, 0)
        locust.returncode = 0
        after = cpu(args, gunicorn, None)
        after["locust"] = usage.ru_utime + usage.ru_stime
    finally:
        started.stop()
    summary = json.loads((work / "summary.json").read_text())
    last = max((at for t in summary["timings"].values() for at, _ms in t), default=after["at"])
    window = (before["at"], last)
    lines = palabre_load.figures(summary, window)
    lines += palabre_load.cpu_lines(before, after, summary, (before["at"], after["at"]))
    accepted = sum(1 for line in (work / "journal.jsonl").read_text().splitlines()
                   if json.loads(line)["outcome"] == "accepted")
    votes, events = count_votes(database_url)
    lines.append(f"stored: {votes} votes and {events} events for {accepted} accepted "
                 f"({'OK' if votes == events == accepted else 'MISMATCH'})")
    shutil.rmtree(work, ignore_errors=True)
    return {"lines": lines, **palabre_load.result(summary, window)}


def cpu(args, gunicorn, locust) -> dict[str, float]:
    busy, total = palabre_load.machine_busy()
    return {"at": time.time(), "busy": busy, "total": total,
            "gunicorn": palabre_load.cpu_seconds(gunicorn.pid),
            "locust": palabre_load.cpu_seconds(locust.pid) if locust else 0.0,
            "database": palabre_load.database_cpu(args), "worker": 0.0}


def palabre_run(args) -> dict:
    out = Path(tempfile.mkdtemp(prefix="palabre-floor-")) / "result.json"
    palabre_load.main(palabre_load.parse_args([
        "--time", str(args.time), "--users", str(args.users), "--spawn-rate",
        str(args.spawn_rate), "--gunicorn-workers", str(args.gunicorn_workers), "--no-analysis",
        "--only", "Voter", "--json", str(out)]))
    result = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    return result


def main(args) -> int:
    palabre_load.ensure_tools()
    results = {}
    for name, blind in (("floor, each vote followed by the next card", False),
                        ("floor, votes only (no page read)", True)):
        print(f"== {name}: {args.users} voters for {args.time} s", flush=True)
        results[name] = floor_run(args, blind)
        print("\n".join(results[name]["lines"]), flush=True)
    if not args.no_palabre:
        name = "Palabre, voters only, no analysis"
        print(f"== {name}: {args.users} voters for {args.time} s", flush=True)
        results[name] = palabre_run(args)
    print("\n| run | votes/s | p50 ms | p99 ms | errors | votes/s ÷ 200 | votes/s ÷ floor's |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    floor = results["floor, each vote followed by the next card"]["per_second"]
    for name, result in results.items():
        print(f"| {name} | {result['per_second']:.1f} | {result['p50']:.0f} | "
              f"{result['p99']:.0f} | {result['errors']} | {result['per_second'] / TARGET:.2f} | "
              f"{result['per_second'] / floor:.2f} |")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(parse_args()))
