"""The theme explorer: an analysis as the facilitation team reads it once corrected, and the same
values frozen into a published synthesis.

:func:`read_analysis` (no actor: the synthesis calls it too) assembles plain dataclasses — a
card per theme with its verdict, per-college shares, typical verbatims and, for a divergent
theme, what each side agrees with; the opinion groups with what each stands for; the majority,
consensus and divisive statements — so that ``dataclasses.asdict`` of it is the JSON a
published synthesis keeps, and the templates read either the same way.
"""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from itertools import islice
from typing import NamedTuple

from sqlmodel import Session, func, select

from ..access import FACILITATION
from ..models import AnalysisRun, College, Consultation, Contribution, Member, Vote
from . import NotFound, require_role
from .analysis import analysed
from .consultations import get_consultation
from .run_results import result_of
from .workspace import NO_THEME, done_run, edited_themes, edits_of, verdicts_of, votes_mark

TYPICAL = 3
SIDE_QUOTES = 2
STATEMENTS = 5
PAGE_SIZE = 50


@dataclass(frozen=True)
class Quote:
    """A verbatim as quoted: its redacted text, its author's college and stance."""

    contribution_id: int
    text: str
    college: str | None
    stance: str | None


@dataclass(frozen=True)
class GroupShares:
    """How one college (or opinion group) voted on a theme: shares of its expressed positions."""

    group: str
    n: int
    agree: float
    neutral: float
    disagree: float


@dataclass(frozen=True)
class Side:
    """One side of a divergent theme: the group, how much it agrees, what it agrees with."""

    group: str
    grouping: str  # college or opinion_group
    agree_percent: int
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class ThemeCard:
    id: int
    label: str
    machine_label: str
    keywords: tuple[str, ...]
    size: int
    summary: str
    reviewed: bool
    merged_from: tuple[int, ...]
    split_from: int | None
    cohesion: float | None
    to_check: bool
    status: str
    verdict: dict | None  # nlp.convergence Verdict.to_json()
    colleges: tuple[GroupShares, ...]
    typical: tuple[Quote, ...]
    sides: tuple[Side, ...]


@dataclass(frozen=True)
class StatementRow:
    kind: str  # agree, disagree (majority), consensus, divisive
    quote: Quote
    share: float | None  # of agreement (or disagreement), or the consensus
    detail: str  # for a divisive statement: "A 80 % · B 20 %"


@dataclass(frozen=True)
class OpinionGroup:
    group: str
    size: int
    stands_for: tuple[StatementRow, ...]


@dataclass(frozen=True)
class Analysis:
    """A done run read with its corrections: what the explorer shows and a synthesis freezes."""

    run_id: int
    mode: str
    finished_at: str | None
    parameters: dict
    versions: dict
    input_sha256: str
    analysed: int
    set_aside: dict
    themes: tuple[ThemeCard, ...]
    counts: dict
    thresholds: dict
    opinion_message: dict | None  # why no opinion groups were formed (code, params, text)
    opinion_groups: tuple[OpinionGroup, ...]
    statements: tuple[StatementRow, ...]
    corrections: int
    skipped_corrections: int


@dataclass(frozen=True)
class _Read:
    """What reading a run loads once: its document, edited themes, contributions, colleges."""

    document: dict
    ids: list[int]
    edited: object  # theme_edits.EditedThemes
    contributions: dict
    colleges: dict


class _Verbatim(NamedTuple):
    """What a page quotes of a contribution (read as plain rows: 10,000 ORM objects cost
    a fifth of a second)."""

    id: int
    redacted_text: str
    college_id: int | None
    stance: str | None


def _load(session: Session, run: AnalysisRun) -> _Read:
    rows = session.exec(select(
        Contribution.id, Contribution.redacted_text, Contribution.college_id,
        Contribution.stance).where(*analysed(run.consultation_id)))
    document = result_of(run)
    ids = json.loads(run.contribution_ids)
    return _Read(document, ids, edited_themes(session, run, document, ids),
                 {row[0]: _Verbatim(*row) for row in rows},
                 {c.id: c.name for c in session.exec(select(College))})


