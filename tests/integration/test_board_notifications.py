"""The board tells its members: a vote opening for their body, a proxy given to them, a decision
they took part in; a member's export holds their ballots, proxies and notifications, and erasing
the account removes its notifications."""

from sqlmodel import select

from consult.models import Notification
from consult.services import ballots, rights
from tests.helpers import TEST_PASSWORD
from tests.integration.test_board import close, coop, member, open_motion, vote  # noqa: F401


def kinds(session, email):
    return sorted(n.kind for n in session.exec(select(Notification).where(
        Notification.member_id == member(session, email).id)))


def test_votes_proxies_and_decisions_are_told(app, session, coop):  # noqa: F811
    motion = open_motion(app, session, body="assembly", method="one_member_one_vote")
    assert kinds(session, "ana@coop.example") == ["vote_opened"]
    ballots.give_proxy(session, member(session, "ana@coop.example"), motion.id,
                       member(session, "bo@coop.example").id, app.config)
    assert "proxy_received" in kinds(session, "bo@coop.example")
    vote(app, session, "bo@coop.example", motion, "pour",
         for_member_id=member(session, "ana@coop.example").id)
    vote(app, session, "eve@coop.example", motion, "contre")
    close(app, session, motion)
    assert "decision_taken" in kinds(session, "eve@coop.example")
    assert "decision_taken" not in kinds(session, "fox@coop.example")  # did not take part
    data = rights.export_my_data(session, member(session, "eve@coop.example"), key="k")
    assert [b["choice"] for b in data["ballots"]] == ["contre"]
    assert {n["kind"] for n in data["notifications"]} >= {"vote_opened", "decision_taken"}
    held = rights.export_my_data(session, member(session, "bo@coop.example"), key="k")
    assert held["proxies"] and held["proxies"][0]["given"] is False
    eve = member(session, "eve@coop.example")
    rights.erase_account(session, eve, key="k", password=TEST_PASSWORD)
    assert session.exec(select(Notification).where(Notification.member_id == eve.id)).all() == []
    ana = member(session, "ana@coop.example")  # gave a proxy: the holder was told her name
    rights.erase_account(session, ana, key="k", password=TEST_PASSWORD)
    told = session.exec(select(Notification).where(
        Notification.member_id == member(session, "bo@coop.example").id,
        Notification.kind == "proxy_received")).one()
    assert "Ana" not in told.params
