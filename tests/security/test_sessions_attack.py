"""Session fixation and replay: the cookie a visitor had before signing in is worth nothing after,
a copied cookie dies with sign-out, erasure and deactivation (and stays dead on reactivation).
Password-reset requests are throttled per address. Sign-out, a new password and new roles are in
tests/integration/test_sessions.py; sign-in throttling in tests/integration/test_sign_in_limits.py.
"""

from consult.db import get_session
from consult.services import members
from tests.helpers import TEST_PASSWORD, Browser, as_person, csrf_from, read

COOKIE = "palabre_session"


def cookie(browser: Browser) -> str:
    return browser.client.get_cookie(COOKIE).value


def holding(app, value: str) -> Browser:
    """Another browser presenting this session cookie."""
    other = Browser(app.test_client())
    other.client.set_cookie(COOKIE, value)
    return other


def signed_in(browser: Browser) -> bool:
    return browser.client.get("/account/").status_code == 200


def test_signing_in_gives_a_new_session_that_keeps_nothing_of_the_visitors(app, people):
    people.add("ana@coop.example")
    browser = Browser(app.test_client())
    browser.client.get("/language/en")  # the visitor's choice of language is kept, nothing else
    before_token = csrf_from(read(browser.client.get("/login")))
    planted = cookie(browser)  # what an attacker could have set in the victim's browser
    response = browser.client.post("/login", data={"csrf_token": before_token,
                                                   "email": "ana@coop.example",
                                                   "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert cookie(browser) != planted
    assert not signed_in(holding(app, planted))  # the planted cookie did not become Ana's
    # The form token of the visitor's session no longer passes: the session was renewed.
    assert browser.client.post("/notifications/lues",
                               data={"csrf_token": before_token}).status_code == 400
    assert 'lang="en"' in browser.client.get("/account/").get_data(as_text=True)


def test_a_cookie_replayed_after_sign_out_is_a_visitor_and_cannot_post(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/")))
    old = cookie(ana)
    ana.logout()
    replay = holding(app, old)
    response = replay.client.post("/notifications/lues", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(replay)


def test_erasing_ones_account_ends_every_copy_of_its_session(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    copy = holding(app, cookie(ana))
    assert signed_in(copy)
    response = ana.form_post("/account/", {"confirm": "y", "password": TEST_PASSWORD},
                             post_url="/account/erase")
    assert response.status_code == 302, read(response)
    assert not signed_in(copy) and not signed_in(ana)
    assert Browser(app.test_client()).login("ana@coop.example").status_code == 401


def test_a_session_ended_by_deactivation_stays_ended_after_reactivation(app, people):
    admin_account = people.add("admin@coop.example", roles=("admin",))
    person = people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    old = cookie(ana)
    with app.app_context():
        db = get_session()
        admin = members.get_member(db, admin_account.id)
        members.set_active(db, admin, person.id, False)
        assert not signed_in(holding(app, old))
        members.set_active(db, admin, person.id, True)
    assert not signed_in(holding(app, old))  # reactivating does not bring the old session back
    assert signed_in(as_person(app, "ana@coop.example"))  # signing in again does


def test_password_reset_requests_are_limited_per_address(make_app, people):
    """Asking for reset links cannot be used to flood a member's mailbox from one address."""
    app = make_app(PALABRE_LOGIN_RATE_LIMIT="2 per minute")
    people.add("ana@coop.example")

    def ask(address):
        browser = Browser(app.test_client())
        environ = {"REMOTE_ADDR": address}
        token = csrf_from(read(browser.client.get("/password/forgot", environ_overrides=environ)))
        return browser.client.post("/password/forgot", environ_overrides=environ, data={
            "csrf_token": token, "email": "ana@coop.example"}).status_code

    codes = [ask("192.0.2.1") for _ in range(3)]
    assert 429 not in codes[:2] and codes[2] == 429
    assert ask("198.51.100.7") != 429  # another address has its own allowance
