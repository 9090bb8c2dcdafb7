"""What the charter's pages show, as plain values: the charter in force, every version adopted,
a version with the word-level difference of each principle against the version it amends, and,
for an amendment put to the members, its consultation's themes and verdicts.

Who reads what (see :mod:`consult.services.charter`): adopted and superseded versions, every
active member; drafts and withdrawn drafts, the board only.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from ethics_register import entry

from ..access import BOARD, ROLES, holds
from ..models import CharterVersion, Consultation, Member, Motion
from ..rules import N_, Problem
from . import NotFound, PermissionDenied, require_role
from .charter import (
    Principle,
    adopted_version,
    get_version,
    principles_of,
    versions,
    vote_refusal,
)

MEMBERS = frozenset(ROLES)
READABLE = ("adopted", "superseded")  # by every member; the rest by the board
SIMILAR = 0.5  # a principle renamed is "changed" when half its text is kept, else removed+added
DRAFTS_FOR_BOARD = N_("Les projets de charte sont lus par le conseil ; les membres découvrent "
                      "un amendement par la consultation qui le leur présente.")

Words = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PrincipleChange:
    """One principle between two versions: added, removed, changed or the same, with the
    words of its title, text and rationale marked (same, removed, added)."""

    kind: str  # added, removed, changed, same
    before: Principle | None
    after: Principle | None
    title: Words
    text: Words
    rationale: Words


def _words(before: str, after: str) -> Words:
    return entry.word_diff(before, after)


def _change(before: Principle | None, after: Principle | None) -> PrincipleChange:
    old = before or Principle("", "", "")
    new = after or Principle("", "", "")
    kind = ("added" if before is None else "removed" if after is None
            else "same" if before == after else "changed")
    return PrincipleChange(kind, before, after, _words(old.title, new.title),
                           _words(old.text, new.text), _words(old.rationale, new.rationale))


def _similarity(a: Principle, b: Principle) -> float:
    return difflib.SequenceMatcher(a=a.text.split(), b=b.text.split(), autojunk=False).ratio()


def principle_changes(before: list[Principle], after: list[Principle]) -> list[PrincipleChange]:
    """What became of each principle, in the new version's order, the removed ones last.
    A principle keeps its identity by its title (case aside); a renamed one is matched to the
    unmatched old principle whose text it most resembles (half its words or more). Pure."""
    by_title = {p.title.casefold(): p for p in before}
    matched: dict[int, Principle] = {}
    for i, new in enumerate(after):
        if new.title.casefold() in by_title:
            matched[i] = by_title.pop(new.title.casefold())
    left = list(by_title.values())
    for i, new in enumerate(after):
        if i in matched or not left:
            continue
        best = max(left, key=lambda old: _similarity(old, new))
        if _similarity(best, new) >= SIMILAR:
            matched[i] = best
            left.remove(best)
    changes = [_change(matched.get(i), new) for i, new in enumerate(after)]
    return changes + [_change(old, None) for old in before if old in left]


@dataclass(frozen=True)
class VersionView:
    id: int
    number: int
    status: str  # draft, adopted, superseded, withdrawn
    summary: str
    principles: list[Principle]
    created_at: datetime
    adopted_at: datetime | None
    motion_id: int | None
    consultation_id: int | None
    base_id: int | None
    base_number: int | None
    founding: bool  # adopted at the cooperative's founding, without a motion


def _view(session: Session, version: CharterVersion) -> VersionView:
    base = session.get(CharterVersion, version.base_version_id) if version.base_version_id \
        else None
    return VersionView(
        id=version.id, number=version.number, status=version.status, summary=version.summary,
        principles=principles_of(version), created_at=version.created_at,
        adopted_at=version.adopted_at, motion_id=version.motion_id,
        consultation_id=version.consultation_id, base_id=base.id if base else None,
        base_number=base.number if base else None,
        founding=version.status in READABLE and version.motion_id is None and base is None)


@dataclass(frozen=True)
class CharterPage:
    """The charter in force, every version ever adopted, and the board's drafts."""

    current: VersionView | None
    adopted: list[VersionView]  # adopted and superseded, newest first
    drafts: list[VersionView]  # the board's drafts and withdrawn drafts ([] for members)
    board: bool


