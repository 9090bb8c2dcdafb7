"""Notifications: what a member is told in the app, and by e-mail when they want it.

A notification is a kind (:data:`KINDS`), its message's values (JSON) and the path of the page
it leads to; its message is the kind's, translated when it is shown. In the app a member sees
every kind; by e-mail, the kinds they have not turned off (no setting row: yes).

**E-mail goes through the queue, after the commit.** Services never enqueue a job: ``notify``
adds the rows to the caller's transaction and puts the e-mails in that session's *outbox*
(``session.info``); ``consult/notify_mail.py`` hands them to ``consult.jobs.send_mail`` once the
transaction has committed and drops them if it rolls back. So a mail never announces what was
rolled back, and a service that calls :func:`vote_opened` has no mail to hand back to its view.
The mails are written in French, the cooperative's language (they are sent outside any
visitor's request, as the register's digest is).

**Once.** What a periodic job announces (a consultation open, closing in 48 hours, a vote open)
is told once per member and page: ``notify(once=True)`` skips the members who already have a
notification of that kind leading to that page. The check is a query, not a unique key: a proxy
received twice for one motion (from two members) must be told twice, so (member, kind, page) is
not unique for every kind. The job runs in one worker and an opening by a facilitator is seen by
the job only after its commit; two writers racing on the same row can at worst tell a member
twice, never lose a notification.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select, update

from ..models import Consultation, ConsultationCollege, Member, utcnow
from ..models.board import (
    Ballot,
    BallotParticipation,
    Motion,
    Notification,
    NotificationSetting,
    Proxy,
)
from ..rules import N_, ConsultationState, Problem, phase
from . import NotFound

CLOSING_NOTICE = timedelta(hours=48)  # "closes in 48 hours"
PER_PAGE = 30
OUTBOX = "palabre_outbox"  # the key of the session's pending e-mails in session.info


@dataclass(frozen=True)
class Kind:
    label: str  # what the settings page offers
    message: str  # what the member reads; its values are the notification's params
    subject: str  # the e-mail's subject, in French (values from the params)


KINDS: dict[str, Kind] = {
    "consultation_opened": Kind(
        N_("Une consultation ouverte à mon collège"),
        N_("La consultation « %(title)s » est ouverte : vous pouvez y répondre."),
        "Consultation ouverte : %(title)s"),
    "consultation_closing": Kind(
        N_("Une consultation se clôt dans 48 heures"),
        N_("La consultation « %(title)s » se clôt le %(closes_at)s."),
        "Clôture dans 48 heures : %(title)s"),
    "vote_opened": Kind(
        N_("Un vote s'ouvre pour une instance dont je suis membre"),
        N_("Le vote « %(title)s » est ouvert jusqu'au %(closes_at)s."),
        "Vote ouvert : %(title)s"),
    "proxy_received": Kind(
        N_("Un membre me confie son pouvoir"),
        N_("%(giver)s vous confie son pouvoir pour le vote « %(title)s »."),
        "Pouvoir reçu : %(title)s"),
    "decision_taken": Kind(
        N_("Une décision à laquelle j'ai pris part est prise"),
        N_("La décision sur « %(title)s » est prise : %(outcome)s."),
        "Décision prise : %(title)s"),
}

# A motion's outcome as the decision's message says it (consult.tally.OUTCOMES).
OUTCOME_WORDS = {
    "adopted": N_("motion adoptée"),
    "rejected": N_("motion rejetée"),
    "no_quorum": N_("quorum non atteint"),
    "failed_empty_college": N_("motion rejetée, un collège n'ayant pas voté"),
}


@dataclass(frozen=True)
class PendingMail:
    """An e-mail waiting in a session's outbox for the commit (plain values only)."""

    to: str
    name: str
    kind: str
    params: dict[str, Any]
    url: str
    settings: dict[str, Any] | None  # None: the process's settings (consult.jobs)


# --- Telling -------------------------------------------------------------------------------


