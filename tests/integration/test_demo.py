import pytest
from sqlmodel import func, select

from consult.cli import cli
from consult.db import get_session
from consult.demo import COLLEGES, MEMBERS, load_demo
from consult.models import AuditEvent, College, Consultation, Contribution, Member, Proposal, Vote
from consult.services.cooperative import weight_warnings
from tests.helpers import Browser, read


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


@pytest.mark.slow
def test_demo_loads_once_and_its_credentials_work(app):
    with app.app_context():
        db = get_session()
        first = load_demo(db, app.instance_path)
        assert first.created and first.members == len(MEMBERS) >= 40
        events = count(db, AuditEvent)
        second = load_demo(db, app.instance_path)
        assert not second.created
        assert second.password == first.password and second.admin_email == first.admin_email
        assert count(db, Member) == len(MEMBERS)
        assert count(db, College) == len(COLLEGES) == 5
        assert count(db, AuditEvent) == events
        assert weight_warnings(db) == []  # the demo respects the SCIC bounds
        roles = set().union(*(m.roles for m in db.exec(select(Member))))
        assert roles == {"member", "facilitator", "ethics", "board", "admin"}

    browser = Browser(app.test_client())
    assert browser.login(first.admin_email, first.password).status_code == 302
    assert "Membres" in read(browser.client.get("/admin/members"))
    for email, role in first.accounts:
        person = Browser(app.test_client())
        assert person.login(email, first.password).status_code == 302, (email, role)


def test_demo_does_not_load_into_a_database_with_members(app, people):
    people.add("real@coop.example")
    with app.app_context():
        result = load_demo(get_session(), app.instance_path)
        assert not result.created and result.password == ""
        assert count(get_session(), Member) == 1


@pytest.mark.slow
def test_cli_demo_load_prints_the_admin_credentials(app):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["demo", "load", "--no-analyse"])
    assert result.exit_code == 0, result.output
    assert "claire.fontanel@fil-solidaire.example" in result.output
    password = app.instance_path + "/demo-password.txt"
    with open(password) as handle:
        assert handle.read().strip() in result.output


@pytest.mark.slow
def test_demo_has_two_consultations_with_themes_that_agree_and_split_by_college(app):
    import json
    from collections import defaultdict

    from consult.demo import CONTENT
    from consult.rules import STANCE_DIRECTION, stance_from_word

    with app.app_context():
        db = get_session()
        result = load_demo(db, app.instance_path, "test-key")
        assert result.contributions >= 300 and result.votes > 1000 and result.proposals == 3
        consultations = db.exec(select(Consultation).order_by(Consultation.id)).all()
        assert [c.status for c in consultations] == ["open", "closed"]
        assert count(db, Contribution) == result.contributions
        assert count(db, Vote) == result.votes
        assert count(db, Proposal) == 3
    spec = json.loads(CONTENT.read_text(encoding="utf-8"))
    for consultation in spec["consultations"]:
        assert 6 <= len(consultation["themes"]) <= 10
        share = defaultdict(lambda: [0, 0])  # (theme, college) -> [in favour, all]
        for item in consultation["contributions"]:
            code = stance_from_word(item["stance"], consultation["stance_scale"])
            cell = share[(item["theme"], item["college"])]
            cell[0] += STANCE_DIRECTION.get(code or "", 0) > 0
            cell[1] += 1
        gaps = {}
        for theme in consultation["themes"]:
            rates = [
                share[(theme["key"], college)][0] / share[(theme["key"], college)][1]
                for college in consultation["colleges"]
                if share[(theme["key"], college)][1]
            ]
            gaps[theme["key"]] = max(rates) - min(rates)
        assert min(gaps.values()) < 0.35, gaps  # some themes shared across colleges
        assert max(gaps.values()) > 0.5, gaps  # others split by college