def charter_page(session: Session, actor: Member) -> CharterPage:
    """For every active member; the drafts for the board."""
    require_role(actor, MEMBERS)
    board = holds(actor, BOARD)
    current = adopted_version(session)
    drafts = versions(session, statuses=("draft", "withdrawn")) if board else []
    return CharterPage(
        current=_view(session, current) if current else None,
        adopted=[_view(session, v) for v in versions(session, statuses=READABLE)],
        drafts=[_view(session, v) for v in drafts], board=board)


@dataclass(frozen=True)
class ConsultationThemes:
    """The latest finished analysis of an amendment's consultation: its themes (dicts of the
    run's result: id, label, size, keywords) and their verdicts by theme id (a string)."""

    run_id: int
    finished_at: datetime | None
    themes: list[dict]
    verdicts: dict[str, dict]
    counts: dict[str, int]


@dataclass(frozen=True)
class MotionLine:
    id: int
    title: str
    status: str
    outcome: str | None
    closes_at: datetime


@dataclass(frozen=True)
class VersionPage:
    version: VersionView
    current: VersionView | None
    changes: list[PrincipleChange]  # against the version it amends ([] for the first one)
    consultation: Consultation | None
    analysis: ConsultationThemes | None
    motions: list[MotionLine]
    board: bool
    vote_refusal: Problem | None  # why it cannot be put to the vote (drafts, for the board)


def _themes(session: Session, consultation: Consultation) -> ConsultationThemes | None:
    from .analysis import latest_run

    run = latest_run(session, consultation.id)
    if run is None or run.status != "done" or not run.result:
        return None
    document = json.loads(run.result)
    convergence = document.get("convergence", {})
    return ConsultationThemes(run_id=run.id, finished_at=run.finished_at,
                              themes=document.get("themes", []),
                              verdicts=convergence.get("verdicts", {}),
                              counts=convergence.get("counts", {}))


def version_page(session: Session, actor: Member, version_id: int) -> VersionPage:
    """One version: adopted and superseded ones for every member, drafts for the board. Its
    consultation's analysis is shown to the board, and to members once it is published."""
    require_role(actor, MEMBERS)
    board = holds(actor, BOARD)
    version = get_version(session, version_id)
    if version.status not in READABLE and not board:
        raise PermissionDenied(DRAFTS_FOR_BOARD)
    view = _view(session, version)
    base = session.get(CharterVersion, version.base_version_id) if version.base_version_id \
        else None
    changes = principle_changes(principles_of(base), view.principles) if base else []
    consultation = session.get(Consultation, version.consultation_id) \
        if version.consultation_id else None
    analysis = None
    if consultation is not None and (board or consultation.status == "published"):
        analysis = _themes(session, consultation)
    motions = [MotionLine(m.id, m.title, m.status, m.outcome, m.closes_at)
               for m in session.exec(select(Motion).where(
                   Motion.subject == "charter", Motion.subject_id == version.id)
                   .order_by(Motion.id))]
    current = adopted_version(session)
    return VersionPage(
        version=view, current=_view(session, current) if current else None, changes=changes,
        consultation=consultation, analysis=analysis, motions=motions, board=board,
        vote_refusal=vote_refusal(session, version.id)
        if board and version.status == "draft" else None)


def readable_version(session: Session, actor: Member, version_id: int | None) -> VersionView:
    """A version a member may download as PDF: one that was adopted (None: the one in force)."""
    require_role(actor, MEMBERS)
    version = adopted_version(session) if version_id is None else get_version(session,
                                                                              version_id)
    if version is None:
        raise NotFound(N_("La coopérative n'a pas encore de charte adoptée."))
    if version.status not in READABLE:
        raise PermissionDenied(N_("Seules les versions adoptées de la charte s'impriment."))
    return _view(session, version)


def draft_slots(session: Session, actor: Member, version_id: int | None,
                blank: int = 2) -> tuple[list[dict], str]:
    """The draft form's slots: the draft's principles (or the charter in force's, for a new
    draft) and ``blank`` empty ones; and its summary (the board)."""
    require_role(actor, BOARD)
    if version_id is None:
        source, summary = adopted_version(session), ""
    else:
        source = get_version(session, version_id)
        summary = source.summary
    principles = principles_of(source) if source is not None else []
    slots = [p.to_json() for p in principles]
    return slots + [{"title": "", "text": "", "rationale": ""} for _ in range(blank)], summary
