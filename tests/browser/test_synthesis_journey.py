"""From a file to a published synthesis in a real browser: a facilitator imports a CSV into the
demo's closed consultation, starts its analysis and watches the progress page follow a real job
worker until it is done, merges two themes, publishes the synthesis and downloads its PDF; then a
member reads it from the consultation's page and downloads it too. axe-core on every page, in
French, then in English and at phone width."""

import base64
import io
import os
import re
import subprocess
import sys
import time

import pytest
from pypdf import PdfReader
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlmodel import func, select

from consult import jobs
from consult.db import get_session
from consult.models import AnalysisRun, Consultation, Contribution, Synthesis
from tests.browser.conftest import PHONE, WINDOW
from tests.browser.test_journeys import member_of, sign_in, theme_labels
from tests.helpers import stop

IMPORTED = (  # written on the paper board of a workshop, typed in a spreadsheet
    "Le planning proposé par l'IA doit rester modifiable par l'aide à domicile elle-même.",
    "Les bénéficiaires veulent garder la même intervenante d'une semaine à l'autre.",
    "Prévenir la veille quand un horaire change, par téléphone et pas seulement par SMS.",
    "Le vendredi, les trajets entre deux visites sont trop longs pour être tenus.",
)
ANALYSIS_TIMEOUT = 240  # seconds: the worker loads spaCy, then analyses about 150 verbatims

PDF_BYTES_JS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: 'same-origin'})
  .then(async r => {
    const bytes = new Uint8Array(await r.arrayBuffer());
    let text = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    done({status: r.status, type: r.headers.get('content-type'), body: btoa(text)});
  })
  .catch(error => done({error: String(error)}));
"""


@pytest.fixture
def app(make_app, tmp_path):
    """Jobs queued for a worker process (Huey's SQLite queue in the instance folder), as in
    production, instead of run within the request."""
    yield make_app(PALABRE_JOBS_IMMEDIATE=False)
    jobs.configure({"PALABRE_JOBS_IMMEDIATE": True}, str(tmp_path))


def worker_environment(app) -> dict:
    """The worker reads the same database, instance folder and secret key as the app."""
    return {**os.environ, "PALABRE_DATABASE_URL": app.config["PALABRE_DATABASE_URL"],
            "PALABRE_INSTANCE_PATH": app.instance_path,
            "PALABRE_SECRET_KEY": app.config["PALABRE_SECRET_KEY"],
            "PALABRE_REDIS_URL": "", "PALABRE_JOBS_IMMEDIATE": "false"}


@pytest.fixture
def worker(app, demo, tmp_path):
    """`palabre worker` in its own process, stopped at the end whatever happened."""
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "consult.cli", "worker"],
                               env=worker_environment(app), stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)
        log.close()


def closed_consultation(app) -> int:
    with app.app_context():
        return get_session().exec(select(Consultation.id).where(
            Consultation.status == "closed")).first()


def count_contributions(app, cid) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(Contribution).where(
            Contribution.consultation_id == cid)).one()


def texts_of(app, cid) -> set[str]:
    with app.app_context():
        return set(get_session().exec(select(Contribution.text).where(
            Contribution.consultation_id == cid)))


def runs(app, cid) -> list[tuple[int, str]]:
    with app.app_context():
        return [(r.id, r.status) for r in get_session().exec(
            select(AnalysisRun).where(AnalysisRun.consultation_id == cid)
            .order_by(AnalysisRun.id))]


def plain(text: str) -> str:
    """Text as compared: typographic apostrophes and every kind of space made plain."""
    text = text.replace("\u2019", "'")
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def download_pdf(page, href) -> str:
    """The PDF behind a link, fetched with the browser's session; its text, by pypdf."""
    got = page.driver.execute_async_script(PDF_BYTES_JS, href)
    assert "error" not in got, got
    body = base64.b64decode(got["body"])
    assert (got["status"], got["type"], body[:5]) == (200, "application/pdf", b"%PDF-"), got
    return plain(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages))


