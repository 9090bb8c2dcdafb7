"""Is a theme convergent, divergent or mixed? A verdict, with its reasons as data.

A verdict combines several :class:`~nlp.convergence.evidence.Evidence` of one theme — typically the
votes by college, the declared stances by college and the votes by opinion group. Each reason
is a code, its parameters and the French sentence built from ``REASONS[code] % params``, so the
app can show it as it is or translate it by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..markers import N_
from .evidence import GROUPINGS, Evidence, GroupEvidence, largest_gap, percent

LABELS = {
    "convergent": "convergent",
    "divergent": "divergent",
    "mixed": "sans tendance nette",  # "partagé" read as "shared", the opposite
    "not_enough_data": "pas assez de données",
}

GROUPINGS_PLURAL = {"college": N_("collèges"), "opinion_group": N_("groupes d'opinion")}

REASONS = {
    "gap": N_(
        "%(source)s — %(higher)s %(higher_share)d %% d'accord (n=%(higher_n)d), "
        "%(lower)s %(lower_share)d %% (n=%(lower_n)d) : écart %(points)d points"
    ),
    "opinion_groups_gap": N_(
        "%(source)s — groupe d'opinion %(higher)s %(higher_share)d %% "
        "d'accord (n=%(higher_n)d), groupe d'opinion %(lower)s %(lower_share)d %% "
        "(n=%(lower_n)d) : écart %(points)d points"
    ),
    "common_ground": N_(
        "%(source)s — chaque %(group_kind)s est d'accord à %(threshold)d %% au "
        "moins ; le moins d'accord : %(lowest)s %(lowest_share)d %% (n=%(lowest_n)d)"
    ),
    "shared_rejection": N_(
        "%(source)s — chaque %(group_kind)s est en désaccord à %(threshold)d %% "
        "au moins ; le moins en désaccord : %(lowest)s %(lowest_share)d %% (n=%(lowest_n)d)"
    ),
    "no_common_ground": N_(
        "%(source)s — pas de terrain commun : %(lowest)s %(lowest_share)d %% "
        "d'accord (n=%(lowest_n)d), %(highest)s %(highest_share)d %% (n=%(highest_n)d) ; "
        "écart %(points)d points, sous les %(gap_threshold)d d'une divergence"
    ),
    "too_few_groups": N_(
        "%(source)s — %(group_kind_plural)s avec au moins %(min_count)d avis "
        "exprimés : %(enough)d sur %(total)d, il en faut %(min_groups)d"
    ),
    "no_votes": N_("%(source)s — aucun avis sur ce thème"),
    "no_expressed": N_(
        "%(source)s — aucun avis pour ou contre, seulement des abstentions ou des "
        "avis neutres (n=%(n)d)"
    ),
    # n is the group's count in the table (its people); expressed, those who said for or against.
    "few_opinions": N_(
        "%(source)s — %(group)s : trop peu d'avis pour ou contre (%(expressed)d sur "
        "n=%(n)d), non pris en compte"
    ),
    "sources_disagree": N_(
        "Les sources se contredisent : accord commun dans l'une, rejet commun "
        "dans l'autre"
    ),
    "no_evidence": N_("Aucune donnée sur ce thème"),
}

# Shares are compared with this much slack: 0.7 - 0.4 is 0.29999999999999993 in floating point.
_SLACK = 1e-9


@dataclass(frozen=True)
class VerdictThresholds:
    """What makes a theme convergent, divergent, or too thin to judge.

    - ``min_count``: a group (college or opinion group) counts only with at least this many
      expressed positions — agree or disagree, passes and neutral stances left out. The others
      are ignored for the decision and named in a reason.
    - ``min_groups``: an evidence can be judged only when at least this many groups count;
      when no evidence can, the verdict is "not enough data".
    - ``divergence_gap``: divergent when, in any evidence that can be judged, two groups' agree
      shares differ by at least this much (0.3 = 30 points). Checked after common ground: when
      every group agrees (95 % and 62 %), the theme is common ground, however strongly each.
    - ``common_ground``: common ground when every group that counts has an agree share of at
      least this much; shared rejection when every one has a disagree share of at least this
      much. Convergent when every evidence that can be judged shows common ground, or every one
      shows shared rejection; mixed otherwise.

    Shares are taken over every person of the group, neutral ones included.
    """

    common_ground: float = 0.6
    divergence_gap: float = 0.3
    min_count: int = 5
    min_groups: int = 2

    def __post_init__(self):
        if not 0.0 <= self.common_ground <= 1.0 or not 0.0 <= self.divergence_gap <= 1.0:
            raise ValueError("common_ground and divergence_gap are shares between 0 and 1")
        if self.min_count < 1 or self.min_groups < 1:
            raise ValueError("min_count and min_groups must be at least 1")


@dataclass(frozen=True)
class Reason:
    """Why a verdict was reached: a code of ``REASONS``, its parameters, the French sentence."""

    code: str
    params: dict
    text: str

    @classmethod
    def of(cls, code: str, **params) -> Reason:
        return cls(code, params, REASONS[code] % params)


@dataclass(frozen=True)
class Verdict:
    """A theme's label, the reasons for it (deciding ones first), and the evidence read."""

    label: str  # a key of LABELS
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]

    @property
    def label_text(self) -> str:
        return LABELS[self.label]

    def to_json(self) -> dict:
        """Plain JSON-ready values."""
        return {
            "label": self.label,
            "label_text": self.label_text,
            "reasons": [{"code": r.code, "params": r.params, "text": r.text} for r in self.reasons],
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class _Reading:
    """What one evidence says under the thresholds, with the reasons that say it."""

    state: str  # "not_enough_data", "divergent", "common_ground", "shared_rejection", "mixed"
    reason: Reason
    notes: tuple[Reason, ...]  # groups left out for too few expressed positions


def theme_verdict(
    evidences: Sequence[Evidence], thresholds: VerdictThresholds = VerdictThresholds()
) -> Verdict:
    """Combine a theme's evidences into one verdict; it always carries at least one reason."""
    evidences = tuple(evidences)
    if not evidences:
        return Verdict("not_enough_data", (Reason.of("no_evidence"),), ())
    readings = [_read(e, thresholds) for e in evidences]
    judged = [r for r in readings if r.state != "not_enough_data"]
    unjudged = tuple(r.reason for r in readings if r.state == "not_enough_data")
    notes = tuple(note for r in readings for note in r.notes)
    if not judged:
        reasons = tuple(reason for r in readings for reason in (r.reason, *r.notes))
        return Verdict("not_enough_data", reasons, evidences)
    states = {r.state for r in judged}
    if "divergent" in states:
        label = "divergent"
        deciding = tuple(r.reason for r in judged if r.state == "divergent")
    else:
        label = "convergent" if states in ({"common_ground"}, {"shared_rejection"}) else "mixed"
        deciding = tuple(r.reason for r in judged)
        if states >= {"common_ground", "shared_rejection"}:
            deciding += (Reason.of("sources_disagree"),)
    return Verdict(label, deciding + unjudged + notes, evidences)


def verdicts_by_theme(
    evidences_by_theme: Mapping[int, Sequence[Evidence]],
    thresholds: VerdictThresholds = VerdictThresholds(),
) -> dict[int, Verdict]:
    """:func:`theme_verdict` for every theme of ``{theme id: [evidence, ...]}``."""
    return {
        theme: theme_verdict(evidences, thresholds)
        for theme, evidences in evidences_by_theme.items()
    }


def _read(evidence: Evidence, thresholds: VerdictThresholds) -> _Reading:
    common = {
        "source": evidence.source_label,
        "source_code": evidence.source,
        "grouping": evidence.grouping,
        "group_kind": GROUPINGS[evidence.grouping],
    }
    counted = [g for g in evidence.groups if g.expressed >= thresholds.min_count]
    notes = tuple(
        Reason.of("few_opinions", **common, group=g.group, expressed=g.expressed, n=g.n)
        for g in evidence.groups
        if g.expressed < thresholds.min_count
    )
    if evidence.overall.n == 0:
        return _Reading("not_enough_data", Reason.of("no_votes", **common), ())

    if evidence.overall.expressed == 0:
        return _Reading(
            "not_enough_data", Reason.of("no_expressed", **common, n=evidence.overall.n), ()
        )
    if len(counted) < thresholds.min_groups:
        reason = Reason.of(
            "too_few_groups",
            **common,
            group_kind_plural=GROUPINGS_PLURAL[evidence.grouping],
            min_count=thresholds.min_count,
            enough=len(counted),
            total=len(evidence.groups),
            min_groups=thresholds.min_groups,
        )
        # Which groups had too few is what this reason says: the table shows each count, and a
        # line per group would say it again.
        return _Reading("not_enough_data", reason, ())

    threshold = percent(thresholds.common_ground)
    least_agreeing = min(counted, key=lambda g: (g.agree.share, g.group))
    if least_agreeing.agree.share >= thresholds.common_ground - _SLACK:
        reason = Reason.of(
            "common_ground",
            **common,
            threshold=threshold,
            **_named("lowest", least_agreeing, least_agreeing.agree.share),
        )
        return _Reading("common_ground", reason, notes)
    least_disagreeing = min(counted, key=lambda g: (g.disagree.share, g.group))
    if least_disagreeing.disagree.share >= thresholds.common_ground - _SLACK:
        reason = Reason.of(
            "shared_rejection",
            **common,
            threshold=threshold,
            **_named("lowest", least_disagreeing, least_disagreeing.disagree.share),
        )
        return _Reading("shared_rejection", reason, notes)

    gap = largest_gap(counted, thresholds.min_count)
    if gap is not None and gap.difference >= thresholds.divergence_gap - _SLACK:
        code = "opinion_groups_gap" if evidence.grouping == "opinion_group" else "gap"
        reason = Reason.of(
            code,
            **common,
            **_named("higher", gap.higher, gap.higher.agree.share),
            **_named("lower", gap.lower, gap.lower.agree.share),
            points=gap.points,
        )
        return _Reading("divergent", reason, notes)

    most_agreeing = max(counted, key=lambda g: (g.agree.share, g.group))
    reason = Reason.of(
        "no_common_ground",
        **common,
        **_named("lowest", least_agreeing, least_agreeing.agree.share),
        **_named("highest", most_agreeing, most_agreeing.agree.share),
        points=percent(most_agreeing.agree.share) - percent(least_agreeing.agree.share),
        gap_threshold=percent(thresholds.divergence_gap),
    )
    return _Reading("mixed", reason, notes)


def _named(role: str, group: GroupEvidence, share: float) -> dict:
    return {role: group.group, f"{role}_share": percent(share), f"{role}_n": group.n}
