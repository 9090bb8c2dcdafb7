"""Admin pages: who may open them, members, colleges and the cooperative."""

import re

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import AuditEvent, Member
from tests.helpers import Browser, read

ADMIN_PATHS_GET = [
    "/admin/members",
    "/admin/members/invite",
    "/admin/members/{member}",
    "/admin/colleges",
    "/admin/colleges/new",
    "/admin/colleges/{college}",
    "/admin/cooperative",
]


def admin_rules(app):
    return sorted(
        {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")}
    )


def fill(path: str, member_id: int, college_id: int) -> str:
    path = re.sub(r"<int:member_id>", str(member_id), path)
    path = re.sub(r"<int:college_id>", str(college_id), path)
    return re.sub(r"<any\([^)]*\):action>", "deactivate", path)


@pytest.fixture
def cast(people):
    college = people.college("Salariés", 30)
    people.add("admin@coop.example", roles=("admin",), college_id=college.id)
    others = {
        role: people.add(f"{role}@coop.example", roles=(role,), college_id=college.id)
        for role in ("member", "facilitator", "ethics", "board")
    }
    return college, others


def test_the_admin_route_list_is_the_one_we_check(app):
    assert admin_rules(app) == sorted(
        [
            "/admin/members",
            "/admin/members/invite",
            "/admin/members/<int:member_id>",
            "/admin/members/<int:member_id>/<any(deactivate, reactivate):action>",
            "/admin/members/<int:member_id>/link",
            "/admin/colleges",
            "/admin/colleges/new",
            "/admin/colleges/<int:college_id>",
            "/admin/cooperative",
        ]
    )


@pytest.mark.parametrize("role", ["member", "facilitator", "ethics", "board"])
def test_every_admin_route_is_refused_to_non_admins(app, cast, role):
    college, others = cast
    browser = Browser(app.test_client())
    browser.login(f"{role}@coop.example")
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', read(browser.client.get("/"))
    ).group(1)
    target = others["member"].id
    for rule in admin_rules(app):
        path = fill(rule, target, college.id)
        assert browser.client.get(path).status_code in (403, 405), path
        assert browser.client.post(path, data={"csrf_token": token}).status_code in (403, 405), path
    assert "Accès refusé" in read(browser.client.get("/admin/members"))
    with app.app_context():
        assert get_session().get(Member, target).active  # nothing changed


def test_every_admin_route_sends_anonymous_visitors_to_sign_in(app, cast):
    college, others = cast
    client = app.test_client()
    for rule in admin_rules(app):
        path = fill(rule, others["member"].id, college.id)
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path)
            assert response.status_code in (302, 400), path  # CSRF refuses first, or redirect
            continue
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_admin_opens_every_page(app, cast):
    college, others = cast
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    for path in ADMIN_PATHS_GET:
        path = path.format(member=others["board"].id, college=college.id)
        assert browser.client.get(path).status_code == 200, path


def test_members_search_and_filters(app, cast, people):
    college, _others = cast
    other = people.college("Bénévoles", 20)
    people.add("zoe@coop.example", name="Zoé Kerbrat", college_id=other.id)
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")

    def names(query):
        page = read(browser.client.get("/admin/members" + query))
        return re.findall(r'<th scope="row"><a href="/admin/members/\d+">([^<]+)</a>', page)

    assert names("?q=zo") == ["Zoé Kerbrat"]
    assert names(f"?college={other.id}") == ["Zoé Kerbrat"]
    assert names("?role=ethics") == ["ethics"]
    assert len(names("")) == 6
    assert names("?status=inactive") == []


def test_admin_changes_college_and_roles_and_the_change_is_audited(app, cast, people):
    college, others = cast
    other = people.college("Bénévoles", 20)
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    target = others["member"]
    response = browser.form_post(
        f"/admin/members/{target.id}",
        {
            "display_name": "Membre renommé",
            "college_id": str(other.id),
            "roles": ["member", "board"],
        },
        follow_redirects=True,
    )
    assert "Modifications enregistrées." in read(response)
    with app.app_context():
        db = get_session()
        member = db.get(Member, target.id)
        assert (member.display_name, member.college_id) == ("Membre renommé", other.id)
        assert member.roles == {"member", "board"}
        event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "MemberUpdated")).one()
        assert event.object_id == member.ref
        assert "coop.example" not in event.canonical  # no identity in the log


def test_admin_cannot_remove_own_admin_role(app, cast):
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    with app.app_context():
        admin = get_session().exec(select(Member).where(Member.email == "admin@coop.example")).one()
    response = browser.form_post(
        f"/admin/members/{admin.id}",
        {"display_name": "admin", "college_id": "", "roles": ["member"]},
    )
    assert response.status_code == 422
    assert "propre rôle d'administration" in read(response)


def test_duplicate_invitation_is_refused_and_the_form_keeps_what_was_typed(app, cast):
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    response = browser.form_post(
        "/admin/members/invite",
        {"email": "member@coop.example", "display_name": "Un doublon", "roles": ["member"]},
    )
    assert response.status_code == 422
    page = read(response)
    assert "Un membre utilise déjà l'adresse member@coop.example" in page
    assert 'value="Un doublon"' in page


def test_college_weights_warn_outside_bounds_and_off_total(app, cast, people):
    people.college("Partenaires", 5)
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    page = read(browser.client.get("/admin/colleges"))
    assert "totalisent 35 % au lieu de 100 %" in page
    assert "Le collège « Partenaires » pèse 5 %" in page


def test_college_create_edit_and_duplicate_name(app, cast):
    college, _others = cast
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    response = browser.form_post(
        "/admin/colleges/new",
        {
            "name": "Bénévoles",
            "description": "Celles et ceux qui donnent du temps",
            "vote_weight": "25",
        },
        follow_redirects=True,
    )
    assert "Collège créé." in read(response)
    response = browser.form_post("/admin/colleges/new", {"name": "bénévoles", "vote_weight": "10"})
    assert response.status_code == 422
    response = browser.form_post(
        f"/admin/colleges/{college.id}",
        {"name": "Salariés", "description": "", "vote_weight": "130"},
    )
    assert "100" in read(response)  # the weight's bounds are explained
    response = browser.form_post(
        f"/admin/colleges/{college.id}",
        {"name": "Salariés et salariées", "description": "", "vote_weight": "35"},
        follow_redirects=True,
    )
    assert "Salariés et salariées" in read(response)
    with app.app_context():
        types = [e.event_type for e in get_session().exec(select(AuditEvent))]
    assert types.count("CollegeCreated") == 2 and types.count("CollegeUpdated") == 1


def test_cooperative_settings_are_saved_and_shown(app, cast):
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    browser.form_post("/admin/cooperative", {"name": "SCIC Les Communs", "purpose": "Relier."})
    assert "SCIC Les Communs" in read(browser.client.get("/"))


def test_html_in_names_is_shown_as_text(app, cast):
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    browser.form_post(
        "/admin/members/invite",
        {
            "email": "x@coop.example",
            "display_name": "<script>alert(1)</script>",
            "roles": ["member"],
        },
    )
    page = browser.client.get("/admin/members").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_refused_change_records_no_event(app, cast):
    browser = Browser(app.test_client())
    browser.login("admin@coop.example")
    with app.app_context():
        before = len(list(get_session().exec(select(AuditEvent))))
    browser.form_post(
        "/admin/members/invite",
        {"email": "member@coop.example", "display_name": "Doublon", "roles": ["member"]},
    )
    with app.app_context():
        assert len(list(get_session().exec(select(AuditEvent)))) == before