@pytest.mark.slow  # the worker and the import load spaCy
def test_a_facilitator_imports_analyses_merges_and_publishes_and_a_member_reads_it(
        app, page, live, worker, tmp_path):
    cid = closed_consultation(app)
    before = count_contributions(app, cid)
    facilitator = next(email for email, role in live.demo.accounts if role == "facilitator")
    sign_in(page, facilitator, live.demo.password)

    # The import: a CSV file into the closed consultation, previewed, then imported.
    csv_file = tmp_path / "atelier.csv"
    csv_file.write_text("texte\n" + "".join(f"{t}\n" for t in IMPORTED), encoding="utf-8")
    page.open("/facilitate/consultations")
    page.check("consultations")
    page.submit_with(page.find("main a[href$='/facilitate/import']"))
    page.check("import")
    page.find("#files").send_keys(str(csv_file))
    Select(page.find("#consultation_id")).select_by_value(str(cid))
    page.submit_with(page.find("main form[enctype] button[type=submit]"))
    page.check("import-preview")
    assert IMPORTED[0] in page.text()
    page.submit_with(page.find("main form[method=post]:not([action]) button[type=submit]"))
    page.check("imported")
    assert page.path() == f"/facilitate/consultations/{cid}"
    assert count_contributions(app, cid) == before + len(IMPORTED)
    assert set(IMPORTED) <= texts_of(app, cid)

    # The analysis, run by the worker; the page follows it until it is done.
    page.submit_with(page.find(f"main a[href$='/facilitate/consultations/{cid}/analysis']"))
    page.check("analysis-none")
    page.submit_with(page.find(f"form[action$='/consultations/{cid}/analysis'] button"))
    page.find("progress#analysis-progress")  # shown while the run waits or runs
    page.check("analysis-progress")
    # Nobody reloads the page from here: it follows the run by itself and shows the link to
    # the themes once the worker is done.
    started, stages = time.monotonic(), []

    def finished(driver):
        shown = driver.execute_script(
            "const e = document.querySelector('[data-progress-stage]');"
            "return e ? e.textContent : null;")
        if shown and shown not in stages:
            stages.append(shown)
        return (driver.find_elements("css selector", "main a[href$='/themes'].button")
                or driver.find_elements("css selector", ".message-error"))

    WebDriverWait(page.driver, ANALYSIS_TIMEOUT, poll_frequency=0.5).until(finished)
    page.wait_loaded()
    page.check("analysis-done")
    assert [status for _id, status in runs(app, cid)] == ["done"], (
        f"after {time.monotonic() - started:.0f} s: {runs(app, cid)}")
    assert len(stages) >= 2, f"the page showed no stage but {stages}"  # updated in place

    # Two themes merged into one.
    labels = theme_labels(app, cid)
    assert len(labels) >= 3, labels
    page.submit_with(page.find("main a[href$='/themes'].button"))
    page.check("explorer")
    page.submit_with(page.find("main h3 a[href*='/themes/']"))
    page.check("theme")
    kept = page.find("main h1").text
    other = Select(page.find("#merge-other"))
    absorbed = other.options[0].text
    other.select_by_index(0)
    page.submit_with(page.find("form[action$='/merge'] button[type=submit]"))
    page.check("merged")
    after = theme_labels(app, cid)
    assert len(after) == len(labels) - 1, (labels, after)
    assert absorbed not in after and any(label in kept for label in after), (kept, after)

    # Published, and the PDF downloaded: every theme in it.
    page.open(f"/facilitate/consultations/{cid}/themes")
    page.submit_with(page.find(f"main a[href$='/consultations/{cid}/synthesis']"))
    page.check("synthesis-draft")
    page.submit_with(page.find(f"form[action$='/consultations/{cid}/synthesis/publish'] button"))
    page.check("published")
    with app.app_context():
        db = get_session()
        published = [s.version for s in db.exec(select(Synthesis).where(
            Synthesis.consultation_id == cid))]
        assert db.get(Consultation, cid).status == "published"
    assert published == [1]
    page.open(f"/consultations/{cid}/synthese")
    text = download_pdf(page, page.find("main a[href*='/synthese.pdf']").get_attribute("href"))
    missing = [label for label in after if plain(label) not in text]
    assert not missing, f"themes missing from the PDF: {missing}"
    facilitation = list(page.visited)

    # A member reads it from the consultation's page and downloads it.
    page.driver.delete_all_cookies()
    sign_in(page, member_of(live), live.demo.password)
    page.open(f"/consultations/{cid}")
    page.check("consultation-published")
    page.submit_with(page.find(f"#synthese-titre ~ p a[href$='/consultations/{cid}/synthese']"))
    page.check("member-synthesis")
    assert all(label in page.text() for label in after)
    page.open(f"/consultations/{cid}")
    href = page.find("#synthese-titre ~ p a[href*='/synthese.pdf']").get_attribute("href")
    assert download_pdf(page, href) == text

    page.visited = [p for p in page.visited if p not in facilitation or "synthese" in p]
    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("en", *PHONE)
    page.recheck_visited("fr", *PHONE)
    page.driver.delete_all_cookies()
    sign_in(page, facilitator, live.demo.password)
    page.visited = [p for p in facilitation if p.startswith("/facilitate/")
                    and "/themes/" not in p and not p.startswith("/facilitate/import/")]
    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("fr", *PHONE)
