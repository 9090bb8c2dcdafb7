"""Benchmark the theme explorer and the synthesis (issue 15): server time of each page, and the PDF.

Run from the project's root:  .venv/bin/python bench/explorer.py [--size 10000] [--repeat 5]
                                                                   [--mode fast] [--profile]

Targets of issue 15: "With 10,000 contributions: every explorer page renders in ≤ 300 ms on the
server; the PDF in ≤ 20 s."

1. A throwaway app on a temporary SQLite file (never instance/): a cooperative, 5 colleges of
   unequal size, a facilitator, a member, and about 0.3 people per contribution (members of the
   colleges, inserted in bulk), with one closed consultation holding ``--size`` contributions
   drawn from SIB-200 as bench/themes.py ``resampled()`` does (two sentences each), with stances
   that lean by college, and about 5 votes per contribution whose agreement leans by college too
   (some votes superseded: ``latest`` false). Rows are inserted with SQLAlchemy Core.
2. The theme analysis, once (``analyse_now``; its time is context only).
3. Each explorer page through Flask's test client, signed in as the facilitator: one first
   request, then ``--repeat`` more (median and max). Then a rename, a merge and a move through
   ``workspace.edit_theme``: the first read of the explorer after them reads the verdicts again
   over the corrected themes, the next ones read them from the in-memory cache.
4. The PDF of the draft synthesis (route, bytes, pages), WeasyPrint alone on the same HTML, and
   publishing.
5. Absolute times are noisy here, so each page is also given as a ratio to a page of the same
   app in the same run: the member's consultation page (``/consultations/<id>``); the PDF route
   as a ratio to WeasyPrint alone.

``--profile`` prints cProfile's top 15 (cumulative) for each page whose median is over 300 ms.
It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import resource
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from themes import SIB200, resampled  # noqa: E402  (bench/themes.py, beside this file)

PAGE_TARGET = 0.300  # seconds, issue 15
PDF_TARGET = 20.0  # seconds, issue 15
PASSWORD = "correct horse battery staple"
FACILITATOR = "anim@bench.example"
MEMBER = "membre@bench.example"
# name, share of the people, vote weight (%), leaning of stances and votes (-1 against, +1 for)
COLLEGES = [("Salariés", 0.40, 30, 0.6), ("Bénévoles", 0.25, 25, 0.3),
            ("Bénéficiaires", 0.17, 20, -0.2), ("Partenaires", 0.12, 15, -0.6),
            ("Administrateurs", 0.06, 10, 0.0)]
VOTES_PER_CONTRIBUTION = 5
SUPERSEDED = 0.05  # share of votes changed later: the earlier one kept with latest = False
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def build_app(folder: Path):
    """The app on a migrated SQLite file of ``folder``, configured as tests/conftest.py does."""
    from consult import create_app
    from consult.db import make_engine
    from consult.migrate import upgrade

    url = f"sqlite:///{folder / 'palabre.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return create_app({
        "TESTING": True, "INSTANCE_PATH": str(folder / "instance"),
        "PALABRE_DATABASE_URL": url, "PALABRE_SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "PALABRE_LOGIN_RATE_LIMIT": "1000 per minute",
        "PALABRE_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "PALABRE_MAIL_SERVER": "", "PALABRE_JOBS_IMMEDIATE": True,
    })


def person(db, email: str, name: str, college_id: int, roles: tuple[str, ...]) -> None:
    from consult.services import auth, members

    link = members.invite_member(db, None, email=email, display_name=name,
                                 college_id=college_id, roles=roles)
    auth.set_password_with_token(db, link.token, members.INVITATION, PASSWORD, PASSWORD)


def fill(app, size: int, seed: int = 0) -> int:
    """The cooperative, its people and one closed consultation of ``size`` contributions; its id."""
    from sqlalchemy import insert, select

    from consult.db import get_session
    from consult.models import (
        ConsentRecord,
        Contribution,
        ContributionVersion,
        Member,
        MemberRole,
        Vote,
        new_ref,
        utcnow,
    )
    from consult.pseudonyms import participant_ref
    from consult.services.consultations import (
        ConsultationInput,
        change_status,
        create_consultation,
    )
    from consult.services.contributions import notice_hash
    from consult.services.cooperative import create_college, update_cooperative

    rng = np.random.default_rng(seed)
    key = app.config["PALABRE_PSEUDONYM_KEY"]
    with app.app_context():
        db = get_session()
        update_cooperative(db, None, name="Coopérative du banc d'essai", purpose="Mesurer.")
        colleges = [create_college(db, None, name=name, vote_weight=weight).id
                    for name, _share, weight, _lean in COLLEGES]
        person(db, FACILITATOR, "Ysé Anim", colleges[0], ("facilitator",))
        person(db, MEMBER, "Ana Durand", colleges[1], ("member",))
        consultation = create_consultation(db, None, ConsultationInput(
            title="L'IA dans nos mises en relation",
            question="Faut-il utiliser l'IA pour proposer des mises en relation ?",
            description="Banc d'essai de l'explorateur de thèmes.", college_ids=tuple(colleges)))
        cid = consultation.id
        change_status(db, None, cid, "open")
        digest = notice_hash(consultation, app.config["PALABRE_RETENTION_MONTHS"])
        db.close()

    n_people = max(200, size * 3 // 10)
    shares = np.array([share for _n, share, _w, _l in COLLEGES])
    college_of = rng.choice(len(COLLEGES), size=n_people, p=shares / shares.sum())
    leaning = np.array([lean for *_rest, lean in COLLEGES])
    now = utcnow()
    start = now - timedelta(days=21)
    engine = app.extensions["palabre_engine"]
    with engine.begin() as connection:
        connection.execute(insert(Member.__table__), [
            {"email": f"p{i}@bench.example", "display_name": f"Personne {i}",
             "college_id": colleges[college_of[i]], "active": True, "ref": new_ref(),
             "created_at": start, "updated_at": start, "session_version": 0}
            for i in range(n_people)])
        people = connection.execute(select(Member.id, Member.ref).where(
            Member.email.like("p%@bench.example")).order_by(Member.id)).all()
        connection.execute(insert(MemberRole.__table__),
                           [{"member_id": m, "role": "member"} for m, _ref in people])
        refs = [participant_ref(key, cid, ref) for _m, ref in people]
        connection.execute(insert(ConsentRecord.__table__), [
            {"consultation_id": cid, "participant_ref": r, "notice_hash": digest,
             "accepted_at": start} for r in refs])

        texts = resampled(size, seed)
        authors = rng.integers(0, n_people, size=size)
        lean = leaning[college_of[authors]]
        draw = rng.random(size)
        stance = np.where(draw < 0.45 + 0.3 * lean, "for",
                          np.where(draw < 0.65 + 0.3 * lean, "mixed", "against"))
        no_stance = rng.random(size) < 0.1
        when = [start + timedelta(seconds=float(s)) for s in rng.uniform(0, 20 * 86400, size)]
        rows = [{"consultation_id": cid, "participant_ref": refs[a], "author_id": people[a][0],
                 "college_id": colleges[college_of[a]], "text": t, "redacted_text": t,
                 "stance": None if no_stance[i] else str(stance[i]), "withdrawn": False,
                 "hidden": False, "report_count": 0, "version": 1, "created_at": when[i],
                 "updated_at": when[i]}
                for i, (t, a) in enumerate(zip(texts, authors, strict=True))]
        for chunk in range(0, size, 5000):
            connection.execute(insert(Contribution.__table__), rows[chunk:chunk + 5000])
        ids = connection.execute(select(Contribution.id).where(
            Contribution.consultation_id == cid).order_by(Contribution.id)).scalars().all()
        connection.execute(insert(ContributionVersion.__table__), [
            {"contribution_id": c, "number": 1, "text": r["text"],
             "redacted_text": r["redacted_text"], "stance": r["stance"], "withdrawn": False,
             "created_at": r["created_at"]} for c, r in zip(ids, rows, strict=True)])

        direction = np.where(no_stance, 0, np.select([stance == "for", stance == "against"],
                                                     [1, -1], 0))
        votes = []
        for row, contribution in enumerate(ids):
            k = min(int(rng.poisson(VOTES_PER_CONTRIBUTION)), n_people - 1)
            voters = [v for v in rng.choice(n_people, size=k + 1, replace=False)
                      if v != authors[row]][:k]
            for voter in voters:
                agree = 0.5 + 0.4 * leaning[college_of[voter]] * direction[row]
                value = 0 if rng.random() < 0.15 else (1 if rng.random() < agree else -1)
                at = rows[row]["created_at"] + timedelta(hours=float(rng.uniform(1, 48)))
                base = {"contribution_id": contribution, "participant_ref": refs[voter],
                        "college_id": colleges[college_of[voter]]}
                if rng.random() < SUPERSEDED:
                    votes.append({**base, "value": int(rng.integers(-1, 2)), "latest": False,
                                  "created_at": at - timedelta(minutes=30)})
                votes.append({**base, "value": value, "latest": True, "created_at": at})
        for chunk in range(0, len(votes), 10_000):
            connection.execute(insert(Vote.__table__), votes[chunk:chunk + 10_000])

    with app.app_context():
        change_status(get_session(), None, cid, "closed")
    latest = sum(v["latest"] for v in votes)
    sizes = np.bincount(college_of, minlength=len(COLLEGES))
    spread = ", ".join(f"{name} {int(n)}" for (name, *_r), n in zip(COLLEGES, sizes, strict=True))
    print(f"Built: {n_people:,} people in {len(COLLEGES)} colleges ({spread}), {size:,} "
          f"contributions, {latest:,} latest votes and {len(votes) - latest:,} superseded")
    return cid


def signed_in(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email,
                                           "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {email} ({response.status_code})")
    return client


@dataclass
class Timing:
    name: str
    url: str
    note: str = ""  # why it was not timed (an error, a missing route)
    first: float = 0.0
    times: tuple[float, ...] = ()
    size: int = 0
    body: bytes = b""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def max(self) -> float:
        return max(self.times) if self.times else float("nan")


def request(client, url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    return time.perf_counter() - started, response.status_code, body


def time_page(client, name: str, url: str, repeat: int) -> Timing:
    """One first request, then ``repeat`` more; a page that fails is noted, not timed."""
    timing = Timing(name, url)
    try:
        timing.first, status, timing.body = request(client, url)
    except Exception as error:  # a route being written by someone else: say so, go on
        timing.note = f"error: {type(error).__name__}: {str(error).splitlines()[0][:120]}"
        return timing
    if status != 200:
        timing.note = "route not there yet (404)" if status == 404 else f"HTTP {status}"
        return timing
    timing.size = len(timing.body)
    timing.times = tuple(request(client, url)[0] for _ in range(repeat))
    return timing


# The request's own frames, without the test client's and Flask's dispatch nor the imports.
OWN_FRAMES = r"^(?!.*(werkzeug/|site-packages/flask/|importlib|<frozen))"


def profile(client, url: str, top: int = 15, before=None, call=None) -> str:
    """One request (or ``call()``) under cProfile: the top ``top`` by cumulative time (the
    request's own frames), then the top 10 by own time, and who parses JSON (a run's stored
    result is big)."""
    if before:
        before()
    profiler = cProfile.Profile()
    profiler.enable()
    call() if call else client.get(url).get_data()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(OWN_FRAMES, top)
    stats.sort_stats("tottime").print_stats(10)
    if not call:
        stats.print_callers(r"json/__init__.py:\d+\(loads\)")  # who parses the stored result
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip()) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def page_table(timings: list[Timing], baseline: Timing) -> str:
    lines = ["| page | first (ms) | median (ms) | max (ms) | median / 300 ms "
             "| median / member's page | HTML (KB) |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for t in timings:
        if t.note:
            lines.append(f"| {t.name} | {t.note} | | | | | |")
            continue
        lines.append(f"| {t.name} | {ms(t.first)} | {ms(t.median)} | {ms(t.max)} "
                     f"| {t.median / PAGE_TARGET:.2f} | {t.median / baseline.median:.1f} "
                     f"| {t.size / 1024:,.0f} |")
    return "\n".join(lines) + "\n"


def corrections(app, cid: int, themes) -> str:
    """A rename, a merge and a move, as the facilitator makes them; what was done."""
    from consult.db import get_session
    from consult.services import workspace
    from consult.services.members import find_by_email

    largest, second, third = sorted(themes, key=lambda t: -t.size)[:3]
    with app.app_context():
        db = get_session()
        actor = find_by_email(db, FACILITATOR)
        workspace.edit_theme(db, actor, cid, "rename", largest.id, label="Le thème le plus cité")
        workspace.edit_theme(db, actor, cid, "merge", largest.id, other=second.id)
        moved = third.typical[0].contribution_id
        workspace.edit_theme(db, actor, cid, "move", largest.id, contribution=moved)
    return (f"renamed theme {largest.id} ({largest.size} verbatims), merged theme {second.id} "
            f"({second.size}) into it, moved verbatim {moved} into it from theme {third.id}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mode", default="fast")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile's top 15 of each page over 300 ms")
    args = parser.parse_args()
    if not SIB200.is_dir():
        print(f"Skipped: {SIB200} not found (run inside the Palabre workspace).")
        return 0
    warnings.simplefilter("ignore")
    started = time.perf_counter()
    print(f"Python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; Flask {version('flask')}, SQLAlchemy "
          f"{version('sqlalchemy')}, WeasyPrint {version('weasyprint')}, SQLite (file, WAL)\n")

    with tempfile.TemporaryDirectory(prefix="palabre-bench-") as folder:
        app = build_app(Path(folder))
        built = time.perf_counter()
        cid = fill(app, args.size)
        print(f"({time.perf_counter() - built:.1f} s, not counted)\n")
        report = measure(app, cid, args)
        app.extensions["palabre_engine"].dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(report)
    print(f"Peak RSS {peak:,.0f} MB; load average at the end {os.getloadavg()[0]:.2f}; "
          f"whole run {time.perf_counter() - started:.0f} s")
    return 0


def measure(app, cid: int, args) -> str:
    import pypdf
    import weasyprint

    from consult import reports
    from consult.db import get_session
    from consult.services import synthesis, workspace
    from consult.services.analysis import analyse_now
    from consult.services.explorer import read_analysis
    from consult.services.members import find_by_email

    with app.app_context():
        db = get_session()
        run = analyse_now(db, None, cid, mode=args.mode)
        if run.status != "done":
            raise SystemExit(f"the analysis failed: {run.error}")
        themes = read_analysis(db, workspace.done_run(db, cid)).themes
    print(f"Analysis ({run.mode}): {run.seconds:.1f} s, {len(themes)} themes, its stored result "
          f"{len(run.result) / 1e6:.1f} MB of JSON (context only)\n")

    facilitator, member = signed_in(app, FACILITATOR), signed_in(app, MEMBER)
    base = f"/facilitate/consultations/{cid}"
    largest = max(themes, key=lambda t: t.size)
    college = COLLEGES[0][0]
    repeat = args.repeat
    baseline = time_page(member, "member's consultation page (baseline)",
                         f"/consultations/{cid}", repeat)
    pages = [baseline] + [time_page(facilitator, name, url, repeat) for name, url in (
        ("analysis", f"{base}/analysis"),
        ("themes (explorer)", f"{base}/themes"),
        (f"largest theme ({largest.size} verbatims)", f"{base}/themes/{largest.id}"),
        (f"largest theme, college « {college} »",
         f"{base}/themes/{largest.id}?college={college}"),
        ("draft synthesis", f"{base}/synthesis"),
        ("participation", f"{base}/participation"),
    )]
    done = corrections(app, cid, themes)
    after = time_page(facilitator, "themes after a rename, a merge, a move (first = verdicts "
                      "read again)", f"{base}/themes", repeat)
    pages += [after, time_page(facilitator, "merged theme after the corrections",
                               f"{base}/themes/{largest.id}", repeat)]

    out = [f"## Pages, {args.size:,} contributions, {len(themes)} themes "
           f"(first request, then median and max of {repeat})\n"]
    out.append(page_table(pages, baseline))
    out.append(f"Corrections: {done}.\n")
    if baseline.note:
        out.append(f"Baseline failed ({baseline.note}): ratios to it are meaningless.\n")

    # The PDF: the route, then WeasyPrint alone on the HTML the route prints.
    pdf = time_page(facilitator, "draft.pdf", f"{base}/synthesis/draft.pdf",
                    max(1, min(repeat, 3)))
    html = time_page(facilitator, "draft.html", f"{base}/synthesis/draft.html",
                     max(1, min(repeat, 3)))
    out.append("## The synthesis's PDF and its publication\n")
    if pdf.note or html.note:
        out.append(f"PDF not timed: draft.pdf {pdf.note or 'ok'}, draft.html {html.note or 'ok'}\n")
    else:
        alone = []
        for _ in range(max(1, min(repeat, 3))):
            started = time.perf_counter()
            # base_url: the static folder, so that print.css applies and the PDF is the same
            printed = weasyprint.HTML(string=html.body.decode("utf-8"),
                                      base_url=reports.base_url()).write_pdf()
            alone.append(time.perf_counter() - started)
        pages_of = len(pypdf.PdfReader(io.BytesIO(pdf.body)).pages)
        pages_alone = len(pypdf.PdfReader(io.BytesIO(printed)).pages)
        with app.app_context():
            db = get_session()
            started = time.perf_counter()
            version_row = synthesis.publish(db, find_by_email(db, FACILITATOR), cid)
            published = time.perf_counter() - started
            stored = len(version_row.document.encode("utf-8"))
        member_view = time_page(member, "published synthesis (member)",
                                f"/consultations/{cid}/synthese", repeat)
        route = statistics.median((pdf.first, *pdf.times))
        out += [
            "| step | seconds | ratio |",
            "| --- | --- | --- |",
            f"| draft.pdf route, first | {pdf.first:.2f} | {pdf.first / PDF_TARGET:.2f} of 20 s |",
            f"| draft.pdf route, median of {1 + len(pdf.times)} | {route:.2f} "
            f"| {route / PDF_TARGET:.2f} of 20 s |",
            f"| draft.html route (the document read and rendered), median | {html.median:.2f} | |",
            f"| WeasyPrint alone on that HTML, median of {len(alone)} "
            f"| {statistics.median(alone):.2f} | route / WeasyPrint "
            f"{route / statistics.median(alone):.2f} |",
            f"| publish (`synthesis.publish`) | {published:.2f} | |",
            "",
            f"PDF: {len(pdf.body):,} bytes, {pages_of} pages (WeasyPrint alone: "
            f"{len(printed):,} bytes, {pages_alone} pages); HTML {html.size / 1024:,.0f} KB "
            f"with {html.body.count(b'<svg')} inline SVG charts; published document "
            f"{stored / 1024:,.0f} KB of JSON.\n",
        ]
        if args.profile and route > PDF_TARGET:
            def weasyprint_alone():
                weasyprint.HTML(string=html.body.decode("utf-8"),
                                base_url=reports.base_url()).write_pdf()
            out.append(f"### Profile: WeasyPrint alone on the draft's HTML\n\n```\n"
                       f"{profile(None, '', call=weasyprint_alone)}```\n")
        out.append(page_table([member_view], baseline))

    slow = [t for t in pages if not t.note and t.median > PAGE_TARGET]
    out.append("Pages over 300 ms (median): "
               + (", ".join(f"{t.name} {ms(t.median)} ms" for t in slow) or "none") + "\n")
    if args.profile:
        for t in slow + ([after] if after not in slow and not after.note else []):
            # The first read after the corrections is the one that pays the verdicts: empty the
            # cache so that the profile shows it.
            before = workspace._verdict_cache.clear if t is after else None
            out.append(f"### Profile: {t.name} ({t.url})\n\n```\n"
                       f"{profile(facilitator, t.url, before=before)}```\n")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
