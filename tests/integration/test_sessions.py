"""A session ends for good: a copied session cookie stops working after sign-out, a new password,
a deactivation or a change of roles (consult/views/__init__.py, the member's session version)."""

import re

from sqlmodel import select

from consult.db import get_session
from consult.models import AuditEvent
from consult.services import members as member_service
from tests.helpers import TEST_PASSWORD, Browser, as_person

COOKIE = "palabre_session"


def thief_of(app, browser: Browser) -> Browser:
    """Another browser holding a copy of this browser's session cookie."""
    thief = Browser(app.test_client())
    thief.client.set_cookie(COOKIE, browser.client.get_cookie(COOKIE).value)
    assert thief.client.get("/account/").status_code == 200  # the copy works, for now
    return thief


def signed_in(browser: Browser) -> bool:
    return browser.client.get("/account/").status_code == 200


def test_signing_out_ends_the_session_and_its_copies(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    thief = thief_of(app, ana)
    ana.logout()
    assert not signed_in(ana) and not signed_in(thief)
    assert thief.client.get("/account/").headers["Location"].startswith("/login")
    with app.app_context():
        kinds = list(get_session().exec(select(AuditEvent.event_type)))
    assert "MemberSignedOut" in kinds
    assert signed_in(as_person(app, "ana@coop.example"))  # signing in again works


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, people):
    people.add("admin@coop.example", roles=("admin",))
    person = people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    thief = thief_of(app, ana)
    admin = as_person(app, "admin@coop.example")
    page = read_link(admin.form_post(f"/admin/members/{person.id}", {},
                                     post_url=f"/admin/members/{person.id}/link"))
    fresh = Browser(app.test_client())
    new_password = "une toute nouvelle phrase secrète"
    fresh.form_post(page, {"password": new_password, "confirmation": new_password})
    assert signed_in(fresh)  # the link signs its user in
    assert not signed_in(ana) and not signed_in(thief)
    assert Browser(app.test_client()).login("ana@coop.example", TEST_PASSWORD).status_code == 401


def read_link(response) -> str:
    return re.search(r"https?://[^/\s]+(/password/reset/[^\s<\"]+)",
                     response.get_data(as_text=True)).group(1)


def test_deactivation_and_new_roles_end_the_members_sessions(app, people):
    admin_account = people.add("admin@coop.example", roles=("admin",))
    person = people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    with app.app_context():
        db = get_session()
        admin = member_service.get_member(db, admin_account.id)
        member_service.update_member(db, admin, person.id, display_name="Ana",
                                     college_id=None, roles=["member", "facilitator"])
    assert not signed_in(ana)
    ana = as_person(app, "ana@coop.example")
    assert ana.client.get("/facilitate/consultations").status_code == 200  # the new role
    with app.app_context():
        db = get_session()
        admin = member_service.get_member(db, admin_account.id)
        member_service.set_active(db, admin, person.id, False)
    assert not signed_in(ana)


def test_an_admins_change_to_someone_else_leaves_the_admin_signed_in(app, people):
    people.add("admin@coop.example", roles=("admin",))
    person = people.add("ana@coop.example")
    admin = as_person(app, "admin@coop.example")
    admin.form_post(f"/admin/members/{person.id}",
                    {"display_name": "Ana", "college_id": "", "roles": ["member", "board"]})
    assert signed_in(admin)
