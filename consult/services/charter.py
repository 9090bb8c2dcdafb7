"""The cooperative's AI charter: its versions, the board's draft amendments, their consultation
of the members, and their adoption, which only a motion of the board or the assembly makes
(:func:`adopt_version`, called by the board's service when such a motion closes adopted).

A version is ``draft`` → ``adopted`` → ``superseded``, or ``draft`` → ``withdrawn``. A draft
amends the version adopted when it was written (its base); once another version has been
adopted it is no longer current and cannot be put to the vote. The database holds at most one
adopted version (a partial unique index), so two adoptions racing fail cleanly.

Who reads what: every active member reads the adopted version and every version ever adopted
(superseded ones included); drafts and withdrawn drafts are the board's working papers, read by
the board only — members read an amendment through the consultation that presents it.

Each use case authorises (the board: board members and administrators), changes, records its
event (:mod:`consult.events_charter`), signs a checkpoint of the log and commits. Pages are
assembled in :mod:`consult.services.charter_pages`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from ethics_register import Signer

from .. import audit, events_charter
from ..access import BOARD
from ..charter_founding import DEMO_SOBRIETY, DEMO_SUMMARY, FOUNDING_PRINCIPLES, FOUNDING_SUMMARY
from ..models import CharterVersion, College, Member, Motion, utcnow
from ..rules import N_, Problem, has_words, tidy
from . import NotFound, ServiceError, audit_log, require_role, retry_on_conflict

MAX_PRINCIPLES = 20
TITLE_MAX = 120  # characters
TEXT_MAX = 2000
RATIONALE_MAX = 2000
SUMMARY_MAX = 1000
FIELDS = ("title", "text", "rationale")

NO_VERSION = N_("Cette version de la charte n'existe pas.")
NO_CHARTER = N_("La coopérative n'a pas encore de charte adoptée : il n'y a rien à amender.")
NOT_A_DRAFT = N_("Cette version n'est plus un projet : elle ne se modifie plus.")
NOT_CURRENT = N_("Cet amendement porte sur la version %(base)s de la charte, qui n'est plus "
                 "celle en vigueur (c'est la version %(current)s) : il ne peut plus être mis "
                 "au vote. Écrivez un nouvel amendement sur la version en vigueur.")
WITHDRAWN = N_("Ce projet a été retiré : il ne peut plus être mis au vote.")
ALREADY_ADOPTED = N_("Cette version a déjà été adoptée : il n'y a plus rien à mettre au vote.")
IN_VOTE = N_("Un vote est en cours sur cette version : elle ne change plus d'ici sa clôture.")
IN_CONSULTATION = N_("La consultation sur cet amendement est ouverte : le texte soumis aux "
                     "membres ne change pas avant sa clôture.")
ALREADY_CONSULTED = N_("Cet amendement a déjà sa consultation.")
CLOSES_IN_PAST = N_("La date de clôture de la consultation doit être dans le futur.")
NO_COLLEGE = N_("La coopérative n'a aucun collège à consulter.")
NOTHING_CHANGED = N_("Rien n'a changé : le projet est resté tel quel.")
SAME_AS_ADOPTED = N_("Ce projet reprend la charte en vigueur sans rien y changer.")
REASON_NEEDED = N_("Donnez la raison du retrait.")
WRONG_MOTION = N_("Cette motion ne porte pas sur cette version de la charte, ou n'a pas été "
                  "adoptée.")
SUMMARY_NEEDED = N_("Résumez l'amendement en une phrase ou deux.")
SUMMARY_TOO_LONG = N_("Le résumé ne peut dépasser %(max)s caractères.")
NO_PRINCIPLE = N_("Une charte compte au moins un principe.")
TOO_MANY = N_("Une charte compte au plus %(max)s principes.")
TITLE_NEEDED = N_("Principe %(number)s : donnez-lui un titre.")
TEXT_NEEDED = N_("Principe %(number)s : écrivez son texte.")
TITLE_TWICE = N_("Principe %(number)s : le titre « %(title)s » est déjà celui d'un autre "
                 "principe.")
TITLE_TOO_LONG = N_("Principe %(number)s : le titre ne peut dépasser %(max)s caractères.")
TEXT_TOO_LONG = N_("Principe %(number)s : le texte ne peut dépasser %(max)s caractères.")
RATIONALE_TOO_LONG = N_("Principe %(number)s : la justification ne peut dépasser %(max)s "
                        "caractères.")


@dataclass(frozen=True)
class Principle:
    title: str
    text: str
    rationale: str = ""

    def to_json(self) -> dict[str, str]:
        return {"title": self.title, "text": self.text, "rationale": self.rationale}


@dataclass(frozen=True)
class PrincipleProblem:
    """What is wrong with one slot of the draft's form (``slot`` from 0; None: the whole)."""

    slot: int | None
    field: str  # title, text, rationale, summary, principles
    message: str
    params: dict


