"""The facilitation team corrects the themes of an analysis: rename a theme, write its summary,
merge two, split one, move a verbatim, mark a theme reviewed, and undo any of it.

Each correction is a :class:`~consult.models.ThemeEdit` row and a ``ThemeEdited`` audit event;
the machine's stored result is never touched. The themes are read through
``consult.theme_edits.apply_edits``, which replays the edits made on the run being read and on
the runs it was re-run from (``AnalysisRun.previous_run_id``): a re-run keeps the ids of the
themes that still match, so the corrections follow them. An analysis started afresh (another
seed or number of themes) starts from the machine's themes again.

When a correction moves verbatims between themes, the verdicts are read again over the
corrected themes, with the same rules as the analysis (``analysis.convergence_of``).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from types import SimpleNamespace

from sqlmodel import Session, func, select

from .. import audit, events_synthesis
from ..access import FACILITATION
from ..models import AnalysisRun, Contribution, Member, ThemeEdit, Vote, utcnow
from ..rules import N_
from ..theme_edits import KINDS, SPLIT_BASE, Edit, EditedThemes, apply_edits
from . import NotFound, ServiceError, require_role
from .consultations import get_consultation
from .run_results import result_of

LABEL_MAX = 120
SUMMARY_MAX = 4000
SPLIT_MAX = 3000  # verbatims: a split re-clusters them while the facilitator waits
SPLIT_MIN = 10
NO_RUN = N_("Aucune analyse terminée : lancez une analyse avant de corriger ses thèmes.")
NO_THEME = N_("Ce thème n'existe pas dans l'analyse en cours.")
__all__ = ["SPLIT_BASE", "done_run", "edit_theme", "edited_themes", "split_theme", "undo_edit"]


def done_run(session: Session, consultation_id: int, run_id: int | None = None) -> AnalysisRun:
    """The run read: ``run_id`` (a done run of this consultation), or the latest done one."""
    if run_id is not None:
        run = session.get(AnalysisRun, run_id)
        if run is None or run.consultation_id != consultation_id or run.status != "done":
            raise NotFound(N_("Cette analyse n'existe pas."))
        return run
    run = session.exec(select(AnalysisRun).where(
        AnalysisRun.consultation_id == consultation_id, AnalysisRun.status == "done")
        .order_by(AnalysisRun.id.desc())).first()
    if run is None:
        raise NotFound(NO_RUN)
    return run


def lineage(session: Session, run: AnalysisRun) -> list[int]:
    """``run`` and the runs it was re-run from, newest first."""
    ids, current = [], run
    while current is not None and current.id not in ids:
        ids.append(current.id)
        previous = getattr(current, "previous_run_id", None)
        current = session.get(AnalysisRun, previous) if previous else None
    return ids


def edits_of(session: Session, run: AnalysisRun, *, undone: bool = False) -> list[ThemeEdit]:
    """The edits that apply to ``run`` (made on it or on a run it descends from), oldest first;
    with ``undone``, the undone ones too (the history)."""
    query = select(ThemeEdit).where(ThemeEdit.consultation_id == run.consultation_id,
                                    ThemeEdit.run_id.in_(lineage(session, run)))
    if not undone:
        query = query.where(ThemeEdit.undone_at.is_(None))
    return list(session.exec(query.order_by(ThemeEdit.id)))


def edited_themes(session: Session, run: AnalysisRun, document: dict | None = None,
                  ids: list[int] | None = None) -> EditedThemes:
    """The run's themes with their corrections. ``document`` and ``ids``: the run's result and
    contribution ids when the caller has parsed them already (2 MB of JSON at 10,000)."""
    if document is None:
        document = result_of(run)
    edits = [Edit(e.id, e.kind, e.theme_id, json.loads(e.payload)) for e in edits_of(session, run)]
    return apply_edits(document, json.loads(run.contribution_ids) if ids is None else ids, edits)


# --- Verdicts over the corrected themes ------------------------------------------------------

_verdict_cache: OrderedDict = OrderedDict()
_CACHE_SIZE = 16
_opinion_cache: dict = {}  # the last opinion groups computed, by what they read


def votes_mark(session: Session, consultation_id: int) -> tuple:
    """How many latest votes the consultation has and the newest's id: a vote cast, changed
    or erased changes it."""
    return tuple(session.exec(
        select(func.count(Vote.id), func.max(Vote.id))
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(Vote.latest, Contribution.consultation_id == consultation_id)).one())


def verdicts_of(session: Session, run: AnalysisRun, edited: EditedThemes,
                document: dict | None = None) -> dict:
    """The run's convergence (verdicts, counts, opinion groups, thresholds) as stored, or read
    again over the corrected themes when a correction moved verbatims. Kept in memory for the
    last few (run, corrections) read, the votes counted as they are now. ``document``: the
    run's result, when the caller has parsed it already."""
    if not edited.changed_membership:
        if document is None:
            document = result_of(run)
        return document.get("convergence", {})
    from . import analysis

    mark = votes_mark(session, run.consultation_id)
    # By what the verdicts read: the run (its id and the moment it ended, which tell it from a
    # run of the same id in another database), the themes as corrected, and the votes.
    key = (run.id, run.finished_at, hash(tuple(sorted(edited.theme_of.items()))), mark)
    if key in _verdict_cache:
        _verdict_cache.move_to_end(key)
        return _verdict_cache[key]
    by_id = {c.id: c for c in analysis.analysed_contributions(session, run.consultation_id)}
    contributions = [by_id[c] for c in json.loads(run.contribution_ids) if c in by_id]
    result = SimpleNamespace(assignments=[SimpleNamespace(theme_id=edited.theme_of.get(c.id, -1))
                                          for c in contributions])
    # The opinion groups read the votes on these contributions, not the themes: computed once
    # for these contributions and these votes, they serve every correction after.
    opinion_key = (run.id, run.finished_at, tuple(c.id for c in contributions), mark)
    opinion = _opinion_cache.get(opinion_key)
    found = analysis.convergence_of(session, contributions, result, opinion=opinion)
    _opinion_cache.clear()
    _opinion_cache[opinion_key] = found.opinion
    convergence = found.to_json()
    _verdict_cache[key] = convergence
    while len(_verdict_cache) > _CACHE_SIZE:
        _verdict_cache.popitem(last=False)
    return convergence


