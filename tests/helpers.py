"""What tests do as people do it: a browser with verbs, and the steps of a consultation.

Plain functions and classes that test modules import; the fixtures are in conftest.py.
"""

import csv
import html
import http.cookiejar
import os
import re
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import AuditEvent, Contribution, utcnow

POSTGRES_URL = os.environ.get("PALABRE_TEST_DATABASE_URL", "")
SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
TEST_PASSWORD = "correct horse battery staple"


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Browser:
    """What a person does in the app, in verbs."""

    def __init__(self, client):
        self.client = client

    def form_post(self, page_url: str, data: dict, post_url: str | None = None, **kwargs):
        """Open the page that shows the form, then submit it with its CSRF token."""
        page = self.client.get(page_url)
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post(post_url or page_url, data={"csrf_token": token, **data}, **kwargs)

    def login(self, email: str, password: str = TEST_PASSWORD, **kwargs):
        return self.form_post("/login", {"email": email, "password": password}, **kwargs)

    def logout(self):
        return self.form_post("/", {}, post_url="/logout")


def shared_data(*parts: str) -> Path:
    """A folder or file of ../shared/data, or skip the test saying what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (run inside the Palabre workspace)")
    return path


def read(response) -> str:
    """The page as a person reads it: HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def as_person(app, email):
    browser = Browser(app.test_client())
    assert browser.login(email).status_code == 302
    return browser


def create(app, coop, anonymity="pseudonymous", scale="three", open_it=True, closes_in=None):
    facilitator = as_person(app, "anim@coop.example")
    data = {
        "title": "IA et bénévolat",
        "question": "Faut-il utiliser l'IA pour nos mises en relation ?",
        "description": "Contexte.",
        "anonymity": anonymity,
        "stance_scale": scale,
        "colleges": [str(coop["staff"].id)],
    }
    if closes_in is not None:
        data["closes_at"] = (utcnow() + closes_in).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = facilitator.form_post("/facilitate/consultations/new", data)
    assert response.status_code == 302, read(response)
    consultation_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    if open_it:
        page = f"/facilitate/consultations/{consultation_id}"
        response = facilitator.form_post(page, {}, post_url=f"{page}/status/open")
        assert "Ouverte" in read(facilitator.client.get(page))
    return consultation_id, facilitator


def contribute(browser, consultation_id, text, stance="for", consent=True):
    page = f"/consultations/{consultation_id}"
    if consent:
        browser.form_post(page, {"accept": "y"}, post_url=f"{page}/consent")
    html = read(browser.client.get(page))
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', html)
    data = {"text": text, "stance": stance, "submission_key": key.group(1) if key else ""}
    return browser.form_post(page, data, post_url=f"{page}/contribute")


def contributions(app):
    with app.app_context():
        return list(get_session().exec(select(Contribution).order_by(Contribution.id)))


def events(app, kind=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if kind:
            query = query.where(AuditEvent.event_type == kind)
        return list(get_session().exec(query))


class LiveServer:
    """The app served over real HTTP by werkzeug's threaded server, on a free local port."""

    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.thread.join(timeout=10)


class HttpSession:
    """A person's browser over real HTTP: cookies kept, forms posted with their CSRF token."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx answers
            return error.code, error.read().decode("utf-8", "replace")

    def csrf_token(self, page: str) -> str:
        _status, html = self.request(page)
        return csrf_from(html)

    def login(self, email: str, password: str = TEST_PASSWORD) -> int:
        token = self.csrf_token("/login")
        status, _ = self.request("/login", {"csrf_token": token, "email": email,
                                            "password": password})
        return status

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.cookies)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def polis_current_layout(folder: Path, out: Path) -> Path:
    """A real conversation rewritten in the layout recent Polis exports use: comments.csv
    without `datetime`, with is-meta, is-seed and group-informed-consensus; `xid` after
    `participant` in participants-votes.csv."""
    out.mkdir()
    with (folder / "comments.csv").open(encoding="utf-8", newline="") as file:
        comments = list(csv.DictReader(file))
    with (out / "comments.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["timestamp", "comment-id", "author-id", "agrees", "disagrees",
                         "moderated", "is-meta", "is-seed", "group-informed-consensus",
                         "comment-body"])
        for row in comments:
            writer.writerow([row["timestamp"], row["comment-id"], row["author-id"], row["agrees"],
                             row["disagrees"], row["moderated"], "false", "false", "0.5",
                             row["comment-body"]])
    with (folder / "participants-votes.csv").open(encoding="utf-8", newline="") as source, \
            (out / "participants-votes.csv").open("w", encoding="utf-8", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target)
        for number, row in enumerate(reader):
            writer.writerow([row[0], "xid" if number == 0 else f"x-{row[0]}", *row[1:]])
    return out


def pdf_text(body: bytes) -> str:
    """A PDF's text as pypdf extracts it, its pages separated by form feeds."""
    import io

    from pypdf import PdfReader

    return "\f".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def stop(process: subprocess.Popen, *, sig: int = signal.SIGTERM, grace: float = 20) -> int:
    """Ask a process the tests started to stop (``sig``), kill it if it has not within
    ``grace`` seconds, and return its exit status."""
    if process.poll() is None:
        process.send_signal(sig)
    try:
        return process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)