class CharterInvalid(ServiceError):
    """A draft that cannot be stored: every problem, the first as the message."""

    def __init__(self, problems: list[PrincipleProblem]) -> None:
        first = problems[0]
        super().__init__(first.message, **first.params)
        self.problems = problems


def _slot_problems(slot: int, values: dict[str, str], seen: set[str]) -> list[PrincipleProblem]:
    number = {"number": slot + 1}
    found = []
    if not has_words(values["title"]):
        found.append(PrincipleProblem(slot, "title", TITLE_NEEDED, number))
    elif values["title"].casefold() in seen:
        found.append(PrincipleProblem(slot, "title", TITLE_TWICE,
                                      {**number, "title": values["title"]}))
    if not has_words(values["text"]):
        found.append(PrincipleProblem(slot, "text", TEXT_NEEDED, number))
    for name, limit, message in (("title", TITLE_MAX, TITLE_TOO_LONG),
                                 ("text", TEXT_MAX, TEXT_TOO_LONG),
                                 ("rationale", RATIONALE_MAX, RATIONALE_TOO_LONG)):
        if len(values[name]) > limit:
            found.append(PrincipleProblem(slot, name, message, {**number, "max": limit}))
    seen.add(values["title"].casefold())
    return found


def checked_principles(slots: list[dict], summary: str | None = None
                       ) -> tuple[list[Principle], str]:
    """The principles of a draft's form, tidied, in their order; a slot left wholly blank is
    no principle. ``summary`` None: not asked for (the founding charter). Every problem at
    once as a :class:`CharterInvalid`. Pure."""
    problems: list[PrincipleProblem] = []
    principles, seen = [], set()
    for slot, raw in enumerate(slots):
        values = {name: tidy(str(raw.get(name) or "")) for name in FIELDS}
        if not any(has_words(v) for v in values.values()):
            continue
        found = _slot_problems(slot, values, seen)
        problems += found
        if not found:
            principles.append(Principle(**values))
    if not problems and not principles:
        problems.append(PrincipleProblem(None, "principles", NO_PRINCIPLE, {}))
    if len(principles) > MAX_PRINCIPLES:
        problems.append(PrincipleProblem(None, "principles", TOO_MANY, {"max": MAX_PRINCIPLES}))
    text = tidy(summary or "")
    if summary is not None and not has_words(text):
        problems.append(PrincipleProblem(None, "summary", SUMMARY_NEEDED, {}))
    if len(text) > SUMMARY_MAX:
        problems.append(PrincipleProblem(None, "summary", SUMMARY_TOO_LONG, {"max": SUMMARY_MAX}))
    if problems:
        raise CharterInvalid(problems)
    return principles, text


def principles_of(version: CharterVersion) -> list[Principle]:
    return [Principle(p.get("title", ""), p.get("text", ""), p.get("rationale", ""))
            for p in json.loads(version.principles or "[]")]


def _principles_text(principles: list[Principle]) -> str:
    return json.dumps([p.to_json() for p in principles], ensure_ascii=False,
                      separators=(",", ":"))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def get_version(session: Session, version_id: int) -> CharterVersion:
    version = session.get(CharterVersion, version_id)
    if version is None:
        raise NotFound(NO_VERSION)
    return version


def adopted_version(session: Session) -> CharterVersion | None:
    """The charter in force, if the cooperative has one."""
    return session.exec(select(CharterVersion).where(CharterVersion.status == "adopted")).first()


def versions(session: Session, *, statuses: tuple[str, ...] | None = None
             ) -> list[CharterVersion]:
    """Every version, newest first (only ``statuses`` when given)."""
    query = select(CharterVersion).order_by(CharterVersion.number.desc())
    if statuses:
        query = query.where(CharterVersion.status.in_(statuses))
    return list(session.exec(query))


def _next_number(session: Session) -> int:
    return (session.exec(select(func.max(CharterVersion.number))).one() or 0) + 1


def _open_motion(session: Session, version: CharterVersion) -> Motion | None:
    return session.exec(select(Motion).where(
        Motion.subject == "charter", Motion.subject_id == version.id,
        Motion.status == "open")).first()


def _editable_draft(session: Session, version_id: int) -> CharterVersion:
    version = get_version(session, version_id)
    if version.status != "draft":
        raise ServiceError(NOT_A_DRAFT)
    if _open_motion(session, version) is not None:
        raise ServiceError(IN_VOTE)
    return version


# --- The founding charter ---------------------------------------------------------------------