# --- Corrections -----------------------------------------------------------------------------


def edit_theme(session: Session, actor: Member, consultation_id: int, kind: str, theme_id: int,
               **details) -> ThemeEdit:
    """Record one correction of the latest analysis's themes (facilitators).

    ``details``: ``label`` (rename), ``text`` (summary), ``other`` (merge: the theme merged
    into ``theme_id``), ``contribution`` (move: the verbatim moved into ``theme_id``),
    ``reviewed`` (review). A split goes through :func:`split_theme`.
    """
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    run = done_run(session, consultation.id)
    edited = edited_themes(session, run)
    theme = edited.get(theme_id)
    if kind not in KINDS or kind == "split":
        raise ServiceError(N_("Correction inconnue : %(kind)s."), kind=kind)
    if theme is None:
        raise NotFound(NO_THEME)
    payload = _payload(kind, theme, edited, details)
    return _store(session, actor, run, kind, theme_id, payload)


def _payload(kind: str, theme, edited: EditedThemes, details: dict) -> dict:
    if kind == "rename":
        label = " ".join(str(details.get("label") or "").split())
        if not label:
            raise ServiceError(N_("Donnez un nom au thème."))
        if len(label) > LABEL_MAX:
            raise ServiceError(N_("Le nom d'un thème tient en %(max)s caractères."), max=LABEL_MAX)
        return {"label": label, "before": theme.label}
    if kind == "summary":
        text = str(details.get("text") or "").strip()
        if len(text) > SUMMARY_MAX:
            raise ServiceError(N_("Le résumé d'un thème tient en %(max)s caractères."),
                               max=SUMMARY_MAX)
        return {"text": text}
    if kind == "review":
        return {"reviewed": bool(details.get("reviewed", True))}
    if kind == "merge":
        other = edited.get(_int(details.get("other")))
        if other is None or other.id == theme.id:
            raise ServiceError(N_("Choisissez un autre thème à réunir avec celui-ci."))
        return {"other": other.id, "other_label": other.label}
    contribution = _int(details.get("contribution"))  # move
    if contribution not in edited.theme_of:
        raise ServiceError(N_("Ce verbatim ne fait pas partie de l'analyse."))
    if edited.theme_of[contribution] == theme.id:
        raise ServiceError(N_("Ce verbatim est déjà dans ce thème."))
    return {"contribution": contribution, "from": edited.theme_of[contribution]}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _store(session: Session, actor: Member, run: AnalysisRun, kind: str, theme_id: int,
           payload: dict) -> ThemeEdit:
    edit = ThemeEdit(consultation_id=run.consultation_id, run_id=run.id, kind=kind,
                     theme_id=theme_id, payload=json.dumps(payload, ensure_ascii=False),
                     actor_ref=actor.ref)
    session.add(edit)
    session.flush()
    audit.record_event(session, events_synthesis.ThemeEdited(
        actor=actor.ref, object_id=str(edit.id), consultation_id=run.consultation_id,
        run_id=run.id, kind=kind, theme_id=theme_id,
        details={k: v for k, v in payload.items() if k != "contributions"}))
    session.commit()
    return edit