def read_analysis(session: Session, run: AnalysisRun, loaded: _Read | None = None, *,
                  only: int | None = None) -> Analysis:
    """The run with its corrections. ``only``: build the card of that theme alone (a theme's
    page), the others left out of ``themes``."""
    loaded = loaded or _load(session, run)
    document, ids, edited = loaded.document, loaded.ids, loaded.edited
    contributions, colleges = loaded.contributions, loaded.colleges
    convergence = verdicts_of(session, run, edited, document)

    def quote(cid: int) -> Quote | None:
        c = contributions.get(cid)
        if c is None:  # withdrawn or hidden since the run: never quoted
            return None
        return Quote(c.id, c.redacted_text, colleges.get(c.college_id), c.stance)

    def quotes(cids, limit=None) -> tuple[Quote, ...]:
        found = [q for q in map(quote, cids) if q is not None]
        return tuple(found[:limit] if limit else found)

    verdicts = convergence.get("verdicts", {})
    shown = [t for t in edited.themes if only is None or t.id == only]
    # Only the members of divergent themes are read for their votes: their sides are quoted.
    divided = [m for t in shown if (verdicts.get(str(t.id)) or {}).get("label") == "divergent"
               for m in t.members]
    votes = _votes_by_contribution(session, run, colleges) if divided else {}
    cards = []
    for theme in shown:
        verdict = verdicts.get(str(theme.id))
        cards.append(ThemeCard(
            id=theme.id, label=theme.label, machine_label=theme.machine_label,
            keywords=theme.keywords, size=theme.size, summary=theme.summary,
            reviewed=theme.reviewed, merged_from=theme.merged_from, split_from=theme.split_from,
            cohesion=theme.cohesion, to_check=theme.to_check, status=theme.status,
            verdict=verdict, colleges=_college_shares(verdict),
            typical=quotes(theme.representatives, TYPICAL),
            sides=_sides(verdict, theme.members, votes, quote, document, ids)))
    opinion = convergence.get("opinion") or {}
    row_quote = _row_quote(ids, quote)
    return Analysis(
        run_id=run.id, mode=run.mode,
        finished_at=run.finished_at.isoformat() if run.finished_at else None,
        parameters=json.loads(run.parameters), versions=json.loads(run.versions),
        input_sha256=run.input_sha256, analysed=len(ids),
        set_aside=document.get("set_aside") or {}, themes=tuple(cards),
        counts=_counts(cards), thresholds=convergence.get("thresholds", {}),
        opinion_message={"code": opinion.get("message"),
                         "params": opinion.get("message_params") or {},
                         "text": opinion.get("message_text")} if opinion.get("message") else None,
        opinion_groups=tuple(
            OpinionGroup(g["group"], g["size"], _statement_rows(
                g.get("representative", []), row_quote, limit=TYPICAL))
            for g in opinion.get("groups", [])),
        statements=_statements(opinion, row_quote),
        corrections=len(edited.applied), skipped_corrections=len(edited.skipped))


def _counts(cards) -> dict:
    counts: dict[str, int] = {}
    for card in cards:
        if card.verdict:
            counts[card.verdict["label"]] = counts.get(card.verdict["label"], 0) + 1
    return counts


def _college_shares(verdict: dict | None) -> tuple[GroupShares, ...]:
    """The votes by college behind a verdict (the stances when no vote was cast)."""
    if not verdict:
        return ()
    evidence = {(e["source"], e["grouping"]): e for e in verdict.get("evidence", [])}
    chosen = evidence.get(("votes", "college"))
    if chosen is None or not chosen.get("overall", {}).get("n"):
        chosen = evidence.get(("stances", "college")) or chosen
    if chosen is None:
        return ()
    return tuple(GroupShares(g["group"], g["n"], g["agree"]["share"], g["neutral"]["share"],
                             g["disagree"]["share"]) for g in chosen.get("groups", []))


