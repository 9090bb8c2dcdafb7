"""Invitation, password, sign-in, sign-out, tokens, rate limit, deactivation, CSRF."""

import re
from datetime import timedelta

from sqlmodel import select

from consult.db import get_session
from consult.models import AuditEvent, MemberToken, utcnow
from tests.helpers import TEST_PASSWORD, Browser, read


def events(app, event_type):
    with app.app_context():
        return list(
            get_session().exec(select(AuditEvent).where(AuditEvent.event_type == event_type))
        )


def test_invite_set_password_login_logout(app, client, browser, people):
    people.add("admin@coop.example", roles=("admin",))
    browser.login("admin@coop.example")
    response = browser.form_post(
        "/admin/members/invite",
        {
            "email": "Lea@Coop.example",
            "display_name": "Léa Moreau",
            "college_id": "",
            "roles": ["member", "facilitator"],
        },
    )
    page = read(response)
    assert response.status_code == 200
    assert "Lien à transmettre à Léa Moreau" in page
    link = re.search(r'id="lien" type="text" readonly value="([^"]+)"', page).group(1)
    assert link.startswith("http://localhost/invitation/")  # the address the admin used
    path = link.removeprefix("http://localhost")
    assert path.startswith("/invitation/")
    browser.logout()

    invited = Browser(app.test_client())
    assert "Bienvenue dans Palabre" in read(invited.client.get(path))
    response = invited.form_post(
        path, {"password": "une longue phrase secrète", "confirmation": "une longue phrase secrète"}
    )
    assert response.status_code == 302
    home = read(invited.client.get("/"))
    assert "Bonjour Léa Moreau" in home
    assert "Animation" in home

    invited.logout()
    assert invited.client.get("/").status_code == 302  # back to sign-in
    response = invited.login("lea@coop.example", "une longue phrase secrète")
    assert response.status_code == 302
    assert [e.event_type for e in events(app, "MemberPasswordSet")] == ["MemberPasswordSet"] * 2


def test_wrong_password_is_refused_without_saying_which_part(people, browser):
    people.add("ana@coop.example")
    response = browser.login("ana@coop.example", "not the right password")
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in read(response)
    unknown = browser.login("nobody@coop.example", "not the right password")
    assert "Adresse e-mail ou mot de passe incorrect." in read(unknown)
    assert browser.client.get("/").status_code == 302


def test_typed_email_is_kept_after_a_failed_sign_in(people, browser):
    people.add("ana@coop.example")
    page = read(browser.login("ana@coop.example", "wrong password!"))
    assert 'value="ana@coop.example"' in page


def test_short_password_is_refused_and_the_link_still_works(app, people):
    link = people.add("bo@coop.example", password=None)
    browser = Browser(app.test_client())
    path = f"/invitation/{link.token}"
    response = browser.form_post(path, {"password": "court", "confirmation": "court"})
    assert response.status_code == 200
    assert "12" in read(response)
    response = browser.form_post(
        path, {"password": "assez longue phrase", "confirmation": "pas la même phrase"}
    )
    assert response.status_code == 422
    assert "ne sont pas identiques" in read(response)
    response = browser.form_post(
        path, {"password": "assez longue phrase", "confirmation": "assez longue phrase"}
    )
    assert response.status_code == 302


def test_reused_token_is_refused(app, people):
    link = people.add("bo@coop.example", password=None)
    browser = Browser(app.test_client())
    path = f"/invitation/{link.token}"
    browser.form_post(
        path, {"password": "assez longue phrase", "confirmation": "assez longue phrase"}
    )
    again = Browser(app.test_client()).client.get(path)
    assert again.status_code == 410
    assert "déjà été utilisé" in read(again)


def test_expired_token_is_refused(app, people):
    link = people.add("bo@coop.example", password=None)
    with app.app_context():
        db = get_session()
        for token in db.exec(select(MemberToken)):
            token.expires_at = utcnow() - timedelta(minutes=1)
            db.add(token)
        db.commit()
    response = app.test_client().get(f"/invitation/{link.token}")
    assert response.status_code == 410
    assert "a expiré" in read(response)


def test_unknown_token_is_refused(client):
    response = client.get("/invitation/not-a-real-token")
    assert response.status_code == 410
    assert "n'est pas valide" in read(response)


def test_a_new_invitation_voids_the_previous_link(app, people, browser):
    people.add("admin@coop.example", roles=("admin",))
    first = people.add("bo@coop.example", password=None)
    browser.login("admin@coop.example")
    page = browser.form_post(
        f"/admin/members/{first.member.id}", {}, post_url=f"/admin/members/{first.member.id}/link"
    )
    assert "Lien à transmettre" in read(page)
    assert app.test_client().get(f"/invitation/{first.token}").status_code == 410


