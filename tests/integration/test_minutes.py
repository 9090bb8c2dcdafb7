"""The minutes (procès-verbal) of a motion (consult/services/minutes.py, the /conseil/…/pv and
/votes/…/pv pages): the figures per college and the weighted result, the proxies and the
dissenting reasons, as a page and a real PDF; the chair's signature pinning the content's hash,
once; who may read and sign; a secret ballot's minutes naming nobody's choice."""

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import AuditCheckpoint, Motion
from consult.services import PermissionDenied, ServiceError, ballots, board
from consult.services import minutes as service
from consult.services.audit_log import signer_for
from tests.helpers import HttpSession, LiveServer, as_person, csrf_from, events, pdf_text, read
from tests.integration.test_board import close, coop, member, open_motion, vote  # noqa: F401

pytestmark = pytest.mark.usefixtures("coop")  # Salariés 50 %, Usagers 30 %, Partenaires 20 %

CHAIR = "chair@coop.example"


def give(app, session, giver, holder, motion):
    ballots.give_proxy(session, member(session, giver), motion.id, member(session, holder).id,
                       app.config)


def assembly_vote(app, session, secret=False) -> Motion:
    """Salariés 3 pour / 1 contre (75 %), Usagers 1 / 1 (50 %), Partenaires 1 / 1 (50 %):
    0.75 × 50 + 0.5 × 30 + 0.5 × 20 = 62.5 % of pour, adopted. Ana and Eve vote by proxy."""
    motion = open_motion(app, session, body="assembly", secret=secret,
                         title="Adopter l'outil de tri")
    give(app, session, "ana@coop.example", CHAIR, motion)
    give(app, session, "eve@coop.example", "bea@coop.example", motion)
    vote(app, session, CHAIR, motion, "pour")
    vote(app, session, CHAIR, motion, "pour", for_member_id=member(session, "ana@coop.example").id)
    vote(app, session, "bo@coop.example", motion, "pour")
    vote(app, session, "cy@coop.example", motion, "contre", "Trop cher pour nous.")
    vote(app, session, "dan@coop.example", motion, "abstention")
    vote(app, session, "bea@coop.example", motion, "pour")
    vote(app, session, "bea@coop.example", motion, "contre",
         for_member_id=member(session, "eve@coop.example").id)
    vote(app, session, "paul@coop.example", motion, "pour")
    vote(app, session, "fox@coop.example", motion, "contre", "Aucune garantie sur les données.")
    return close(app, session, motion)


def write_statement(app, session, motion, text="Le conseil met l'outil à l'essai pour un an."):
    board.write_outcome(session, member(session, CHAIR), motion.id, text,
                        signer_for(app.config))


def sign(app, session, motion, email=CHAIR):
    return service.sign_minutes(session, member(session, email), motion.id,
                                signer_for(app.config))


def test_the_minutes_hold_the_figures_per_college_the_weighted_result_proxies_and_dissent(
        app, session):
    motion = assembly_vote(app, session)
    minutes = service.minutes(session, member(session, CHAIR), motion.id)
    assert minutes.outcome == "adopted" and minutes.share == 0.625
    assert minutes.share_exact == "5/8"
    colleges = {c.name: c for c in minutes.colleges}
    staff, users, partners = colleges["Salariés"], colleges["Usagers"], colleges["Partenaires"]
    assert (staff.eligible, staff.voted, staff.pour, staff.contre, staff.abstention,
            staff.by_proxy, staff.share, staff.weight) == (5, 5, 3, 1, 1, 1, 0.75, 50)
    assert (users.voted, users.pour, users.contre, users.by_proxy, users.share) == (
        2, 1, 1, 1, 0.5)
    assert (partners.pour, partners.contre, partners.share, partners.weight) == (1, 1, 0.5, 20)
    assert (minutes.eligible, minutes.voted, minutes.by_proxy) == (9, 9, 2)
    assert minutes.quorum_met and minutes.college_quorum_met
    assert minutes.proxies_by_college == (("Salariés", 1), ("Usagers", 1))
    assert minutes.proxies == (service.ProxyUse("Salariés", "Ana", "Chantal Chair"),
                               service.ProxyUse("Usagers", "Eve", "Béa Board"))
    assert minutes.dissents == (
        service.Dissent("Aucune garantie sur les données.", "Fox", "Partenaires"),
        service.Dissent("Trop cher pour nous.", "Cy", "Salariés"))
    assert any("Majorité simple atteinte" in r.text() for r in minutes.reasons)
    assert minutes.signature is None
    assert minutes.content_sha256 == hashlib.sha256(
        service.canonical_content(minutes).encode()).hexdigest()