_sums_cache: OrderedDict = OrderedDict()  # the last few sums of votes read, by what they read
_SUMS_CACHED = 4


def _votes_by_contribution(session, run: AnalysisRun, colleges) -> dict[int, dict]:
    """The latest votes on the consultation's contributions summed by college: contribution id
    → {college: Σ value}. Summed by the database (one row per contribution and college, not
    per vote: 50,000 votes make some 30,000 rows) and kept in memory for the next pages while
    the consultation's votes stay as they are (``votes_mark``) and the colleges keep their
    names."""
    key = (run.id, run.finished_at, votes_mark(session, run.consultation_id),
           tuple(sorted(colleges.items())))
    if key in _sums_cache:
        _sums_cache.move_to_end(key)
        return _sums_cache[key]
    votes: dict[int, dict] = defaultdict(dict)
    rows = session.connection().execute(
        select(Vote.contribution_id, Vote.college_id, func.sum(Vote.value))
        .join(Contribution, Contribution.id == Vote.contribution_id)
        .where(Vote.latest, Contribution.consultation_id == run.consultation_id)
        .group_by(Vote.contribution_id, Vote.college_id))
    for contribution_id, college_id, total in rows:
        sums = votes[contribution_id]
        college = colleges.get(college_id)
        sums[college] = sums.get(college, 0) + total
    _sums_cache[key] = votes
    while len(_sums_cache) > _SUMS_CACHED:
        _sums_cache.popitem(last=False)
    return votes


def _sides(verdict, members, votes, quote, document, ids) -> tuple[Side, ...]:
    """For a divergent theme, the two groups the deciding reason names and the theme's
    verbatims each agrees with most (its members' votes, or for opinion groups the statements
    that stand for the group)."""
    if not verdict or verdict.get("label") != "divergent" or not verdict.get("reasons"):
        return ()
    reason = verdict["reasons"][0]
    params = reason.get("params") or {}
    if "higher" not in params or "lower" not in params:
        return ()
    grouping = params.get("grouping", "college")
    in_theme = set(members)
    sides = []
    for role in ("higher", "lower"):
        group = params[role]
        if grouping == "opinion_group":
            groups = (document.get("convergence") or {}).get("opinion", {}).get("groups", [])
            rows = next((g.get("representative", []) for g in groups if g["group"] == group), [])
            picked = [ids[r["comment_id"]] for r in rows if r.get("direction") == "agree"
                      and 0 <= r["comment_id"] < len(ids) and ids[r["comment_id"]] in in_theme]
        else:
            score = {cid: votes.get(cid, {}).get(group, 0) for cid in members}
            picked = sorted((c for c in members if score[c] > 0), key=lambda c: -score[c])
        found = tuple(islice((q for q in map(quote, picked) if q is not None), SIDE_QUOTES))
        sides.append(Side(group, grouping, params.get(f"{role}_share", 0), found))
    return tuple(sides)


def _row_quote(ids, quote):
    def of(row) -> Quote | None:
        return quote(ids[row]) if isinstance(row, int) and 0 <= row < len(ids) else None
    return of


def _statement_rows(rows, row_quote, *, limit, kind=None) -> tuple[StatementRow, ...]:
    out = []
    for row in rows:
        found = row_quote(row["comment_id"])
        if found is not None:
            out.append(StatementRow(kind or row.get("direction", "agree"), found,
                                    row.get("p_success"), ""))
    return tuple(out[:limit])


