"""The ethics committee's weekly digest: the models whose bias test is stale or missing, those
whose test turns stale within a month, and the entries waiting for the committee's opinion.
Sent by a weekly job to the committee's members (role ``ethics``) who have an e-mail address;
``palabre register digest`` prints it. Nothing to report, nothing sent.

The mail is written in French, the cooperative's language (the e-mails of Palabre are rendered
outside any visitor's request, so there is no visitor's language to follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ethics_register import gate

from ..models import Member, MemberRole, RegisterEntry, Review, utcnow
from .bias_test_pages import stale_entries

SOON_DAYS = 30


@dataclass(frozen=True)
class DigestItem:
    entry_id: int
    name: str
    status: str
    version: int
    tested_at: datetime | None  # the current version's latest test (None: never tested)


@dataclass(frozen=True)
class Digest:
    stale: list[DigestItem]
    soon: list[DigestItem]  # tests that turn stale within SOON_DAYS
    awaiting_opinion: list[DigestItem]  # in review, no opinion on the current version yet
    recipients: list[str]

    @property
    def empty(self) -> bool:
        return not (self.stale or self.soon or self.awaiting_opinion)


def weekly_digest(session: Session, *, now: datetime | None = None,
                  retest_days: int = gate.RETEST_DAYS) -> Digest:
    now = now or utcnow()
    rows = list(session.exec(select(RegisterEntry).order_by(RegisterEntry.name)))
    stale = stale_entries(session, rows, now=now, retest_days=retest_days)
    later = stale_entries(session, rows, now=now + timedelta(days=SOON_DAYS),
                          retest_days=retest_days)
    reviewed = {(entry_id, version) for entry_id, version in session.exec(
        select(Review.entry_id, Review.version))}

    def item(row: RegisterEntry, tested: datetime | None = None) -> DigestItem:
        return DigestItem(row.id, row.name, row.status, row.current_version, tested)

    by_id = {row.id: row for row in rows}
    recipients = sorted(email for email in session.exec(
        select(Member.email).join(MemberRole, MemberRole.member_id == Member.id)
        .where(MemberRole.role == "ethics", Member.active, Member.email.is_not(None))
        .distinct()) if email)
    return Digest(
        stale=[item(by_id[i], tested) for i, tested in stale.items()],
        soon=[item(by_id[i], tested) for i, tested in later.items() if i not in stale],
        awaiting_opinion=[item(row) for row in rows if row.status == "in_review"
                          and (row.id, row.current_version) not in reviewed],
        recipients=recipients)


STATUS_WORDS = {"proposed": "proposé", "in_review": "en revue", "approved": "approuvé",
                "deployed": "déployé", "suspended": "suspendu", "retired": "retiré"}


def digest_mail(digest: Digest, register_url: str, *, retest_days: int = gate.RETEST_DAYS,
                cooperative: str = "Palabre") -> tuple[str, str]:
    """The digest's subject and plain-text body, in French."""
    count = len(digest.stale) + len(digest.soon) + len(digest.awaiting_opinion)
    subject = f"{cooperative} — registre de l'IA : {count} point(s) pour le comité d'éthique"
    lines = ["Bonjour,", "", "Voici le point hebdomadaire du registre de l'IA.", ""]

    def entry_line(item: DigestItem) -> str:
        tested = (f"dernier test le {item.tested_at:%d/%m/%Y}" if item.tested_at
                  else "aucun test pour cette version")
        return (f"- {item.name} ({STATUS_WORDS.get(item.status, item.status)}, version "
                f"{item.version}) : {tested} — {register_url}/{item.entry_id}")

    if digest.stale:
        lines += [f"Test de biais périmé (plus de {retest_days} jours) ou absent : la porte de "
                  "déploiement refuse ces modèles tant qu'ils ne sont pas testés à nouveau.",
                  *map(entry_line, digest.stale), ""]
    if digest.soon:
        lines += [f"Test de biais qui sera périmé dans les {SOON_DAYS} jours :",
                  *map(entry_line, digest.soon), ""]
    if digest.awaiting_opinion:
        lines += ["En revue, sans avis du comité sur la version en vigueur :",
                  *(f"- {i.name} (version {i.version}) — {register_url}/{i.entry_id}"
                    for i in digest.awaiting_opinion), ""]
    lines += ["Ce message est envoyé chaque lundi aux membres du comité d'éthique.", ""]
    return subject, "\n".join(lines)
