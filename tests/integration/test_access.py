"""Every route, for every role: allowed or refused as intended."""

import re

import pytest

from tests.helpers import Browser, as_person, contribute, create, csrf_from, read

PUBLIC = {
    "/login",
    "/logout",
    "/password/forgot",
    "/password/reset/<token>",
    "/invitation/<token>",
    "/language/<code>",
    "/health",
    "/static/<path:filename>",
    "/journal",  # the audit log's public page, its latest checkpoint and its key
    "/journal/checkpoint.txt",
    "/journal/key.pub",
    "/ia",  # the public register
    "/ia/<int:entry_id>/fiche.pdf",  # the public model card of an entry /ia shows
    "/ia/<int:entry_id>/fiche.json",
}
# Who may use each area beyond "any signed-in member". The committee's model cards,
# /registre/<int:entry_id>/fiche.pdf and fiche.json, are in /registre.
AREAS = {"/admin": {"admin"}, "/facilitate": {"facilitator", "admin"},
         "/registre": {"ethics", "admin"}, "/journal/preuves": {"ethics", "admin"},
         "/conseil": {"board", "admin"}, "/charte/projets": {"board", "admin"}}
ROLES = ("member", "facilitator", "ethics", "board", "admin")
# The JSON API (/api/v1) never redirects to /login and never reads the session cookie: its
# public endpoints answer anyone, the others answer 401 JSON without a member's token, and with
# one, refuse (403) as the pages do. Checked by test_api_routes_answer_json_never_a_redirect.
API = "/api/v1"
API_PUBLIC = {"/api/v1/openapi.json", "/api/v1/register", "/api/v1/checkpoint"}
API_AREAS = {"/api/v1/proofs": {"ethics", "admin"}}  # as /journal/preuves


# Only the author edits or withdraws a contribution; in `world` the author is "member".
AUTHOR_ONLY = {
    "/consultations/contributions/<int:contribution_id>/edit",
    "/consultations/contributions/<int:contribution_id>/withdraw",
}


def allowed_roles(rule: str) -> set[str]:
    if rule in AUTHOR_ONLY:
        return {"member"}
    for prefix, roles in AREAS.items():
        if rule.startswith(prefix):
            return roles
    return set(ROLES)


def concrete(rule: str, ids: dict) -> str:
    path = rule
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value))
    path = re.sub(r"<any\(([a-z]+)[^)]*\):[a-z_]+>", r"\1", path)
    path = path.replace("<target>", "closed").replace("<token>", "0" * 32)
    return path


@pytest.fixture
def world(app, people):
    college = people.college("Salariés", 100)
    for role in ROLES:
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


def rules(app):
    return sorted(
        {
            (r.rule, tuple(sorted(r.methods - {"HEAD", "OPTIONS"})))
            for r in app.url_map.iter_rules()
            if r.rule not in PUBLIC and not r.rule.startswith(API)
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_pages(app, world, role):
    browser = as_person(app, f"{role}@coop.example")
    token = csrf_from(read(browser.client.get("/")))
    checked = 0
    for rule, methods in rules(app):
        path = concrete(rule, world)
        for method in methods:
            if method == "POST" and path in ("/account/erase",):
                continue  # erasing would sign this person out for the rest of the loop
            response = (
                browser.client.get(path)
                if method == "GET"
                else browser.client.post(path, data={"csrf_token": token})
            )
            refused = response.status_code == 403
            expected_refused = role not in allowed_roles(rule)
            assert refused == expected_refused, (role, method, path, response.status_code)
            checked += 1
    assert checked > 30


@pytest.mark.slow
def test_anonymous_visitors_are_sent_to_sign_in_everywhere(app, world):
    client = Browser(app.test_client()).client
    for rule, methods in rules(app):
        path = concrete(rule, world)
        if "GET" in methods:
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login"), path
        else:
            assert client.post(path).status_code in (302, 400), path  # no CSRF token: 400


def test_public_pages_need_no_sign_in(client):
    for path in ("/login", "/password/forgot", "/health", "/static/palabre.css"):
        with client.get(path) as response:  # a static file response holds the file open
            assert response.status_code == 200, path


def test_api_routes_answer_json_never_a_redirect(app, world):
    from consult.db import get_session
    from consult.services.api_tokens import create_token

    with app.app_context():
        tokens = {role: create_token(get_session(), None, f"{role}@coop.example", "t")[1]
                  for role in ROLES}
    anonymous = app.test_client()
    signed_in = as_person(app, "admin@coop.example").client
    checked = 0
    for rule in sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith(API)):
        path = concrete(rule, world)
        if rule in API_PUBLIC:
            assert anonymous.get(path).status_code == 200, path
            continue
        for client in (anonymous, signed_in):  # the session cookie lends the API nothing
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.get_json()["error"] == "unauthorized", path
            assert "Location" not in response.headers, path
        allowed = next((roles for prefix, roles in API_AREAS.items() if rule.startswith(prefix)),
                       set(ROLES))
        for role in ROLES:
            response = anonymous.get(path, headers={"Authorization": f"Bearer {tokens[role]}"})
            assert response.is_json, (role, path)
            assert (response.status_code == 403) == (role not in allowed), (
                role, path, response.status_code)
            checked += 1
    assert checked >= 6 * len(ROLES)
