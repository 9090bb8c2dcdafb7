"""The participation dashboard: figures by college recomputed independently, and who sees it."""

from collections import defaultdict

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.demo import load_demo
from consult.models import College, Consultation, Contribution, Member, Vote
from consult.services.participation import participation_of
from tests.helpers import Browser, read


@pytest.fixture
def demo(app):
    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        first = db.exec(select(Consultation).order_by(Consultation.id)).first()
        member = next(email for email, role in loaded.accounts if role == "member")
        return first.id, loaded.admin_email, loaded.password, member


def test_figures_by_college_match_a_recount(app, demo):
    cid = demo[0]
    with app.app_context():
        db = get_session()
        result = participation_of(db, cid)
        names = {c.id: c.name for c in db.exec(select(College))}
        people, counted = defaultdict(set), defaultdict(int)
        for c in db.exec(select(Contribution).where(Contribution.consultation_id == cid)):
            if not c.withdrawn:
                people[c.college_id].add(c.participant_ref)
                counted[c.college_id] += 1
        for v in db.exec(select(Vote).where(Vote.latest)):
            if db.get(Contribution, v.contribution_id).consultation_id == cid:
                people[v.college_id].add(v.participant_ref)
        members = defaultdict(int)
        for m in db.exec(select(Member).where(Member.active)):
            members[m.college_id] += 1
    total = sum(counted.values())
    assert result.contributions == total
    for row in result.colleges:
        college_id = next((k for k, n in names.items() if n == row.college), None)
        assert row.participants == len(people[college_id])
        assert row.contributions == counted[college_id]
        assert row.members == members[college_id]
        assert row.contribution_share == pytest.approx(counted[college_id] / total)
    shares = [(r.contribution_share, r.membership_share) for r in result.colleges]
    assert result.gap == pytest.approx(sum(abs(a - b) for a, b in shares) / 2)
    assert sum(d.contributions for d in result.days) == total


def test_only_the_facilitation_team_sees_the_dashboard(app, demo):
    cid, admin, password, member = demo
    page = f"/facilitate/consultations/{cid}/participation"
    facilitator = Browser(app.test_client())
    facilitator.login(admin, password)
    text = read(facilitator.client.get(page))
    assert "Participation et représentativité par collège" in text
    assert "Contributions et votes par jour" in text
    someone = Browser(app.test_client())
    someone.login(member, password)
    assert someone.client.get(page).status_code == 403
