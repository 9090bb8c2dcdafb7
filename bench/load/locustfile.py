"""What the load test's members do, for locust (run by bench/load/run.py, in bench/load/.venv).

Each simulated person signs in with an account of their own, as a browser behind the reverse
proxy would: the generator plays nginx's part and sends X-Forwarded-For (a distinct address per
person), X-Forwarded-Proto and a Referer, and Palabre trusts them only because it is told that
127.0.0.1 is its proxy (PALABRE_TRUSTED_PROXIES). CSRF tokens come from the pages, as in a
browser; nothing of the site's rules is switched off.

- a voter reads the card page, votes on the card, and reads the page the vote sends them back
  to (the next card), where the site says whether the vote was taken;
- a writer reads the consultation, accepts the data notice once, then writes contributions that
  each carry a unique marker, so that the database can be searched for them afterwards;
- a reader browses: home, consultations, the consultation's pages, proposals, account;
- one facilitator keeps an analysis running on the open consultation.

Every submission goes to a journal (JSON lines) with what the site answered; the latencies go
to a summary file. The run stops by itself at LOAD_MAX_SUBMISSIONS submissions (or at locust's
--run-time).
"""

import json
import os
import re
import threading
import time
import uuid
from itertools import count

import gevent
from locust import FastHttpUser, between, constant, events, task
from locust.exception import StopUser

