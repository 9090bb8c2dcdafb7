"""The demo cooperative's board, after its register is loaded: the charter's amendment put to
the members and adopted by the board; the request pre-sorting project taken along its whole
path — a consultation, the ethics review, an assembly vote weighted by college with proxies —
and deployed through the register's gate, so that its traceability page shows the whole chain.

Everything goes through the services, as real use would; the votes are dated in the past (the
services take ``now``) so that the demo's decisions are already taken when it opens.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from ethics_register import Signer

from .models import ConsentRecord, Consultation, Member, Proposal, RegisterEntry, utcnow
from .pseudonyms import participant_ref
from .rules import stance_from_word
from .services import ballots, board, charter, proposal_path, register
from .services import consultations as consultation_service
from .services.contributions import notice_hash
from .services.imports import NewContribution, add_in_bulk

CONTENT = Path(__file__).parent / "demo_content" / "board.json"
SEED = 2026
PROJECT = "Assistant de pré-tri des demandes entrantes"
ENTRY = "Pré-tri des demandes entrantes"


@dataclass(frozen=True)
class DemoBoard:
    charter_version: int
    motions: int
    proposal_id: int
    proposal_status: str
    proxies: int


def _members(session: Session) -> list[Member]:
    return list(session.exec(select(Member).where(Member.active).order_by(Member.id)))


def _with_role(members: list[Member], role: str) -> list[Member]:
    return [m for m in members if role in m.roles]


def _contribute(session, consultation, items, members, key, retention_months, colleges):
    """The items' verbatims, each by a member of its college, as if written a week ago."""
    by_college: dict[int, list[Member]] = {}
    for member in members:
        by_college.setdefault(member.college_id, []).append(member)
    turn: dict[int, int] = {}
    written, authors = [], {}
    when = utcnow() - timedelta(days=9)
    for index, item in enumerate(items):
        college_id = colleges[item["college"]]
        pool = by_college[college_id]
        author = pool[turn.get(college_id, 0) % len(pool)]
        turn[college_id] = turn.get(college_id, 0) + 1
        ref = participant_ref(key, consultation.id, author.ref)
        authors[author.id] = ref
        written.append(NewContribution(
            key=f"demo-board-{index}", participant_ref=ref, text=item["text"],
            stance=stance_from_word(item["stance"], consultation.stance_scale),
            college_id=college_id, created_at=when + timedelta(hours=index * 5),
            author_id=author.id))
    for ref in authors.values():
        session.add(ConsentRecord(consultation_id=consultation.id, participant_ref=ref,
                                  notice_hash=notice_hash(consultation, retention_months)))
    add_in_bulk(session, consultation, written, [], actor=None, source="demo", input_sha256="")
    session.commit()


def _adopt_amendment(session, signer, settings, members, key, retention, colleges) -> int:
    chair = _with_role(_with_role(members, "board"), "admin")[0]
    draft = charter.demo_amendment(session, signer, chair)
    consultation = session.get(Consultation, draft.consultation_id)
    items = json.loads(CONTENT.read_text(encoding="utf-8"))["charter_contributions"]
    _contribute(session, consultation, items, members, key, retention, colleges)
    consultation_service.change_status(session, None, consultation.id, "closed")
    start = utcnow() - timedelta(days=3)
    motion = board.open_motion(session, chair, board.MotionInput(
        title="Adopter la version 2 de la charte de l'IA",
        text="Le conseil adopte la version 2 de la charte, qui mesure l'énergie de chaque "
             "système sur son usage réel et lui fixe un plafond annuel, après la consultation "
             "des membres.",
        body="board", method="one_member_one_vote", majority="two_thirds",
        opens_at=start, closes_at=start + timedelta(days=1), quorum=0.5,
        subject="charter", subject_id=draft.id), signer, settings,
        now=start - timedelta(minutes=5))
    for member in _with_role(members, "board"):
        ballots.cast(session, member, motion.id, "pour", "", settings,
                     now=start + timedelta(hours=2))
    board.close_motion(session, chair, motion.id, signer, settings)
    board.write_outcome(session, chair, motion.id,
                        "La version 2 de la charte est adoptée à l'unanimité du conseil ; elle "
                        "reprend la demande des membres d'un chiffre lisible sur chaque fiche.",
                        signer)
    return draft.number