def test_login_is_rate_limited(make_app, people):
    app = make_app(PALABRE_LOGIN_RATE_LIMIT="3 per minute")
    people.add("ana@coop.example")
    browser = Browser(app.test_client())
    codes = [browser.login("ana@coop.example", "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    page = read(browser.login("ana@coop.example"))
    assert "Trop de tentatives" in page  # even the right password waits


def test_deactivated_member_cannot_sign_in_and_is_signed_out(app, people, browser):
    people.add("admin@coop.example", roles=("admin",))
    ana = people.add("ana@coop.example")
    other = Browser(app.test_client())
    other.login("ana@coop.example")
    assert other.client.get("/").status_code == 200

    browser.login("admin@coop.example")
    browser.form_post(
        f"/admin/members/{ana.id}", {}, post_url=f"/admin/members/{ana.id}/deactivate"
    )
    assert other.client.get("/").status_code == 302  # the open session no longer counts
    response = Browser(app.test_client()).login("ana@coop.example")
    assert response.status_code == 401
    assert "désactivé" in read(response)
    page = read(browser.client.get(f"/admin/members/{ana.id}"))
    assert "ana@coop.example" in page  # the data stays
    assert len(events(app, "MemberDeactivated")) == 1


def test_form_post_without_csrf_token_is_rejected(people, client):
    people.add("ana@coop.example")
    response = client.post("/login", data={"email": "ana@coop.example", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in read(response)
    assert client.get("/").status_code == 302  # not signed in


def test_logout_needs_a_post_with_csrf(people, browser):
    people.add("ana@coop.example")
    browser.login("ana@coop.example")
    assert browser.client.get("/logout").status_code == 405
    assert browser.client.post("/logout").status_code == 400
    assert browser.client.get("/").status_code == 200


def test_next_parameter_cannot_leave_the_site(people, browser):
    people.add("ana@coop.example")
    page = browser.client.get("/login?next=//evil.example/")
    token = read(page).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = browser.client.post(
        "/login?next=//evil.example/",
        data={"csrf_token": token, "email": "ana@coop.example", "password": TEST_PASSWORD},
    )
    assert response.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite(people, browser):
    people.add("ana@coop.example")
    response = browser.login("ana@coop.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forgot_password_without_mail_tells_to_ask_an_admin(people, browser):
    people.add("ana@coop.example")
    response = browser.form_post(
        "/password/forgot", {"email": "ana@coop.example"}, follow_redirects=True
    )
    assert "demandez à un administrateur" in read(response)


def test_login_rate_limit_is_shared_through_redis_when_configured(make_app, people):
    import pytest
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    people.add("ana@coop.example")
    first = make_app(PALABRE_LOGIN_RATE_LIMIT="3 per minute", PALABRE_REDIS_URL=url)
    browser = Browser(first.test_client())
    assert [browser.login("ana@coop.example", "wrong password!").status_code for _ in range(3)] == [
        401,
        401,
        401,
    ]
    assert redis.Redis.from_url(url).dbsize() > 0  # the counters live in Redis
    redis.Redis.from_url(url).flushdb()


def test_an_easy_password_is_refused_on_the_invitation_page_saying_why(app, people):
    link = people.add("bo.martin@coop.example", name="Bo Martin", password=None)
    browser = Browser(app.test_client())
    path = f"/invitation/{link.token}"
    for password, why in [("motdepasse12", "fait partie des plus courants"),
                          ("BoMartin2026", "reprendre votre nom ou votre adresse e-mail"),
                          ("123456789012", "fait partie des plus courants")]:
        response = browser.form_post(path, {"password": password, "confirmation": password})
        assert response.status_code == 422 and why in read(response), password
    browser.client.get("/language/en?next=/")
    response = browser.form_post(path, {"password": "azertyuiopqs", "confirmation": "azertyuiopqs"})
    assert "one of the most common" in read(response)
    response = browser.form_post(path, {"password": "un vélo bleu sous la pluie",
                                        "confirmation": "un vélo bleu sous la pluie"})
    assert response.status_code == 302


def test_links_follow_the_address_and_port_the_site_is_served_on(app, people, browser):
    from consult.views import public_url

    with app.test_request_context("/", base_url="http://127.0.0.1:5077"):
        assert public_url("auth.reset_password", token="t") == (
            "http://127.0.0.1:5077/password/reset/t")
    person = people.add("bo@coop.example")
    people.add("admin@coop.example", roles=("admin",))
    browser.login("admin@coop.example")
    page = read(browser.form_post(f"/admin/members/{person.id}", {},
                                  post_url=f"/admin/members/{person.id}/link"))
    assert 'data-copy-label="Copier le lien"' in page and "copy.js" in page


def test_a_configured_base_address_wins(make_app, people):
    app = make_app(PALABRE_BASE_URL="https://coop.example")
    person = people.add("bo@coop.example")
    people.add("admin@coop.example", roles=("admin",))
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    page = read(browser.form_post(f"/admin/members/{person.id}", {},
                                  post_url=f"/admin/members/{person.id}/link"))
    assert 'value="https://coop.example/password/reset/' in page
