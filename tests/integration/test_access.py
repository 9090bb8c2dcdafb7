"""Every route, for every role of docs/permissions.md, allowed or refused as its table says.

The table is data in tests/security/permissions.py; this module signs in as each role (anonymous,
the five roles, a deactivated member) and asks every route of the app. Its `world` (the objects the
routes act on) and `concrete` are also used by tests/security/test_csrf.py.
"""

import re

import pytest

from tests.helpers import Browser, as_person, contribute, create, csrf_from, read
from tests.security.permissions import (  # noqa: F401 (AUTHOR_ONLY: for test_csrf.py)
    API,
    AUTHOR_ONLY,
    ROLES,
    ROUTES,
    SIGNED_IN,
    allowed_roles,
    app_rules,
)

# Asked last in a walk: they end the session of whoever asks.
ENDS_THE_SESSION = ("/account/erase", "/logout")


def concrete(rule: str, ids: dict) -> str:
    path = rule
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    path = re.sub(r"<any\(([a-z]+)[^)]*\):[a-z_]+>", r"\1", path)
    path = path.replace("<path:filename>", "palabre.css").replace("<code>", "en")
    return path.replace("<target>", "closed").replace("<token>", "0" * 32)


@pytest.fixture
def world(app, people):
    college = people.college("Salariés", 100)
    for role in SIGNED_IN:
        people.add(f"{role}@coop.example", name=role.title(), roles=(role,), college_id=college.id)
    people.add("anim@coop.example", roles=("facilitator",), college_id=college.id)
    cid, _ = create(app, {"staff": college})
    contribute(as_person(app, "member@coop.example"), cid, "Une contribution")
    proposal = as_person(app, "board@coop.example").form_post(
        "/proposals/new",
        {
            "title": "Projet",
            "need": "n",
            "benefits": "b",
            "affected": "a",
            "data_used": "d",
            "risks": "r",
            "environmental_cost": "e",
            "alternatives": "x",
        },
    )
    proposal_id = int(proposal.headers["Location"].rstrip("/").split("/")[-1])
    member_id = 1
    entry_id, review_id, test_id = _register_entry(app)
    motion_id, version_id, notification_id = _board(app)
    return {
        "motion_id": motion_id,
        "version_id": version_id,
        "notification_id": notification_id,
        "for_member": member_id,
        "entry_id": entry_id,
        "review_id": review_id,
        "test_id": test_id,
        "index": 0,
        "consultation_id": cid,
        "contribution_id": 1,
        "proposal_id": proposal_id,
        "member_id": member_id,
        "college_id": college.id,
        # No analysis in this world: the explorer's objects are not found (404), never refused
        # to the facilitation team, and refused to everyone else before they are looked up.
        "theme_id": 1,
        "edit_id": 1,
        "run_id": 1,
    }


def _register_entry(app):
    from consult.db import get_session
    from consult.services import bias_tests, register, reviews
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email
    from ethics_register import review
    from tests.integration.test_bias_tests import upload
    from tests.unit.test_entry import complete

    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        ethics = find_by_email(db, "ethics@coop.example")
        row = register.create_entry(db, ethics, complete(), signer)
        names = [name for name, _ in review.REQUIREMENTS]
        record = reviews.record_review(db, ethics, row.id, reviews.ReviewInput(
            answers=dict.fromkeys(names, "met"), notes=dict.fromkeys(names, "Vu."),
            opinion="favourable"), signer)
        test = bias_tests.record_upload(db, ethics, row.id, upload(), signer)
        return row.id, record.id, test.id


def _board(app):
    """An assembly motion open to every member, the founding charter, a notification."""
    from datetime import timedelta

    from consult.db import get_session
    from consult.models import Notification, utcnow
    from consult.services import board, charter
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email

    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        version = charter.seed_charter(db, signer)
        chair = find_by_email(db, "board@coop.example")
        motion = board.open_motion(db, chair, board.MotionInput(
            title="Motion", text="Texte.", body="assembly", method="one_member_one_vote",
            majority="simple", opens_at=utcnow() - timedelta(minutes=1),
            closes_at=utcnow() + timedelta(days=1)), signer, app.config)
        note = Notification(member_id=find_by_email(db, "member@coop.example").id,
                            kind="vote_opened", params="{}", url="/votes")
        db.add(note)
        db.commit()
        return motion.id, version.id, note.id


def walk(app, world) -> list[tuple[str, str, str]]:
    """(rule, method, path) for every page route, those that end the session last."""
    steps = [(rule, method, concrete(rule, world)) for rule, methods in app_rules(app)
             if not rule.startswith(API) for method in methods]
    return sorted(steps, key=lambda step: ENDS_THE_SESSION.index(step[0])
                  if step[0] in ENDS_THE_SESSION else -1)