def _project_path(session, signer, settings, members, key, retention, colleges, rng) -> tuple:
    proposal = session.exec(select(Proposal).where(Proposal.title == PROJECT)).one()
    entry = session.exec(select(RegisterEntry).where(RegisterEntry.name == ENTRY)).one()
    facilitator = _with_role(members, "facilitator")[0]
    ethics = _with_role(members, "ethics")[0]
    chair = _with_role(_with_role(members, "board"), "admin")[0]
    spec = json.loads(CONTENT.read_text(encoding="utf-8"))["pre_sorting_consultation"]
    consultation = consultation_service.create_consultation(
        session, facilitator, consultation_service.ConsultationInput(
            title=spec["title"], question=spec["question"], description=spec["description"],
            college_ids=tuple(colleges.values())), source="demo")
    consultation_service.change_status(session, facilitator, consultation.id, "open")
    _contribute(session, consultation, spec["contributions"], members, key, retention, colleges)
    consultation_service.change_status(session, facilitator, consultation.id, "closed")
    proposal_path.move(session, facilitator, proposal.id, "in_consultation", signer,
                       consultation_id=consultation.id)
    proposal_path.move(session, ethics, proposal.id, "in_review", signer, entry_id=entry.id)
    proposal_path.move(session, chair, proposal.id, "board_decision", signer)

    start = utcnow() - timedelta(days=2)
    motion = board.open_motion(session, chair, board.MotionInput(
        title="Approuver le pré-tri des demandes entrantes",
        text="L'assemblée générale approuve la mise en service de l'assistant de pré-tri, "
             "sous les conditions de l'avis du comité d'éthique.",
        body="assembly", method="college_weighted", majority="simple",
        opens_at=start, closes_at=start + timedelta(days=1), quorum=0.3, college_quorum=0.2,
        subject="proposal", subject_id=proposal.id), signer, settings,
        now=start - timedelta(minutes=5))
    voting = start + timedelta(hours=3)
    by_college: dict[int, list[Member]] = {}
    for member in members:
        by_college.setdefault(member.college_id, []).append(member)
    proxies, voted = 0, set()
    for pool in by_college.values():  # one proxy in each college of three or more members
        if len(pool) >= 3:
            giver, holder = pool[-1], pool[0]
            ballots.give_proxy(session, giver, motion.id, holder.id, settings, now=voting)
            ballots.cast(session, holder, motion.id, "pour", "", settings,
                         for_member_id=giver.id, now=voting + timedelta(minutes=1))
            proxies += 1
            voted.add(giver.id)
    for member in members:
        if member.id in voted or rng.random() > 0.7:
            continue
        draw = rng.random()
        choice, reason = ("pour", "") if draw < 0.7 else ("abstention", "") if draw < 0.85 \
            else ("contre", "Une machine ne devrait pas juger l'urgence d'une détresse.")
        ballots.cast(session, member, motion.id, choice, reason, settings,
                     now=voting + timedelta(minutes=10))
    board.close_motion(session, chair, motion.id, signer, settings)
    board.write_outcome(session, chair, motion.id,
                        "L'assemblée approuve le pré-tri, pondéré par collège ; le comité "
                        "d'éthique suivra les tests de biais par tranche d'âge.", signer)
    register.change_status(session, ethics, entry.id, "deployed",
                           "Approuvé par l'assemblée, test de biais dans les seuils et avis "
                           "favorable : mise en service.", signer)
    session.refresh(proposal)
    return proposal, proxies


def load_demo_board(session: Session, signer: Signer, settings: dict, pseudonym_key: str,
                    retention_months: int) -> DemoBoard:
    """The board's part of the demo (after the members, the proposals, the register and the
    founding charter are loaded)."""
    from .models import College

    members = _members(session)
    colleges = {c.name: c.id for c in session.exec(select(College))}
    rng = random.Random(f"{SEED}-board")
    version = _adopt_amendment(session, signer, settings, members, pseudonym_key,
                               retention_months, colleges)
    proposal, proxies = _project_path(session, signer, settings, members, pseudonym_key,
                                      retention_months, colleges, rng)
    return DemoBoard(version, 2, proposal.id, proposal.status, proxies)