def notify(session: Session, member_ids: Iterable[int], kind: str, params: dict[str, Any],
           url: str, settings: dict[str, Any] | None = None, *, once: bool = False,
           now: datetime | None = None) -> list[int]:
    """Tell each active member of ``member_ids`` (in the caller's transaction: the caller
    commits) and queue an e-mail for those with an address who want this kind by e-mail.
    ``params`` are the message's values (strings, numbers, datetimes); ``url`` the page's path.
    With ``once``, members already told this kind for this page are skipped. Returns the ids
    of the members told."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind: {kind}")
    ids = sorted(set(member_ids))
    if not ids:
        return []
    now = now or utcnow()
    members = list(session.exec(select(Member).where(
        Member.id.in_(ids), Member.active, Member.erased_at.is_(None)).order_by(Member.id)))
    told_before: set[int] = set()
    if once:
        told_before = set(session.exec(select(Notification.member_id).where(
            Notification.kind == kind, Notification.url == url,
            Notification.member_id.in_(ids))))
    no_mail = set(session.exec(select(NotificationSetting.member_id).where(
        NotificationSetting.kind == kind, ~NotificationSetting.email,
        NotificationSetting.member_id.in_(ids))))
    stored = _dump(params)
    outbox = session.info.setdefault(OUTBOX, [])
    told = []
    for member in members:
        if member.id in told_before:
            continue
        session.add(Notification(member_id=member.id, kind=kind, params=stored, url=url,
                                 created_at=now))
        told.append(member.id)
        if member.email and member.id not in no_mail:
            outbox.append(PendingMail(member.email, member.display_name, kind,
                                      json.loads(stored), url, settings))
    session.flush()
    return told


def consultation_opened(session: Session, consultation: Consultation,
                        settings: dict[str, Any] | None = None, *,
                        now: datetime | None = None) -> list[int]:
    """Tell the members of the consultation's invited colleges that they can answer it, once,
    if it is open now. One set to open at a later date is told by the job when that date
    comes (:func:`notify_due`). In the caller's transaction."""
    now = now or utcnow()
    if _phase(consultation, now) != "open":
        return []
    return notify(session, _college_members(session, consultation.id), "consultation_opened",
                  {"title": consultation.title}, _consultation_url(consultation), settings,
                  once=True, now=now)


def consultation_closing(session: Session, consultation: Consultation,
                         settings: dict[str, Any] | None = None, *,
                         now: datetime | None = None) -> list[int]:
    """Tell the invited colleges' members, once, that the consultation closes within 48 hours."""
    now = now or utcnow()
    closes_at = consultation.closes_at
    if _phase(consultation, now) != "open" or closes_at is None or closes_at - now > CLOSING_NOTICE:
        return []
    return notify(session, _college_members(session, consultation.id), "consultation_closing",
                  {"title": consultation.title, "closes_at": closes_at},
                  _consultation_url(consultation), settings, once=True, now=now)


def vote_opened(session: Session, motion: Motion, settings: dict[str, Any] | None = None, *,
                now: datetime | None = None) -> list[int]:
    """Tell the members of the motion's body (consult.services.board.body_members) that its
    vote is open, once, if it is open now; one opening later is told by the job at its opening
    time. Call it before your commit: the rows join your transaction, the mails leave after."""
    now = now or utcnow()
    if motion.status != "open" or motion.opens_at > now or motion.closes_at <= now:
        return []
    from .board import body_members  # the board's rule of who is in the body, read once

    return notify(session, [m.id for m in body_members(session, motion)], "vote_opened",
                  {"title": motion.title, "closes_at": motion.closes_at}, _motion_url(motion),
                  settings, once=True, now=now)


def proxy_received(session: Session, proxy: Proxy, settings: dict[str, Any] | None = None, *,
                   now: datetime | None = None) -> list[int]:
    """Tell a proxy's holder that the giver entrusts them with their vote. Call it before your
    commit (see :func:`vote_opened`)."""
    motion = session.get(Motion, proxy.motion_id)
    giver = session.get(Member, proxy.giver_id)
    if motion is None or giver is None or proxy.revoked_at is not None:
        return []
    return notify(session, [proxy.holder_id], "proxy_received",
                  {"giver": giver.display_name, "title": motion.title}, _motion_url(motion),
                  settings, now=now)


