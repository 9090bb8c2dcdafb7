"""Sign-in throttling (consult/views/auth.py, consult/proxies.py): failures only, per account
and per address, and the client's address believed only from a trusted proxy."""

from tests.helpers import Browser, csrf_from

WRONG = "wrong password!"


def attempt(app, email, password, address="192.0.2.1", forwarded=None):
    environ = {"REMOTE_ADDR": address}
    if forwarded:
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    browser = Browser(app.test_client())
    page = browser.client.get("/login", environ_overrides=environ).get_data(as_text=True)
    return browser.client.post("/login", data={"csrf_token": csrf_from(page), "email": email,
                                               "password": password},
                               environ_overrides=environ).status_code


def test_a_workshop_signing_in_from_one_connection_is_not_locked_out(make_app, people):
    app = make_app(PALABRE_LOGIN_RATE_LIMIT="3 per minute")
    for n in range(8):
        people.add(f"m{n}@coop.example")
    assert [attempt(app, f"m{n}@coop.example", "correct horse battery staple")
            for n in range(8)] == [302] * 8


def test_failures_are_limited_per_address(make_app, people):
    app = make_app(PALABRE_LOGIN_RATE_LIMIT="3 per minute")
    people.add("ana@coop.example")
    people.add("bo@coop.example")
    codes = [attempt(app, f"x{n}@coop.example", WRONG) for n in range(3)]
    assert codes == [401, 401, 401]
    assert attempt(app, "ana@coop.example", "correct horse battery staple") == 429
    assert attempt(app, "bo@coop.example", "correct horse battery staple",
                   address="198.51.100.7") == 302  # another address has its own allowance


def test_failures_are_limited_per_account_from_any_address(make_app, people):
    app = make_app(PALABRE_LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    people.add("ana@coop.example")
    people.add("bo@coop.example")
    codes = [attempt(app, "ana@coop.example", WRONG, address=f"203.0.113.{n}")
             for n in range(3)]
    assert codes == [401, 401, 401]
    assert attempt(app, "Ana@Coop.example ", "correct horse battery staple",
                   address="203.0.113.99") == 429
    assert attempt(app, "bo@coop.example", "correct horse battery staple",
                   address="203.0.113.99") == 302


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(make_app, people):
    people.add("ana@coop.example")
    untrusted = make_app(PALABRE_LOGIN_RATE_LIMIT="2 per minute")
    codes = [attempt(untrusted, "x@coop.example", WRONG, address="10.0.0.1",
                     forwarded=f"192.0.2.{n}") for n in range(3)]
    assert codes == [401, 401, 429]  # a forged header does not buy more attempts

    behind_proxy = make_app(PALABRE_LOGIN_RATE_LIMIT="2 per minute",
                            PALABRE_TRUSTED_PROXIES="10.0.0.2")
    codes = [attempt(behind_proxy, "x@coop.example", WRONG, address="10.0.0.2",
                     forwarded=f"192.0.2.{n}") for n in range(3)]
    assert codes == [401, 401, 401]  # three clients behind the proxy, one failure each
    codes = [attempt(behind_proxy, "x@coop.example", WRONG, address="10.0.0.2",
                     forwarded="192.0.2.50") for _ in range(3)]
    assert codes == [401, 401, 429]
