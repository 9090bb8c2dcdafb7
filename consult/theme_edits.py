"""The facilitator's corrections of a theme analysis, laid over the machine's themes.

The machine's result is never changed: each correction is stored as an edit (a rename, a
summary, a merge, a split, a verbatim moved, a theme marked reviewed) and the themes are read
through :func:`apply_edits`, which replays the edits that are not undone, in order, on the
themes of the run being read. Undoing an edit is leaving it out of the replay; and because a
run re-run from an earlier one keeps the ids of the themes that still match
(``nlp.themes.rerun``), the same edits replayed on the new run still find their themes. An
edit whose theme is not there any more (gone, merged by the machine, or undone beneath it) is
skipped and reported, never applied to some other theme.

Themes here are keyed by contribution id, not by row of the run: rows change from one run to
the next, contributions do not. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

KINDS = ("rename", "summary", "merge", "split", "move", "review")
STRUCTURAL = frozenset({"merge", "split", "move"})  # they change which verbatims a theme holds
SPLIT_BASE = 1_000_000  # a theme made by a split is SPLIT_BASE + the edit's id: no machine id


@dataclass(frozen=True)
class Edit:
    """One stored correction (``consult.models.ThemeEdit``) as plain values."""

    id: int
    kind: str
    theme_id: int
    payload: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class EditedTheme:
    """A theme as the facilitation team reads it once their corrections are applied."""

    id: int
    label: str
    machine_label: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]  # contribution ids, most typical first
    representatives: tuple[int, ...]  # contribution ids of its most typical verbatims
    summary: str = ""
    reviewed: bool = False
    merged_from: tuple[int, ...] = ()  # the themes merged into it by the facilitator
    split_from: int | None = None  # the theme it was split off from
    moved_in: int = 0  # verbatims moved into it by hand
    cohesion: float | None = None
    to_check: bool = False
    status: str = "new"  # against the previous run, as the machine said (nlp.themes)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def renamed(self) -> bool:
        return self.label != self.machine_label


@dataclass(frozen=True)
class EditedThemes:
    """The themes of one run with the edits replayed: which applied and which were skipped."""

    themes: tuple[EditedTheme, ...]
    theme_of: Mapping[int, int]  # contribution id → theme id; -1 for a verbatim in none
    applied: tuple[int, ...]  # edit ids
    skipped: tuple[int, ...]
    # Whether an applied edit moved verbatims between themes: the verdicts must be read again.
    changed_membership: bool = False

    def get(self, theme_id: int) -> EditedTheme | None:
        return next((t for t in self.themes if t.id == theme_id), None)


def machine_themes(document: Mapping, contribution_ids: Sequence[int]) -> list[EditedTheme]:
    """The themes of a stored run (``ThemeResult.to_json``), keyed by contribution id."""
    themes = []
    for theme in document.get("themes", []):
        members = tuple(contribution_ids[row] for row in theme["members"])
        themes.append(EditedTheme(
            id=theme["id"], label=theme["label"], machine_label=theme["label"],
            keywords=tuple(theme.get("keywords", ())), members=members,
            representatives=tuple(contribution_ids[row] for row in theme["representatives"]),
            cohesion=theme.get("cohesion"), to_check=bool(theme.get("to_check")),
            status=theme.get("status", "new")))
    return themes


def apply_edits(document: Mapping, contribution_ids: Sequence[int],
                edits: Sequence[Edit]) -> EditedThemes:
    """Replay ``edits`` (not undone, oldest first) on the run's themes."""
    themes = {t.id: t for t in machine_themes(document, contribution_ids)}
    order = list(themes)
    known = set(contribution_ids)
    applied, skipped, structural = [], [], False
    for edit in edits:
        changed = _apply(themes, order, edit, known)
        (applied if changed else skipped).append(edit.id)
        structural = structural or (changed and edit.kind in STRUCTURAL)
    theme_of = dict.fromkeys(contribution_ids, -1)
    for theme in themes.values():
        for member in theme.members:
            theme_of[member] = theme.id
    return EditedThemes(tuple(themes[i] for i in order if i in themes), theme_of,
                        tuple(applied), tuple(skipped), structural)


def _apply(themes: dict[int, EditedTheme], order: list[int], edit: Edit,
           known: set[int]) -> bool:
    """Apply one edit in place; False when its theme (or its other theme) is not there."""
    theme = themes.get(edit.theme_id)
    payload = edit.payload
    if edit.kind == "move":
        contribution = payload.get("contribution")
        source = next((t for t in themes.values() if contribution in t.members), None)
        if theme is None or source is theme or contribution not in known:
            return False
        if source is not None:  # else: a verbatim the machine left in no theme
            themes[source.id] = _without(source, {contribution})
        themes[theme.id] = replace(theme, members=theme.members + (contribution,),
                                   moved_in=theme.moved_in + 1)
        return True
    if theme is None:
        return False
    if edit.kind == "rename":
        themes[theme.id] = replace(theme, label=str(payload.get("label", "")) or theme.label)
    elif edit.kind == "summary":
        themes[theme.id] = replace(theme, summary=str(payload.get("text", "")))
    elif edit.kind == "review":
        themes[theme.id] = replace(theme, reviewed=bool(payload.get("reviewed", True)))
    elif edit.kind == "merge":
        other = themes.get(payload.get("other"))
        if other is None or other is theme:
            return False
        themes[theme.id] = replace(
            theme, members=theme.members + other.members,
            representatives=theme.representatives + other.representatives,
            keywords=_union(theme.keywords, other.keywords),
            merged_from=theme.merged_from + (other.id,) + other.merged_from,
            moved_in=theme.moved_in + other.moved_in, cohesion=None,
            to_check=theme.to_check and other.to_check)
        del themes[other.id]
    elif edit.kind == "split":
        part = [c for c in theme.members if c in set(payload.get("contributions", ()))]
        if not part or len(part) == len(theme.members):
            return False
        new_id = SPLIT_BASE + edit.id
        label = str(payload.get("label") or "") or theme.label
        themes[theme.id] = _without(theme, set(part))
        themes[new_id] = EditedTheme(
            id=new_id, label=label, machine_label=label,
            keywords=tuple(payload.get("keywords", ())), members=tuple(part),
            representatives=tuple(part[:3]), split_from=theme.id, status="split")
        order.insert(order.index(theme.id) + 1, new_id)
    else:
        return False
    return True


def _without(theme: EditedTheme, gone: set[int]) -> EditedTheme:
    members = tuple(c for c in theme.members if c not in gone)
    representatives = tuple(c for c in theme.representatives if c not in gone) or members[:3]
    return replace(theme, members=members, representatives=representatives)


def _union(first: Sequence[str], second: Sequence[str], limit: int = 10) -> tuple[str, ...]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return tuple(seen)[:limit]