CONSULTATION = int(os.environ.get("LOAD_CONSULTATION", "1"))
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
HOST_NAME = os.environ.get("LOAD_HOST_NAME", "palabre.localhost")
MAX_SUBMISSIONS = int(os.environ.get("LOAD_MAX_SUBMISSIONS", "20000"))
JOURNAL = os.environ.get("LOAD_JOURNAL", "journal.jsonl")
SUMMARY = os.environ.get("LOAD_SUMMARY", "summary.json")
FACILITATOR = os.environ.get("LOAD_FACILITATOR", "")
# Voters who do not read the page a vote leads to: they vote on the following ids with the
# token they hold (only for bench/load/floor.py's application, whose cards are 1, 2, 3, …).
BLIND = os.environ.get("LOAD_BLIND") == "1"
with open(os.environ.get("LOAD_ACCOUNTS", "accounts.txt"), encoding="utf-8") as handle:
    ACCOUNTS = [line.strip() for line in handle if line.strip()]

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key" type="hidden" value="([^"]*)"')
CARD = re.compile(r'action="/consultations/contributions/(\d+)/vote"')
ERROR = re.compile(r'class="message message-error"')
COOKIE = "palabre_session"
CONSENT_FORM = re.compile(r'action="/consultations/\d+/consent"')

_next_account = count()
_lock = threading.Lock()  # gevent greenlets do not preempt, but keep the journal lines whole
_journal = open(JOURNAL, "a", encoding="utf-8")  # noqa: SIM115 — open for the whole run
_timings: dict[str, list[tuple[float, float]]] = {}  # category -> [(end time, ms)]
_errors: dict[str, int] = {}
_state = {"submissions": 0, "spawned_at": None, "analyses": 0, "stopping": False}


def category(name: str) -> str:
    if name.startswith("submit"):
        return "submissions"
    if name.startswith("sign-in"):
        return "sign-in"
    return "pages"


@events.request.add_listener
def _timed(request_type, name, response_time, response_length, exception=None, **_kw):
    now = time.time()
    _timings.setdefault(category(name), []).append((now, response_time))
    if name.startswith("submit"):
        _timings.setdefault(name, []).append((now, response_time))
    if exception is not None:
        _errors[name] = _errors.get(name, 0) + 1


@events.spawning_complete.add_listener
def _spawned(user_count, **_kw):
    _state["spawned_at"] = time.time()


@events.quitting.add_listener
def _write_summary(environment, **_kw):
    _journal.flush()
    with open(SUMMARY, "w", encoding="utf-8") as out:
        json.dump({"timings": _timings, "errors": _errors, "spawned_at": _state["spawned_at"],
                   "analyses_started": _state["analyses"]}, out)


def journal(kind: str, key: str, outcome: str) -> None:
    with _lock:
        _journal.write(json.dumps({"kind": kind, "key": key, "outcome": outcome}) + "\n")
    _state["submissions"] += 1


class Person(FastHttpUser):
    """Someone of the cooperative with an account of their own, behind the proxy."""

    abstract = True
    wait_time = constant(0)

    cookie = ""

    def on_start(self):
        index = next(_next_account)
        if index >= len(ACCOUNTS):
            raise RuntimeError("more simulated people than accounts: raise --members")
        self.email = self.account(index)
        self.address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 or 1}"
        self.sign_in()

    def account(self, index: int) -> str:
        return ACCOUNTS[index]

    def headers(self, path: str) -> dict[str, str]:
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
                   "X-Forwarded-Host": HOST_NAME, "Referer": f"https://{HOST_NAME}{path}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        return headers

    def keep_cookie(self, response) -> None:
        """The session cookie is Secure: the browser keeps it because it speaks TLS to the
        proxy; here the generator keeps it by hand (the plain-HTTP hop is the proxy's)."""
        values = response.headers.get("set-cookie") if response.headers else None
        for value in [values] if isinstance(values, str) else values or ():
            if value.startswith(f"{COOKIE}="):
                self.cookie = value.split(";", 1)[0]

    def page(self, path: str, name: str):
        with self.client.get(path, name=name, headers=self.headers(path),
                             catch_response=True) as response:
            self.keep_cookie(response)
            if response.status_code != 200:
                response.failure(f"{response.status_code} on {path}")
            return response

    def post(self, path: str, data: dict, name: str, expected=(302,)):
        with self.client.post(path, data=data, name=name, headers=self.headers(path),
                              allow_redirects=False, catch_response=True) as response:
            self.keep_cookie(response)
            if response.status_code not in expected:
                response.failure(f"{response.status_code} on {path}")
            return response

    def sign_in(self):
        response = self.page("/login", "sign-in page")
        token = CSRF.search(response.text or "")
        answer = self.post("/login", {"csrf_token": token.group(1) if token else "",
                                      "email": self.email, "password": PASSWORD}, "sign-in")
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in refused for {self.email}: {answer.status_code}")

    def check_bound(self):
        """Past the bound, one greenlet stops the run (a user stopping it from inside its own
        task would be stopped halfway); the others submit nothing more."""
        if _state["submissions"] >= MAX_SUBMISSIONS:
            if not _state["stopping"]:
                _state["stopping"] = True
                gevent.spawn(self.environment.runner.quit)
            raise StopUser()


class Voter(Person):
    """Votes through the cards of the open consultation, one after the other."""

    weight = 8

    def on_start(self):
        super().on_start()
        self.card_page = self.page(f"/consultations/{CONSULTATION}/vote", "cards")
        self.blind = None  # (next card id, token) when BLIND

    @task
    def vote(self):
        self.check_bound()
        if self.blind:
            contribution_id, token = self.blind
        else:
            text = self.card_page.text or ""
            card, found = CARD.search(text), CSRF.search(text)
            if not card or not found:  # nothing left to vote on: read instead
                self.page(f"/consultations/{CONSULTATION}", "consultation")
                time.sleep(1)
                return
            contribution_id, token = card.group(1), found.group(1)
        value = str((int(contribution_id) % 3) - 1)
        path = f"/consultations/contributions/{contribution_id}/vote"
        response = self.post(path, {"csrf_token": token, "value": value}, "submit vote")
        key = f"{self.email}|{contribution_id}|{value}"
        if BLIND and response.status_code == 302:
            self.blind = (str(int(contribution_id) + 1), token)
            journal("vote", key, "accepted")
            return
        if response.status_code != 302:
            journal("vote", key, "unknown" if response.status_code == 0 else "rejected")
            self.card_page = self.page(f"/consultations/{CONSULTATION}/vote", "cards")
            return
        # The redirect leads to the next card, where a refused vote would be said.
        self.card_page = self.page(f"/consultations/{CONSULTATION}/vote", "cards")
        refused = self.card_page.status_code == 200 and ERROR.search(self.card_page.text or "")
        journal("vote", key, "rejected" if refused else "accepted")


class Writer(Person):
    """Writes contributions to the open consultation, each with a marker of its own."""

    weight = 2

    def on_start(self):
        super().on_start()
        self.show = self.page(f"/consultations/{CONSULTATION}", "consultation")
        if CONSENT_FORM.search(self.show.text or ""):
            token = CSRF.search(self.show.text or "")
            self.post(f"/consultations/{CONSULTATION}/consent",
                      {"csrf_token": token.group(1) if token else "", "accept": "y"},
                      "consent")
            self.show = self.page(f"/consultations/{CONSULTATION}", "consultation")

    @task
    def contribute(self):
        self.check_bound()
        text = self.show.text or ""
        token, key = CSRF.search(text), SUBMISSION_KEY.search(text)
        marker = f"charge-{uuid.uuid4().hex}"
        data = {
            "csrf_token": token.group(1) if token else "",
            "submission_key": key.group(1) if key else "",
            "text": f"Repère {marker}. Je pense que l'outil doit rester une aide : la "
                    "coordination garde la décision et connaît les personnes.",
            "stance": "mixed",
        }
        response = self.post(f"/consultations/{CONSULTATION}/contribute", data,
                             "submit contribution", expected=(302,))
        outcome = {302: "accepted", 0: "unknown"}.get(response.status_code, "rejected")
        journal("contribution", marker, outcome)
        # Where the browser lands: the consultation again, with a fresh form.
        self.show = self.page(f"/consultations/{CONSULTATION}", "consultation")


class Reader(Person):
    """Reads the pages a member reads, without writing."""

    weight = 2
    wait_time = between(0.2, 0.6)

    @task(3)
    def consultation(self):
        self.page(f"/consultations/{CONSULTATION}", "consultation")

    @task(2)
    def later_page(self):
        self.page(f"/consultations/{CONSULTATION}?page=2", "consultation, page 2")

    @task(2)
    def home(self):
        self.page("/", "home")

    @task(1)
    def listing(self):
        self.page("/consultations/", "consultations")

    @task(1)
    def proposals(self):
        self.page("/proposals/", "proposals")

    @task(1)
    def account_page(self):
        self.page("/account/", "account")


class Facilitator(Person):
    """Keeps an analysis of the open consultation running, and watches its progress."""

    fixed_count = 1
    wait_time = constant(2)

    def account(self, index: int) -> str:
        return FACILITATOR

    def on_start(self):
        self.address = "10.255.255.254"
        self.email = FACILITATOR
        self.sign_in()
        self.run_id = None

    @task
    def analysis(self):
        path = f"/facilitate/consultations/{CONSULTATION}/analysis"
        if self.run_id is not None:
            progress = self.page(f"{path}/{self.run_id}/progress.json", "analysis progress")
            try:
                status = json.loads(progress.text or "{}").get("status")
            except ValueError:
                status = None
            if status in ("queued", "running"):
                return
        page = self.page(path, "analysis page")
        token = CSRF.search(page.text or "")
        self.post(path, {"csrf_token": token.group(1) if token else ""}, "analysis start")
        runs = re.findall(rf'data-progress-url="{path}/(\d+)/progress\.json"',
                          self.page(path, "analysis page").text or "")
        self.run_id = runs[0] if runs else None
        _state["analyses"] += 1