def split_theme(session: Session, actor: Member, consultation_id: int, theme_id: int, *,
                seed: int = 0) -> ThemeEdit:
    """Split a theme in two by clustering its verbatims again, on their own (nlp.themes with
    two themes asked); the second part becomes a new theme. Refused when its verbatims do not
    fall into two groups."""
    from nlp.themes import find_themes

    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    run = done_run(session, consultation.id)
    theme = edited_themes(session, run).get(theme_id)
    if theme is None:
        raise NotFound(NO_THEME)
    if not SPLIT_MIN <= theme.size <= SPLIT_MAX:
        raise ServiceError(N_("On divise un thème de %(low)s à %(high)s verbatims."),
                           low=SPLIT_MIN, high=SPLIT_MAX)
    by_id = {c.id: c for c in session.exec(
        select(Contribution).where(Contribution.id.in_(list(theme.members))))}
    members = [c for c in theme.members if c in by_id]
    mode = run.mode if run.mode in ("fast", "quality") else "auto"
    found = find_themes([by_id[c].redacted_text for c in members], mode=mode, n_themes=2,
                        seed=seed, keys=members)
    if len(found.themes) < 2:
        raise ServiceError(N_("Ses verbatims ne se séparent pas en deux groupes nets : le thème "
                              "reste entier."))
    part = min(found.themes, key=lambda t: (t.size, t.id))
    return _store(session, actor, run, "split", theme_id, {
        "contributions": [members[row] for row in part.members], "label": part.label,
        "keywords": list(part.keywords), "size": part.size})


def undo_edit(session: Session, actor: Member, consultation_id: int, edit_id: int) -> ThemeEdit:
    """Undo a correction: the themes read as if it had never been made (facilitators)."""
    require_role(actor, FACILITATION)
    edit = session.get(ThemeEdit, edit_id)
    if edit is None or edit.consultation_id != consultation_id:
        raise NotFound(N_("Cette correction n'existe pas."))
    if edit.undone_at is not None:
        raise ServiceError(N_("Cette correction est déjà annulée."))
    edit.undone_at, edit.undone_by_ref = utcnow(), actor.ref
    session.add(edit)
    audit.record_event(session, events_synthesis.ThemeEditUndone(
        actor=actor.ref, object_id=str(edit.id), consultation_id=consultation_id,
        kind=edit.kind, theme_id=edit.theme_id))
    session.commit()
    return edit