def decision_taken(session: Session, motion: Motion, settings: dict[str, Any] | None = None, *,
                   now: datetime | None = None) -> list[int]:
    """Tell the members who took part in a closed motion's vote (its voters, and the proxy
    holders who cast a vote for them) that it is decided, once. Call it in the closing
    transaction, before its commit (see :func:`vote_opened`)."""
    if motion.status != "closed" or not motion.outcome:
        return []
    return notify(session, participants(session, motion), "decision_taken",
                  {"title": motion.title, "outcome": motion.outcome}, _motion_url(motion),
                  settings, once=True, now=now)


def participants(session: Session, motion: Motion) -> set[int]:
    """Who took part in a motion's vote: its voters (every vote, a changed one included) and
    those who cast a vote by proxy. A secret ballot's who-half only, never what they voted."""
    if motion.secret:
        rows = session.exec(select(BallotParticipation.member_id, BallotParticipation.cast_by_id)
                            .where(BallotParticipation.motion_id == motion.id))
    else:
        rows = session.exec(select(Ballot.voter_id, Ballot.cast_by_id)
                            .where(Ballot.motion_id == motion.id))
    return {member_id for pair in rows for member_id in pair if member_id is not None}


def notify_due(session: Session, settings: dict[str, Any] | None = None, *,
               now: datetime | None = None) -> int:
    """The job's round (every 15 minutes): consultations open now (those whose opening date
    has come, or opened by any path), those closing within 48 hours, votes open now; each told
    once. Commits; returns how many notifications were made."""
    now = now or utcnow()
    told = 0
    for consultation in session.exec(select(Consultation).where(Consultation.status == "open")):
        told += len(consultation_opened(session, consultation, settings, now=now))
        told += len(consultation_closing(session, consultation, settings, now=now))
    for motion in session.exec(select(Motion).where(Motion.status == "open",
                                                    Motion.opens_at <= now)):
        told += len(vote_opened(session, motion, settings, now=now))
    session.commit()
    return told


def _phase(consultation: Consultation, now: datetime) -> str:
    return phase(ConsultationState(consultation.status, consultation.opens_at,
                                   consultation.closes_at), now)


def _college_members(session: Session, consultation_id: int) -> list[int]:
    """The active members who can answer the consultation: those of its invited colleges."""
    invited = select(ConsultationCollege.college_id).where(
        ConsultationCollege.consultation_id == consultation_id)
    return list(session.exec(select(Member.id).where(Member.active,
                                                     Member.college_id.in_(invited))))


def _consultation_url(consultation: Consultation) -> str:
    return f"/consultations/{consultation.id}"


def _motion_url(motion: Motion) -> str:
    return f"/votes/{motion.id}"


def _dump(params: dict[str, Any]) -> str:
    return json.dumps({k: v.isoformat() if isinstance(v, datetime) else v
                       for k, v in params.items()}, ensure_ascii=False, sort_keys=True)