def seed_charter(session: Session, signer: Signer) -> CharterVersion | None:
    """The first charter, adopted at the cooperative's founding (by the system, without a
    motion), unless the cooperative already has a charter; then None and nothing changes."""
    if session.exec(select(CharterVersion.id)).first() is not None:
        return None
    text = _principles_text([Principle(*p) for p in FOUNDING_PRINCIPLES])
    version = CharterVersion(number=1, status="adopted", principles=text,
                             summary=FOUNDING_SUMMARY, adopted_at=utcnow())
    session.add(version)
    session.flush()
    audit.record_event(session, events_charter.CharterVersionAdopted(
        actor=None, object_id=str(version.id), number=1, motion_id=None, founding=True,
        superseded_version_id=None, principles_sha256=_sha256(text)))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return version


# --- Drafts -------------------------------------------------------------------------------------


def draft_amendment(session: Session, actor: Member, principles: list[dict], summary: str,
                    signer: Signer) -> CharterVersion:
    """A new draft amending the adopted charter (the board). ``principles``: the form's slots
    ({title, text, rationale}), blank ones ignored; nothing is stored when one is wrong."""
    require_role(actor, BOARD)
    checked, summary = checked_principles(principles, summary)
    text = _principles_text(checked)

    def change() -> CharterVersion:
        base = adopted_version(session)
        if base is None:
            raise ServiceError(NO_CHARTER)
        if text == base.principles:
            raise ServiceError(SAME_AS_ADOPTED)
        version = CharterVersion(number=_next_number(session), status="draft", principles=text,
                                 summary=summary, base_version_id=base.id, author_ref=actor.ref)
        session.add(version)
        session.flush()
        audit.record_event(session, events_charter.CharterDraftCreated(
            actor=actor.ref, object_id=str(version.id), number=version.number,
            base_version_id=base.id, titles=tuple(p.title for p in checked),
            principles_sha256=_sha256(text)))
        audit_log.checkpoint(session, signer, "board")
        session.commit()
        return version

    return retry_on_conflict(session, change)  # two drafts numbered at once: the next number


def edit_draft(session: Session, actor: Member, version_id: int, principles: list[dict],
               summary: str, signer: Signer) -> CharterVersion:
    """A draft's principles and summary rewritten (the board); refused once it is no longer a
    draft, while it is put to the vote, and while its consultation is open."""
    require_role(actor, BOARD)
    version = _editable_draft(session, version_id)
    if version.consultation_id is not None and _consultation_open(session, version):
        raise ServiceError(IN_CONSULTATION)
    checked, summary = checked_principles(principles, summary)
    text = _principles_text(checked)
    if text == version.principles and summary == version.summary:
        raise ServiceError(NOTHING_CHANGED)
    version.principles, version.summary = text, summary
    session.add(version)
    audit.record_event(session, events_charter.CharterDraftEdited(
        actor=actor.ref, object_id=str(version.id), number=version.number,
        titles=tuple(p.title for p in checked), principles_sha256=_sha256(text)))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return version


def withdraw_draft(session: Session, actor: Member, version_id: int, reason: str,
                   signer: Signer) -> CharterVersion:
    """The board gives up a draft, saying why; it stays readable by the board."""
    require_role(actor, BOARD)
    version = _editable_draft(session, version_id)
    if not has_words(reason):
        raise ServiceError(REASON_NEEDED)
    version.status = "withdrawn"
    session.add(version)
    audit.record_event(session, events_charter.CharterDraftWithdrawn(
        actor=actor.ref, object_id=str(version.id), number=version.number,
        reason=tidy(reason)[:500]))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return version


# --- Consultation -------------------------------------------------------------------------------


def _consultation_open(session: Session, version: CharterVersion) -> bool:
    from .consultations import get_consultation

    return get_consultation(session, version.consultation_id).status in ("draft", "open")


def consultation_text(version: CharterVersion, base: CharterVersion | None) -> tuple[str, str]:
    """The consultation's question and description presenting the amendment: its summary, then
    each principle added, changed or removed, in plain text. Stored as written, in French, like
    every text of a consultation."""
    from .charter_pages import principle_changes

    question = (f"Que pensez-vous de l'amendement n° {version.number} de la charte de l'IA ? "
                f"{version.summary}")
    blocks = [f"Le conseil propose d'amender la charte de l'IA en vigueur "
              f"(version {base.number if base else '—'}). Voici ce qui changerait."]
    said = {"added": "Principe ajouté", "changed": "Principe modifié",
            "removed": "Principe retiré"}
    for change in principle_changes(principles_of(base) if base else [], principles_of(version)):
        if change.kind == "same":
            continue
        shown = change.after if change.after is not None else change.before
        block = f"{said[change.kind]} — {shown.title} : {shown.text}"
        if change.kind != "removed" and shown.rationale:
            block += f"\nPourquoi : {shown.rationale}"
        blocks.append(block)
    return question, "\n\n".join(blocks)


