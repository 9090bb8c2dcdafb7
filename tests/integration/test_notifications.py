"""Members are told, in the app and by e-mail through the queue, when a consultation of their
college opens or closes within 48 hours, a vote opens for their body, a proxy is given to them,
a decision they took part in is taken; each chooses what comes by e-mail."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from consult import jobs
from consult.db import get_session
from consult.models import Consultation, Member, utcnow
from consult.models.board import Ballot, BallotParticipation, Motion, Notification, Proxy
from consult.services import notifications
from tests.helpers import as_person, create, read
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


def mail_app(make_app, sink):
    return make_app(
        PALABRE_MAIL_SERVER="127.0.0.1",
        PALABRE_MAIL_PORT=sink.port,
        PALABRE_MAIL_USE_TLS=False,
        PALABRE_MAIL_SENDER="coop@coop.example",
        PALABRE_BASE_URL="https://coop.example",
    )


def told(app, kind=None):
    """(member e-mail, kind) of every notification, in order."""
    with app.app_context():
        db = get_session()
        query = select(Member.email, Notification.kind).join(
            Member, Member.id == Notification.member_id).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return sorted(db.exec(query))


def member(app, email):
    with app.app_context():
        return get_session().exec(select(Member).where(Member.email == email)).one()


def recipients(sink):
    return sorted(address for _sender, to, _message in sink.messages for address in to)


def test_an_opening_tells_its_colleges_in_the_app_and_by_mail_as_each_chose(
        make_app, sink, coop):
    app = mail_app(make_app, sink)
    bo = as_person(app, "bo@coop.example")
    kept = [k for k in notifications.KINDS if k != "consultation_opened"]
    bo.form_post("/notifications/reglages", {"email": kept})
    page = read(bo.client.get("/notifications/reglages"))
    assert 'value="consultation_opened" id="email-consultation_opened">' in page
    assert 'value="vote_opened" id="email-vote_opened" checked>' in page

    cid, _ = create(app, coop)

    opened = [("anim@coop.example", "consultation_opened"), ("ana@coop.example",
              "consultation_opened"), ("bo@coop.example", "consultation_opened")]
    assert told(app) == sorted(opened)  # the invited college only, Bo too (in the app)
    assert recipients(sink) == ["ana@coop.example", "anim@coop.example"]  # Bo opted out
    message = next(m for _s, to, m in sink.messages if to == ["ana@coop.example"])
    assert message["Subject"] == "Consultation ouverte : IA et bénévolat"
    body = message.get_content()
    assert "Bonjour Ana Durand," in body
    assert "La consultation « IA et bénévolat » est ouverte : vous pouvez y répondre." in body
    assert f"https://coop.example/consultations/{cid}" in body
    assert "https://coop.example/notifications/reglages" in body

    page = read(bo.client.get("/notifications/"))
    assert "La consultation « IA et bénévolat » est ouverte" in page
    outsider = read(as_person(app, "out@coop.example").client.get("/notifications/"))
    assert "IA et bénévolat" not in outsider and "Aucune notification" in outsider


def test_no_mail_when_mail_is_not_configured(app, coop):
    create(app, coop)
    assert len(told(app, "consultation_opened")) == 3


def test_closing_within_48_hours_is_told_once(make_app, sink, coop):
    app = mail_app(make_app, sink)
    soon, _ = create(app, coop, closes_in=timedelta(hours=30))
    create(app, coop, closes_in=timedelta(hours=72))
    sink.messages.clear()
    assert jobs.notify_due.call_local() == 3
    assert jobs.notify_due.call_local() == 0
    assert [who for who, _ in told(app, "consultation_closing")] == [
        "ana@coop.example", "anim@coop.example", "bo@coop.example"]
    assert recipients(sink) == ["ana@coop.example", "anim@coop.example", "bo@coop.example"]
    body = sink.messages[0][2].get_content()
    assert re.search(r"se clôt le \d\d/\d\d/\d{4} à \d\d:\d\d\.", body)
    assert f"https://coop.example/consultations/{soon}" in body
    with app.app_context():  # 24 hours later the other one's turn has come, once too
        db = get_session()
        assert notifications.notify_due(db, now=utcnow() + timedelta(hours=25)) == 3
        assert notifications.notify_due(db, now=utcnow() + timedelta(hours=26)) == 0


def test_a_scheduled_consultation_is_told_when_its_date_comes(app, coop):
    from consult.services import consultations

    with app.app_context():
        db = get_session()
        consultation = consultations.create_consultation(db, None, consultations.ConsultationInput(
            title="Plus tard", question="Oui ?", college_ids=(coop["staff"].id,),
            opens_at=utcnow() + timedelta(days=2), closes_at=utcnow() + timedelta(days=10)))
        consultations.change_status(db, None, consultation.id, "open")
        assert told(app) == []
        assert notifications.notify_due(db, now=utcnow() + timedelta(days=1)) == 0
        assert notifications.notify_due(db, now=utcnow() + timedelta(days=3)) == 3
        assert db.get(Consultation, consultation.id).status == "open"


def test_the_header_counts_unread_and_reading_them_clears_it(app, coop):
    create(app, coop)
    ana = as_person(app, "ana@coop.example")
    page = read(ana.client.get("/"))
    assert 'aria-label="Notifications : 1 non lue">Notifications (1)</a>' in page
    listing = read(ana.client.get("/notifications/"))
    assert "1 notification non lue." in listing and "Non lue" in listing
    response = ana.form_post("/notifications/", {}, post_url="/notifications/lues",
                             follow_redirects=True)
    assert "1 notification marquée comme lue." in read(response)
    page = read(ana.client.get("/"))
    assert ">Notifications</a>" in page and "Notifications (" not in page


def test_opening_a_notification_reads_it_and_goes_to_its_page(app, coop):
    cid, _ = create(app, coop)
    with app.app_context():
        [mine] = get_session().exec(select(Notification).where(
            Notification.member_id == member(app, "ana@coop.example").id)).all()
    ana = as_person(app, "ana@coop.example")
    response = ana.client.get(f"/notifications/{mine.id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/consultations/{cid}"
    assert "Notifications (" not in read(ana.client.get("/"))


def test_a_members_notifications_are_theirs_alone(app, coop):
    create(app, coop)
    ana, out = member(app, "ana@coop.example"), member(app, "out@coop.example")
    with app.app_context():
        db = get_session()
        [anas] = db.exec(select(Notification.id).where(Notification.member_id == ana.id)).all()
        assert notifications.mark_read(db, out, [anas]) == 0
        assert notifications.mark_read(db, out) == 0
        assert notifications.unread_count(db, ana) == 1
    outsider = as_person(app, "out@coop.example")
    assert outsider.client.get(f"/notifications/{anas}").status_code == 404
    assert outsider.client.get("/notifications/").status_code == 200
    with app.app_context():
        assert notifications.unread_count(get_session(), ana) == 1


def test_notification_pages_are_for_signed_in_members(client):
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/reglages").status_code == 302


def test_email_settings_default_to_yes_and_are_kept(app, people):
    people.add("ana@coop.example")
    ana = member(app, "ana@coop.example")
    with app.app_context():
        db = get_session()
        assert all(c.email for c in notifications.settings_for(db, ana))
        notifications.set_email(db, ana, "decision_taken", False)
        notifications.set_email(db, ana, "decision_taken", False)
        chosen = {c.kind: c.email for c in notifications.settings_for(db, ana)}
        assert chosen == {k: k != "decision_taken" for k in notifications.KINDS}


# --- Votes, proxies, decisions (rows made directly; the board's services call these) --------


def motion_row(db, *, body="board", opens_in=timedelta(minutes=-1), secret=False, **values):
    now = utcnow()
    motion = Motion(title="Adopter la charte v2", text="Texte.", body=body,
                    method="one_member_one_vote", majority="simple", secret=secret,
                    opens_at=now + opens_in, closes_at=now + timedelta(days=7), **values)
    db.add(motion)
    db.commit()
    return motion


@pytest.fixture
def board(people):
    staff = people.college("Salariés", 50)
    people.add("chair@coop.example", name="Cléo Chair", roles=("board",), college_id=staff.id)
    people.add("vice@coop.example", name="Vic Vice", roles=("board", "member"),
               college_id=staff.id)
    people.add("ana@coop.example", name="Ana Durand", college_id=staff.id)
    return staff


def test_a_vote_opening_tells_its_body(make_app, sink, board):
    app = mail_app(make_app, sink)
    with app.app_context():
        db = get_session()
        motion = motion_row(db)
        assert len(notifications.vote_opened(db, motion)) == 2
        db.commit()
        assert notifications.vote_opened(db, motion) == []  # once
        assembly = motion_row(db, body="assembly")
        assert len(notifications.vote_opened(db, assembly)) == 3
        db.commit()
    assert [who for who, _ in told(app, "vote_opened")] == [
        "ana@coop.example", "chair@coop.example", "chair@coop.example",
        "vice@coop.example", "vice@coop.example"]
    assert recipients(sink).count("chair@coop.example") == 2
    assert "Vote ouvert : Adopter la charte v2" in [m["Subject"] for _s, _t, m in sink.messages]
    assert f"https://coop.example/votes/{motion.id}" in sink.messages[0][2].get_content()


def test_a_vote_that_opens_later_is_told_then(app, board):
    with app.app_context():
        db = get_session()
        motion = motion_row(db, opens_in=timedelta(hours=2))
        assert notifications.vote_opened(db, motion) == []
        assert notifications.notify_due(db) == 0
        assert notifications.notify_due(db, now=utcnow() + timedelta(hours=3)) == 2
        assert notifications.notify_due(db, now=utcnow() + timedelta(hours=4)) == 0


def test_a_rolled_back_notification_sends_no_mail(make_app, sink, board):
    app = mail_app(make_app, sink)
    with app.app_context():
        db = get_session()
        motion = motion_row(db)
        notifications.vote_opened(db, motion)
        db.rollback()
        db.add(motion)
        db.commit()
    assert sink.messages == [] and told(app) == []


def test_a_proxy_is_told_to_its_holder(make_app, sink, board):
    app = mail_app(make_app, sink)
    ana, vice = member(app, "ana@coop.example"), member(app, "vice@coop.example")
    with app.app_context():
        db = get_session()
        motion = motion_row(db, body="assembly")
        proxy = Proxy(motion_id=motion.id, giver_id=ana.id, holder_id=vice.id)
        db.add(proxy)
        assert notifications.proxy_received(db, proxy) == [vice.id]
        db.commit()
    assert told(app) == [("vice@coop.example", "proxy_received")]
    [(_s, to, message)] = sink.messages
    assert to == ["vice@coop.example"]
    assert ("Ana Durand vous confie son pouvoir pour le vote « Adopter la charte v2 »."
            in message.get_content())
    page = read(as_person(app, "vice@coop.example").client.get("/notifications/"))
    assert "Ana Durand vous confie son pouvoir" in page


@pytest.mark.parametrize("secret", [False, True])
def test_a_decision_is_told_to_those_who_took_part(app, board, secret):
    chair, vice, ana = (member(app, f"{who}@coop.example") for who in ("chair", "vice", "ana"))
    with app.app_context():
        db = get_session()
        motion = motion_row(db, body="assembly", secret=secret)
        if secret:  # who voted, never what
            db.add(BallotParticipation(motion_id=motion.id, member_id=chair.id,
                                       member_ref=chair.ref, cast_by_id=chair.id))
            db.add(BallotParticipation(motion_id=motion.id, member_id=ana.id, member_ref=ana.ref,
                                       cast_by_id=vice.id, by_proxy=True))
        else:
            db.add(Ballot(motion_id=motion.id, voter_id=chair.id, voter_ref=chair.ref,
                          cast_by_id=chair.id, choice="pour"))
            db.add(Ballot(motion_id=motion.id, voter_id=ana.id, voter_ref=ana.ref,
                          cast_by_id=vice.id, by_proxy=True, choice="contre"))
        db.commit()
        assert notifications.decision_taken(db, motion) == []  # still open
        motion.status, motion.outcome = "closed", "adopted"
        db.add(motion)
        assert len(notifications.decision_taken(db, motion)) == 3  # the holder took part too
        db.commit()
        assert notifications.decision_taken(db, motion) == []
    page = read(as_person(app, "ana@coop.example").client.get("/notifications/"))
    assert "La décision sur « Adopter la charte v2 » est prise : motion adoptée." in page