def _values(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Stored params as the message's values: times as datetimes, an outcome as its words."""
    values: dict[str, Any] = {}
    for key, value in params.items():
        if key.endswith("_at") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif key == "outcome":
            value = Problem(OUTCOME_WORDS.get(value, value))
        values[key] = value
    return values


def message_of(kind: str, params: dict[str, Any]) -> Problem:
    """A notification's message, to be translated when it is shown (consult.views.say)."""
    known = KINDS.get(kind)
    return Problem(known.message if known else kind, _values(kind, params))


# --- The member's list and settings ---------------------------------------------------------


@dataclass(frozen=True)
class NotificationItem:
    id: int
    kind: str
    message: Problem
    url: str
    created_at: datetime
    unread: bool


@dataclass(frozen=True)
class NotificationList:
    items: list[NotificationItem]
    unread: int
    page: int
    pages: int


@dataclass(frozen=True)
class EmailChoice:
    kind: str
    label: str
    email: bool


def unread_count(session: Session, member: Member) -> int:
    return session.exec(select(func.count()).select_from(Notification).where(
        Notification.member_id == member.id, Notification.read_at.is_(None))).one()


def list_for(session: Session, member: Member, page: int = 1) -> NotificationList:
    """The member's own notifications, newest first (a page past the last shows the last)."""
    total = session.exec(select(func.count()).select_from(Notification)
                         .where(Notification.member_id == member.id)).one()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = session.exec(select(Notification).where(Notification.member_id == member.id)
                        .order_by(Notification.created_at.desc(), Notification.id.desc())
                        .offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    items = [NotificationItem(row.id, row.kind, message_of(row.kind, json.loads(row.params)),
                              row.url, row.created_at, row.read_at is None) for row in rows]
    return NotificationList(items, unread_count(session, member), page, pages)


def mark_read(session: Session, member: Member, ids: Iterable[int] | None = None, *,
              now: datetime | None = None) -> int:
    """Mark the member's own notifications read: those of ``ids`` (others' ids change
    nothing), or all of them when ``ids`` is None. Commits; returns how many changed."""
    query = update(Notification).where(Notification.member_id == member.id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        wanted = sorted(set(ids))
        if not wanted:
            return 0
        query = query.where(Notification.id.in_(wanted))
    changed = session.execute(query.values(read_at=now or utcnow())).rowcount
    session.commit()
    return changed


def open_notification(session: Session, member: Member, notification_id: int) -> str:
    """Mark one of the member's notifications read and give the path it leads to; another
    member's notification does not exist for them."""
    row = session.get(Notification, notification_id)
    if row is None or row.member_id != member.id:
        raise NotFound(N_("Cette notification n'existe pas."))
    mark_read(session, member, [row.id])
    return row.url


def settings_for(session: Session, member: Member) -> list[EmailChoice]:
    """For each kind, whether the member receives it by e-mail (no row: yes)."""
    chosen = {kind: email for kind, email in session.exec(
        select(NotificationSetting.kind, NotificationSetting.email)
        .where(NotificationSetting.member_id == member.id))}
    return [EmailChoice(kind, spec.label, chosen.get(kind, True)) for kind, spec in KINDS.items()]


def set_email(session: Session, member: Member, kind: str, email: bool) -> None:
    """Whether the member receives ``kind`` by e-mail. Commits."""
    _set_email(session, member, kind, email)
    session.commit()


def set_emails(session: Session, member: Member, wanted: Iterable[str]) -> None:
    """The settings page's form: e-mail for the kinds in ``wanted``, none for the others."""
    wanted = set(wanted)
    for kind in KINDS:
        _set_email(session, member, kind, kind in wanted)
    session.commit()


def _set_email(session: Session, member: Member, kind: str, email: bool) -> None:
    if kind not in KINDS:
        raise NotFound(N_("Ce type de notification n'existe pas."))
    row = session.get(NotificationSetting, (member.id, kind))
    if row is None:
        row = NotificationSetting(member_id=member.id, kind=kind)
    row.email = bool(email)
    session.add(row)


# --- The e-mail ------------------------------------------------------------------------------


def mail_for(mail: PendingMail, settings: dict[str, Any]) -> tuple[str, str]:
    """A pending e-mail's subject and plain-text body, in French, with full links on
    PALABRE_BASE_URL and times in PALABRE_TIMEZONE."""
    zone = ZoneInfo(settings.get("PALABRE_TIMEZONE") or "Europe/Paris")
    values = {k: _french(v, zone) for k, v in _values(mail.kind, mail.params).items()}
    kind = KINDS[mail.kind]
    base = (settings.get("PALABRE_BASE_URL") or "").rstrip("/")
    subject = kind.subject % values
    body = "\n".join([
        f"Bonjour {mail.name},", "",
        Problem(kind.message, values).text(), "",
        f"{base}{mail.url}", "",
        "Vous recevez cet e-mail parce que vous êtes membre de la coopérative sur Palabre. "
        "Choisissez les notifications que vous recevez par e-mail :",
        f"{base}/notifications/reglages", ""])
    return subject, body


def _french(value: Any, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%d/%m/%Y à %H:%M")
    if isinstance(value, Problem):
        return value.text()
    return value