def _statements(opinion: dict, row_quote) -> tuple[StatementRow, ...]:
    """What most agree on, most reject, the groups agree on across, and split on most."""
    rows = []
    for direction in ("agree", "disagree"):
        rows += _statement_rows(opinion.get("majority", {}).get(direction, []), row_quote,
                                limit=STATEMENTS, kind=direction)
    consensus = [r for r in opinion.get("group_informed_consensus", [])
                 if row_quote(r["comment_id"]) is not None][:STATEMENTS]
    rows += [StatementRow("consensus", row_quote(r["comment_id"]), r["consensus"], "")
             for r in consensus]
    for row in opinion.get("divisive", []):
        found = row_quote(row["comment_id"])
        if found is None:
            continue
        detail = " · ".join(f"{g} {round(p * 100)} %"
                            for g, p in sorted(row.get("agree_by_group", {}).items()))
        rows.append(StatementRow("divisive", found, row.get("gap"), detail))
        if sum(1 for r in rows if r.kind == "divisive") >= STATEMENTS:
            break
    return tuple(rows)


# --- The explorer's pages --------------------------------------------------------------------


@dataclass(frozen=True)
class EditRow:
    id: int
    kind: str
    theme_id: int
    payload: dict
    actor_ref: str | None
    created_at: object
    undone: bool


@dataclass(frozen=True)
class ExplorerPage:
    consultation: Consultation
    run: AnalysisRun
    analysis: Analysis
    history: tuple[EditRow, ...]
    map_points: tuple[tuple, ...]  # (x, y, theme id) per verbatim, for charts.scatter_map


def explorer_page(session: Session, actor: Member, consultation_id: int,
                  run_id: int | None = None) -> ExplorerPage:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    run = done_run(session, consultation.id, run_id)
    loaded = _load(session, run)
    analysis = read_analysis(session, run, loaded)
    history = tuple(EditRow(e.id, e.kind, e.theme_id, json.loads(e.payload), e.actor_ref,
                            e.created_at, e.undone_at is not None)
                    for e in reversed(edits_of(session, run, undone=True)))
    return ExplorerPage(consultation, run, analysis, history, _map_points(loaded))


def _map_points(loaded: _Read) -> tuple[tuple, ...]:
    """Each verbatim's place on the 2-D map and its theme once corrected."""
    theme_of = loaded.edited.theme_of
    return tuple((xy[0], xy[1], theme_of.get(cid, -1)) for cid, xy in
                 zip(loaded.ids, loaded.document.get("coordinates", []), strict=False)
                 if xy is not None)


@dataclass(frozen=True)
class ThemePage:
    consultation: Consultation
    run: AnalysisRun
    card: ThemeCard
    others: tuple[tuple[int, str], ...]  # the other themes (id, label): merge and move targets
    verbatims: tuple[Quote, ...]  # this page of the theme's verbatims, filtered
    total: int  # verbatims that pass the filters
    page: int
    pages: int
    colleges: tuple[str, ...]  # the filter's choices
    college: str | None
    stance: str | None


def theme_page(session: Session, actor: Member, consultation_id: int, theme_id: int, *,
               college: str | None = None, stance: str | None = None, page: int = 1,
               run_id: int | None = None) -> ThemePage:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    run = done_run(session, consultation.id, run_id)
    loaded = _load(session, run)
    theme = loaded.edited.get(theme_id)
    if theme is None:
        raise NotFound(NO_THEME)
    card = read_analysis(session, run, loaded, only=theme_id).themes[0]
    names, by_id = loaded.colleges, loaded.contributions
    every = [Quote(c.id, c.redacted_text, names.get(c.college_id), c.stance)
             for c in (by_id.get(m) for m in theme.members) if c is not None]
    chosen = [q for q in every if (not college or q.college == college)
              and (not stance or (q.stance or "none") == stance)]
    pages = max(1, -(-len(chosen) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    return ThemePage(
        consultation, run, card,
        tuple((t.id, t.label) for t in loaded.edited.themes if t.id != theme_id),
        tuple(chosen[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]), len(chosen), page, pages,
        tuple(sorted({q.college for q in every if q.college})), college, stance)