def outcome(response) -> str:
    """What a person sees: sent to sign in, refused (403), a server error, or the page."""
    if response.status_code == 302 and response.headers["Location"].startswith("/login?next="):
        return "sign in"
    if response.status_code == 403:
        return "refused"
    if response.status_code >= 500:
        return "error"
    return "page"


def expected(rule: str, role: str) -> str:
    if role in ROUTES[rule].roles:
        return "page"
    return "refused" if role in SIGNED_IN else "sign in"


def deactivated_while_signed_in(app, people) -> Browser:
    """A member signed in, then deactivated by an administrator: the browser keeps its cookie."""
    from consult.db import get_session
    from consult.services import members

    person = people.add("deactivated@coop.example", name="Parti")
    browser = as_person(app, "deactivated@coop.example")
    with app.app_context():
        db = get_session()
        members.set_active(db, members.find_by_email(db, "admin@coop.example"), person.id, False)
    return browser


def walk_as(browser: Browser, token: str, app, ids: dict, role: str) -> list[tuple]:
    """Every page route asked by ``browser``: what differs from the table."""
    wrong = []
    for rule, method, path in walk(app, ids):
        if method == "GET":
            response = browser.client.get(path)
        else:  # a valid CSRF token, so that only the permission can refuse
            response = browser.client.post(path, data={"csrf_token": token})
        response.close()  # a static file holds its file open
        seen, wanted = outcome(response), expected(rule, role)
        if seen != wanted:
            wrong.append((method, path, response.status_code, seen, wanted))
    return wrong


@pytest.mark.slow
@pytest.mark.parametrize("role", SIGNED_IN)
def test_each_role_reaches_exactly_the_pages_of_the_permission_table(app, world, role):
    browser = as_person(app, f"{role}@coop.example")
    token = csrf_from(read(browser.client.get("/")))
    assert walk_as(browser, token, app, world, role) == []


# Visitors are sent to sign in before any object is looked up: any id will do.
ANY_IDS = dict.fromkeys(("motion_id", "version_id", "notification_id", "for_member", "entry_id",
                         "review_id", "test_id", "index", "consultation_id", "contribution_id",
                         "proposal_id", "member_id", "college_id", "theme_id", "edit_id",
                         "run_id"), 1)


@pytest.mark.parametrize("role", ("anonymous", "deactivated"))
def test_visitors_and_deactivated_members_reach_only_the_public_pages(app, people, role):
    people.add("admin@coop.example", roles=("admin",))
    if role == "anonymous":
        browser = Browser(app.test_client())
    else:
        browser = deactivated_while_signed_in(app, people)
    token = csrf_from(read(browser.client.get("/login")))  # the form a visitor gets
    assert walk_as(browser, token, app, ANY_IDS, role) == []


def test_a_deactivated_member_cannot_sign_in_again(app, people):
    people.add("admin@coop.example", roles=("admin",))
    browser = deactivated_while_signed_in(app, people)
    response = browser.login("deactivated@coop.example")
    assert response.status_code == 401
    assert "Ce compte est désactivé" in read(response)
    assert outcome(browser.client.get("/account/")) == "sign in"


def test_api_routes_answer_json_never_a_redirect(app, world, people):
    from consult.db import get_session
    from consult.services import members
    from consult.services.api_tokens import create_token

    departing = people.add("deactivated@coop.example")
    with app.app_context():
        db = get_session()
        tokens = {role: create_token(db, None, f"{role}@coop.example", "t")[1]
                  for role in (*SIGNED_IN, "deactivated")}
        members.set_active(db, members.find_by_email(db, "admin@coop.example"), departing.id,
                           False)
    anonymous = app.test_client()
    signed_in = as_person(app, "admin@coop.example").client
    wrong, checked = [], 0
    for rule, _methods in app_rules(app):
        if not rule.startswith(API):
            continue
        path = concrete(rule, world)
        for role in ROLES:
            headers = {} if role == "anonymous" else {"Authorization": f"Bearer {tokens[role]}"}
            response = anonymous.get(path, headers=headers)
            allowed = role in ROUTES[rule].roles
            # "page": reached, perhaps to learn that the object does not exist (404)
            status = response.status_code if response.status_code in (401, 403) else "page"
            wanted = "page" if allowed else (403 if role in SIGNED_IN else 401)
            if (status != wanted or response.status_code >= 500 or not response.is_json
                    or "Location" in response.headers):
                wrong.append((role, path, response.status_code, wanted))
            checked += 1
        if "anonymous" not in ROUTES[rule].roles:  # the session cookie lends the API nothing
            response = signed_in.get(path)
            assert response.status_code == 401, path
            assert response.get_json()["error"] == "unauthorized", path
    assert wrong == []
    assert checked >= 10 * len(ROLES)
