"""Votes (consult/services/votes.py): one latest vote per member and contribution, however
many requests arrive at once."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import func, select

from consult.db import get_session
from consult.models import AuditEvent, Vote
from tests.helpers import HttpSession, LiveServer, as_person, contribute, contributions, create

pytestmark = pytest.mark.slow  # the contribution is redacted with spaCy

PARALLEL = 20


def test_parallel_votes_of_one_member_leave_one_latest_vote(app, coop):
    cid, _ = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Gardons la main sur nos données.")
    [contribution] = contributions(app)
    with LiveServer(app) as server:
        bo = HttpSession(server.url)
        assert bo.login("bo@coop.example") == 302
        token = bo.csrf_token(f"/consultations/{cid}/vote")
        cookie = bo.cookie_header()

        def vote(index: int) -> int:
            person = HttpSession(server.url)  # same cookie, a connection of its own
            status, _ = person.request(
                f"/consultations/contributions/{contribution.id}/vote",
                {"csrf_token": token, "value": "1" if index % 2 else "0"},
                headers={"Cookie": cookie},
            )
            return status

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(vote, range(PARALLEL)))
        assert set(statuses) == {302}, statuses  # every vote answered, none failed
        _status, page = bo.request(f"/consultations/{cid}/vote")
    with app.app_context():
        db = get_session()
        votes = list(db.exec(select(Vote).where(Vote.contribution_id == contribution.id)))
        latest = [v for v in votes if v.latest]
        assert len(latest) == 1, [(v.id, v.value, v.latest) for v in votes]
        assert len({v.participant_ref for v in votes}) == 1
        recorded = db.exec(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.event_type == "VoteCast")).one()
    # Every change of mind is kept, and each one has its event.
    assert recorded == len(votes) and len(votes) >= 2
    assert "Vous avez vu toutes les contributions" in page

    anim = as_person(app, "anim@coop.example")
    dashboard = anim.client.get(f"/facilitate/consultations/{cid}").get_data(as_text=True)
    agrees = re.search(r"(\d+) d'accord", dashboard)
    assert agrees is not None and int(agrees.group(1)) <= 1  # one member: at most one agree


def test_the_database_refuses_a_second_latest_vote(app, coop):
    from sqlalchemy.exc import IntegrityError

    cid, _ = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Gardons la main sur nos données.")
    [contribution] = contributions(app)
    with app.app_context():
        db = get_session()
        db.add(Vote(contribution_id=contribution.id, participant_ref="p1", value=1, latest=True))
        db.commit()
        db.add(Vote(contribution_id=contribution.id, participant_ref="p1", value=0, latest=True))
        with pytest.raises(IntegrityError):
            db.commit()
        db.rollback()
        db.add(Vote(contribution_id=contribution.id, participant_ref="p1", value=0, latest=False))
        db.add(Vote(contribution_id=contribution.id, participant_ref="p2", value=0, latest=True))
        db.commit()  # earlier votes, and other people's, are as many as one likes