def open_to_consultation(session: Session, actor: Member, version_id: int, signer: Signer, *,
                         closes_at: datetime | None = None,
                         now: datetime | None = None) -> CharterVersion:
    """Put a draft to the members (the board): a consultation of every college, presenting
    the amendment, opened now and closing at ``closes_at`` (in 14 days by default), linked to
    the draft. The consultation is the app's (a board member need not be a facilitator): its
    own events name no actor; CharterOpenedToConsultation names the board member."""
    from .consultations import ConsultationInput, change_status, create_consultation

    require_role(actor, BOARD)
    now = now or utcnow()
    version = _editable_draft(session, version_id)
    if version.consultation_id is not None:
        raise ServiceError(ALREADY_CONSULTED)
    closes_at = closes_at or now + timedelta(days=14)
    if closes_at <= now:
        raise ServiceError(CLOSES_IN_PAST)
    colleges = tuple(session.exec(select(College.id).order_by(College.id)))
    if not colleges:
        raise ServiceError(NO_COLLEGE)
    base = session.get(CharterVersion, version.base_version_id) if version.base_version_id \
        else None
    question, description = consultation_text(version, base)
    consultation = create_consultation(session, None, ConsultationInput(
        title=f"Charte de l'IA : amendement n° {version.number}"[:200], question=question,
        description=description, closes_at=closes_at, college_ids=colleges), source="charter")
    change_status(session, None, consultation.id, "open", now=now)
    version = get_version(session, version_id)
    version.consultation_id = consultation.id
    session.add(version)
    audit.record_event(session, events_charter.CharterOpenedToConsultation(
        actor=actor.ref, object_id=str(version.id), number=version.number,
        consultation_id=consultation.id))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return version


# --- The vote and the adoption ---------------------------------------------------------------


def vote_refusal(session: Session, version_id: int) -> Problem | None:
    """Why the version cannot be put to the vote (a consult.rules Problem), or None."""
    version = get_version(session, version_id)
    if version.status == "withdrawn":
        return Problem(WITHDRAWN)
    if version.status != "draft":
        return Problem(ALREADY_ADOPTED)
    current = adopted_version(session)
    if current is None or version.base_version_id != current.id:
        base = session.get(CharterVersion, version.base_version_id) \
            if version.base_version_id else None
        return Problem(NOT_CURRENT, {"base": base.number if base else "—",
                                     "current": current.number if current else "—"})
    return None


def can_be_put_to_vote(session: Session, version_id: int) -> bool:
    """True when the version is a draft amending the charter in force; otherwise a
    ServiceError saying why (NotFound for a version that does not exist). The board's service
    calls it before opening a motion on the charter, and adoption checks it again."""
    problem = vote_refusal(session, version_id)
    if problem is not None:
        raise ServiceError(problem.message, **problem.params)
    return True


def adopt_version(session: Session, motion: Motion, signer: Signer) -> CharterVersion:
    """In the closing motion's transaction (the caller commits): the motion's version becomes
    the adopted charter and the one in force is superseded, with their event and a signed
    checkpoint. Refused (ServiceError) unless the motion is on the charter, adopted, and its
    draft still amends the version in force. Two adoptions racing: the unique index on the
    adopted version refuses the second at the flush (an IntegrityError; roll back)."""
    if motion.subject != "charter" or motion.subject_id is None or motion.outcome != "adopted":
        raise ServiceError(WRONG_MOTION)
    can_be_put_to_vote(session, motion.subject_id)
    version = get_version(session, motion.subject_id)
    previous = adopted_version(session)
    now = utcnow()
    if previous is not None:
        previous.status = "superseded"
        session.add(previous)
        session.flush()  # the index holds one adopted version: the old one steps down first
    version.status, version.adopted_at, version.motion_id = "adopted", now, motion.id
    session.add(version)
    session.flush()
    audit.record_event(session, events_charter.CharterVersionAdopted(
        actor=None, object_id=str(version.id), number=version.number,
        motion_id=motion.id, founding=False,
        superseded_version_id=previous.id if previous is not None else None,
        principles_sha256=_sha256(version.principles)))
    audit_log.checkpoint(session, signer, "board")
    return version


def demo_amendment(session: Session, signer: Signer, author: Member) -> CharterVersion:
    """The demo's amendment: version 2 strengthens the frugality principle (a measured energy
    and a yearly ceiling per system); opened to consultation. ``author`` is a board member."""
    base = adopted_version(session)
    if base is None:
        raise ServiceError(NO_CHARTER)
    slots = [p.to_json() for p in principles_of(base)]
    for slot in slots:
        if slot["title"] == DEMO_SOBRIETY[0]:
            slot.update(title=DEMO_SOBRIETY[0], text=DEMO_SOBRIETY[1],
                        rationale=DEMO_SOBRIETY[2])
    draft = draft_amendment(session, author, slots, DEMO_SUMMARY, signer)
    return open_to_consultation(session, author, draft.id, signer)
