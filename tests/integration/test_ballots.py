"""Proxies (consult/services/ballots.py, the /votes pages): for assembly motions only, to a
member of the same college, capped, revocable until used, a giver's own vote taking their voice
back; a proxy vote recorded as such and counted as the giver's."""

import json

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import Ballot, Proxy
from consult.services import PermissionDenied, ServiceError, ballots
from tests.helpers import as_person, events, read
from tests.integration.test_board import close, coop, member, open_motion, vote  # noqa: F401

pytestmark = pytest.mark.usefixtures("coop")  # three colleges, a chair, board members, members


def test_proxies_same_college_capped_revocable_and_counted_as_the_giver(app, session):
    motion = open_motion(app, session, body="assembly")
    settings = app.config

    def give(giver, holder):
        return ballots.give_proxy(session, member(session, giver), motion.id,
                                  member(session, holder).id, settings)

    with pytest.raises(ServiceError, match="de son collège"):
        give("ana@coop.example", "eve@coop.example")
    with pytest.raises(ServiceError, match="soi-même"):
        give("ana@coop.example", "ana@coop.example")
    give("ana@coop.example", "chair@coop.example")
    give("bo@coop.example", "chair@coop.example")
    with pytest.raises(ServiceError, match="déjà 2 pouvoirs"):
        give("cy@coop.example", "chair@coop.example")
    with pytest.raises(ServiceError, match="retirez-le d'abord"):
        give("ana@coop.example", "dan@coop.example")
    # The holder gives one back; the giver may then give it to someone else.
    ballots.revoke_proxy(session, member(session, "chair@coop.example"), motion.id,
                         giver_id=member(session, "bo@coop.example").id)
    give("cy@coop.example", "chair@coop.example")
    with pytest.raises(PermissionDenied):
        ballots.revoke_proxy(session, member(session, "dan@coop.example"), motion.id,
                             giver_id=member(session, "cy@coop.example").id)

    # The holder votes for Ana: recorded as a proxy vote, cast by the holder.
    ana = member(session, "ana@coop.example")
    chair = member(session, "chair@coop.example")
    vote(app, session, "chair@coop.example", motion, "pour", for_member_id=ana.id)
    with pytest.raises(ServiceError, match="pas de pouvoir"):
        vote(app, session, "dan@coop.example", motion, "pour", for_member_id=ana.id)
    ballot = session.exec(select(Ballot).where(Ballot.voter_id == ana.id)).one()
    assert (ballot.by_proxy, ballot.cast_by_id, ballot.voter_ref) == (True, chair.id, ana.ref)
    with pytest.raises(ServiceError, match="ne peut plus être retiré"):
        ballots.revoke_proxy(session, ana, motion.id)
    with pytest.raises(ServiceError, match="a déjà servi"):
        vote(app, session, "ana@coop.example", motion, "contre")
    # Cy votes herself before her holder does: her proxy is revoked on the way.
    vote(app, session, "cy@coop.example", motion, "contre")
    cy = member(session, "cy@coop.example")
    proxy = session.exec(select(Proxy).where(Proxy.giver_id == cy.id)).one()
    assert proxy.revoked_at is not None
    assert [json.loads(e.canonical)["data"]["reason"] for e in events(app, "ProxyRevoked")] == [
        "revoked", "own_vote"]
    with pytest.raises(ServiceError):
        vote(app, session, "chair@coop.example", motion, "pour", for_member_id=cy.id)
    with pytest.raises(ServiceError, match="déjà voté"):
        give("cy@coop.example", "dan@coop.example")

    result = json.loads(close(app, session, motion).result)
    staff = next(c for c in result["colleges"] if c["college"] == "Salariés")
    assert (staff["voted"], staff["pour"], staff["contre"], staff["by_proxy"]) == (2, 1, 1, 1)
    assert result["by_proxy"] == 1


def test_proxies_are_for_assembly_motions_only(app, session):
    motion = open_motion(app, session)
    with pytest.raises(ServiceError, match="assemblée générale"):
        ballots.give_proxy(session, member(session, "chair@coop.example"), motion.id,
                           member(session, "ana@coop.example").id, app.config)


def test_a_proxy_through_the_pages(app):
    with app.app_context():
        session = get_session()
        motion = open_motion(app, session, body="assembly")
        bo_id = member(session, "bo@coop.example").id
        ana_id = member(session, "ana@coop.example").id
    ana = as_person(app, "ana@coop.example")
    page = read(ana.client.get(f"/votes/{motion.id}"))
    assert "Donner mon pouvoir" in page and "Eve" not in page  # the same college only
    ana.form_post(f"/votes/{motion.id}", {"holder": str(bo_id)},
                  post_url=f"/votes/{motion.id}/pouvoir")
    assert "Vous avez donné votre pouvoir à Bo" in read(ana.client.get(f"/votes/{motion.id}"))
    bo = as_person(app, "bo@coop.example")
    assert "Voter pour Ana" in read(bo.client.get(f"/votes/{motion.id}"))
    url = f"/votes/{motion.id}/voter/{ana_id}"
    response = bo.form_post(url, {"choice": "pour"})
    assert response.status_code == 302
    assert "vote enregistré (Pour)" in read(bo.client.get(f"/votes/{motion.id}"))


def test_the_close_rewrites_the_secret_ballots_so_no_system_column_pairs_them(app, session):
    """While the vote is open, a ballot and its participation row were written by the same
    transaction; after the close, every ballot is the closing transaction's, in random order,
    and the count and the receipts still hold."""
    from sqlalchemy import text

    from consult.models import SecretBallot

    motion = open_motion(app, session, secret=True)
    cast = [vote(app, session, email, motion, choice) for email, choice in (
        ("bea@coop.example", "pour"), ("paul@coop.example", "contre"),
        ("chair@coop.example", "pour"))]
    closed = close(app, session, motion)
    assert json.loads(closed.result)["pour"] == 2
    rows = session.exec(select(SecretBallot).where(SecretBallot.motion_id == motion.id)).all()
    assert sorted(r.commitment for r in rows) == sorted(c.commitment for c in cast)
    if session.get_bind().dialect.name == "postgresql":
        ballot_tx = set(session.execute(text(
            "SELECT xmin::text FROM secret_ballot WHERE motion_id = :m"), {"m": motion.id})
            .scalars())
        who_tx = set(session.execute(text(
            "SELECT xmin::text FROM ballot_participation WHERE motion_id = :m"),
            {"m": motion.id}).scalars())
        assert len(ballot_tx) == 1 and not ballot_tx & who_tx
    else:
        places = session.execute(text("SELECT rowid FROM secret_ballot")).scalars().all()
        assert min(places) > 2**32
    for item in cast:
        assert ballots.opened_choice(json.loads(events(app, "MotionClosed")[0].canonical)[
            "data"]["commitments"], item.nonce) == item.choice


def test_a_college_is_not_renamed_while_a_vote_is_open(app, session, coop):  # noqa: F811
    from consult.services.cooperative import update_college

    motion = open_motion(app, session)
    staff = coop["staff"]
    with pytest.raises(ServiceError, match="Un vote est ouvert"):
        update_college(session, None, staff.id, name="Équipe salariée", description="",
                       vote_weight=staff.vote_weight)
    session.rollback()
    close(app, session, motion)
    renamed = update_college(session, None, staff.id, name="Équipe salariée", description="",
                             vote_weight=staff.vote_weight)
    assert renamed.name == "Équipe salariée"