def test_the_minutes_page_and_pdf_say_the_figures_in_french(app, session):
    motion = assembly_vote(app, session)
    write_statement(app, session, motion)
    chair = as_person(app, CHAIR)
    assert "/pv" in read(chair.client.get(f"/conseil/motions/{motion.id}"))
    page = read(chair.client.get(f"/conseil/motions/{motion.id}/pv"))
    assert "Adoptée : 62,5 % de pour, pondéré par collège (majorité simple requise)" in page
    assert "Trop cher pour nous." in page and "pouvoir de Ana, exercé par Chantal Chair" in page
    response = chair.client.get(f"/conseil/motions/{motion.id}/pv.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="proces-verbal-motion-{motion.id}.pdf"')
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    flat = " ".join(text.split())
    for college in ("Salariés", "Usagers", "Partenaires"):
        assert college in flat
    assert "Adoptée : 62,5 % de pour, pondéré par collège (majorité simple requise)" in flat
    assert "75 %" in flat and "5/8" in flat  # Salariés' share, the exact weighted share
    assert "Trop cher pour nous." in flat and "Aucune garantie sur les données." in flat
    assert "Chantal Chair" in flat and "Ana" in flat  # a proxy's holder and giver
    assert "Le conseil met l'outil à l'essai pour un an." in flat
    pages = text.count("\f")
    assert pages >= 2 and f"{pages}/{pages}" in flat.replace(" / ", "/")  # page numbers
    assert "non signé" in flat


def test_signing_pins_the_content_once_and_only_for_the_board(app, session):
    motion = assembly_vote(app, session)
    with pytest.raises(ServiceError, match="avant de signer"):
        sign(app, session, motion)
    write_statement(app, session, motion)
    with pytest.raises(PermissionDenied):
        sign(app, session, motion, "ana@coop.example")
    signed = sign(app, session, motion)
    [event] = events(app, "MinutesSigned")
    data = json.loads(event.canonical)["data"]
    assert data["content_sha256"] == signed.content_sha256 == service.content_hash(signed)
    assert event.actor_ref == member(session, CHAIR).ref and data["outcome"] == "adopted"
    assert signed.signature.name == "Chantal Chair" and signed.signature.intact
    latest = session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert latest.reason == "board" and latest.tree_size >= event.leaf_index + 1
    with pytest.raises(ServiceError, match="déjà signé par Chantal Chair"):
        sign(app, session, motion)
    assert len(events(app, "MinutesSigned")) == 1
    # Once signed, the decision is not rewritten; edited behind the app's back, the minutes
    # say that it no longer matches what was signed.
    with pytest.raises(ServiceError, match="ne se réécrit plus"):
        write_statement(app, session, motion, "Autre décision.")
    session.rollback()
    motion = session.get(Motion, motion.id)
    motion.outcome_statement = "Autre décision."
    session.add(motion)
    session.commit()
    assert not service.minutes(session, member(session, CHAIR), motion.id).signature.intact


def test_a_member_cannot_post_the_signature_and_the_chair_can(app):
    with app.app_context():  # no app context held across the requests (CSRF tokens live in g)
        motion = assembly_vote(app, get_session())
        write_statement(app, get_session(), motion)
    ana = as_person(app, "ana@coop.example")
    token = csrf_from(read(ana.client.get("/")))
    assert ana.client.post(f"/conseil/motions/{motion.id}/pv/signer",
                           data={"csrf_token": token}).status_code == 403
    chair = as_person(app, CHAIR)
    token = csrf_from(read(chair.client.get(f"/conseil/motions/{motion.id}/pv")))
    response = chair.client.post(f"/conseil/motions/{motion.id}/pv/signer",
                                 data={"csrf_token": token})
    assert response.status_code == 302
    page = read(chair.client.get(response.headers["Location"]))
    assert "Le procès-verbal est signé." in page and "Signé par Chantal Chair" in page
    assert len(events(app, "MinutesSigned")) == 1


def test_two_signatures_sent_at_once_sign_once(app):
    with app.app_context():
        motion = assembly_vote(app, get_session())
        write_statement(app, get_session(), motion)
    with LiveServer(app) as server:
        chair = HttpSession(server.url)
        assert chair.login(CHAIR) == 302
        token = chair.csrf_token(f"/conseil/motions/{motion.id}/pv")
        cookie = chair.cookie_header()

        def post(_index: int) -> int:
            status, _ = HttpSession(server.url).request(
                f"/conseil/motions/{motion.id}/pv/signer", {"csrf_token": token},
                headers={"Cookie": cookie})
            return status

        with ThreadPoolExecutor(6) as pool:
            statuses = list(pool.map(post, range(6)))
    assert set(statuses) == {302}, statuses
    assert len(events(app, "MinutesSigned")) == 1


def test_an_open_motion_has_no_minutes(app, session):
    motion = open_motion(app, session, body="assembly")
    with pytest.raises(ServiceError, match="une fois le vote clos"):
        service.minutes(session, member(session, CHAIR), motion.id)
    with pytest.raises(ServiceError, match="une fois le vote clos"):
        sign(app, session, motion)
    chair = as_person(app, CHAIR)
    response = chair.client.get(f"/conseil/motions/{motion.id}/pv")
    assert response.status_code == 302
    assert "une fois le vote clos" in read(chair.client.get(response.headers["Location"]))


def test_members_of_the_body_read_the_minutes_once_signed(app):
    with app.app_context():  # no app context held across the requests (sign-in lives in g)
        session = get_session()
        motion = assembly_vote(app, session)
        write_statement(app, session, motion)
    ana = as_person(app, "ana@coop.example")
    assert ana.client.get(f"/conseil/motions/{motion.id}/pv").status_code == 403
    response = ana.client.get(f"/votes/{motion.id}/pv")
    assert response.status_code == 302
    assert "pas encore signé" in read(ana.client.get(response.headers["Location"]))
    with app.app_context():
        sign(app, get_session(), motion)
    assert "Signé par Chantal Chair" in read(ana.client.get(f"/votes/{motion.id}/pv"))
    assert ana.client.get(f"/votes/{motion.id}/pv.pdf").get_data().startswith(b"%PDF-")
    # The board's minutes are the board's: a member outside it may not read them.
    with app.app_context():
        session = get_session()
        board_motion = open_motion(app, session)
        vote(app, session, "bea@coop.example", board_motion, "pour")
        close(app, session, board_motion)
        write_statement(app, session, board_motion)
        sign(app, session, board_motion)
        with pytest.raises(PermissionDenied):
            service.minutes(session, member(session, "ana@coop.example"), board_motion.id)
    assert ana.client.get(f"/votes/{board_motion.id}/pv").status_code == 403
    assert "Signé par Chantal Chair" in read(as_person(app, "bea@coop.example").client.get(
        f"/votes/{board_motion.id}/pv"))


def test_a_secret_ballots_minutes_name_nobodys_choice(app, session):
    motion = assembly_vote(app, session, secret=True)
    write_statement(app, session, motion)
    minutes = sign(app, session, motion)
    assert minutes.outcome == "adopted" and minutes.share == 0.625
    assert minutes.proxies == ()  # counts only
    assert minutes.proxies_by_college == (("Salariés", 1), ("Usagers", 1))
    assert minutes.dissents == (service.Dissent("Aucune garantie sur les données."),
                                service.Dissent("Trop cher pour nous."))
    chair = as_person(app, CHAIR)
    page = read(chair.client.get(f"/conseil/motions/{motion.id}/pv"))
    text = pdf_text(chair.client.get(f"/conseil/motions/{motion.id}/pv.pdf").get_data())
    voters = {"Ana", "Bo", "Cy", "Dan", "Béa", "Eve", "Paul", "Fox"}
    for shown in (page.split("<main", 1)[-1], text):
        assert not voters & set(re.findall(r"\w+", shown))
    flat = " ".join(text.split())
    assert "Trop cher pour nous." in flat and "62,5 %" in flat
    assert "Chantal Chair" in flat  # the signature, the only name
