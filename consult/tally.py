"""The tally of a motion: who voted, each college's share of *pour*, quorum, majority, outcome.

Pure: plain values in, plain values out; no Flask, no database, no models. The service reads a
motion's rules and its counting ballots (the latest per voter), calls :func:`tally` and stores
``Tally.to_json()`` as the motion's result.

How votes are counted (docs/board.md says the same for the cooperative's members):

- **Choices.** ``pour``, ``contre`` or ``abstention``. *Expressed* votes are ``pour`` and
  ``contre``; an abstention counts as a vote for the quorum and is left out of every share.
- **Proxies.** A ballot cast by proxy (``by_proxy``) counts exactly as the represented
  member's own ballot, in the represented member's college; the tally also counts them.
- **Quorum.** Met when ``voted >= quorum × eligible`` (the body as a whole), and for each
  college with eligible members when ``voted_c >= college_quorum × eligible_c``. Reaching the
  share exactly is enough. Both apply whatever the method.
- **One member, one vote.** The share of *pour* is ``pour / (pour + contre)`` over all voters;
  colleges, their weights and ``empty_college`` play no part (only the college quorum, if set).
- **Weighted by college.** Each college's share ``pour_c / (pour_c + contre_c)`` is weighted
  by its weight: ``share = Σ weight_c × share_c / Σ weight_c`` over the colleges that have
  expressed votes. Weights are normalised, so they need not sum to 100 here (rules_problems
  says when they should); a college's *effective weight* is its percent of that sum.
  A college where nobody expressed a vote (nobody voted, or everybody abstained): with
  ``empty_college="redistribute"`` its weight goes to the others in proportion to theirs (it is
  left out of both sums); with ``"fail"`` the motion fails (``failed_empty_college``).
  A college with no eligible member is left out in both cases and never makes a motion fail.
- **Majorities.** ``simple``: adopted when the share is strictly above 1/2 — a tie is rejected;
  ``two_thirds``: adopted when the share is at least 2/3. With no expressed vote at all (no
  share), the motion is rejected.
- **Consent.** Adopted unless there is an objection; an objection is a ``contre`` with a reason
  (not blank). A ``contre`` without a reason is counted as *contre* but does not block the
  motion, as the issue says ("adopted unless a reasoned objection"); the reasons say how many
  there were. Shares are shown but decide nothing, and ``empty_college`` does not apply.
- **Order of the verdicts.** A missing quorum (overall or in any college) gives ``no_quorum``;
  then an empty college under ``"fail"`` gives ``failed_empty_college``; then the majority (or
  the consent) gives ``adopted`` or ``rejected``.

Arithmetic is exact (``fractions.Fraction``; a float setting is read as the decimal it prints
as, so 0.3 is 3/10): 2/3 and ties are decided exactly. Floats are for display only.

The caller passes the counting ballots only. Two ballots of the same voter are refused
(``ValueError``) rather than one of them silently ignored, and so are a ballot from a college
that is not in ``eligible``, more voters than eligible members in a college, an unknown
choice, and rules :func:`rules_problems` would refuse other than for their weights' sum or
statutory range (an unknown method, a quorum outside 0–1, a missing or negative weight).
"""

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from .rules import COLLEGE_WEIGHT_MAX, COLLEGE_WEIGHT_MIN, N_, Problem

METHODS = ("college_weighted", "one_member_one_vote")
MAJORITIES = ("simple", "two_thirds", "consent")
CHOICES = ("pour", "contre", "abstention")
EMPTY_COLLEGE = ("redistribute", "fail")
OUTCOMES = ("adopted", "rejected", "no_quorum", "failed_empty_college")
WEIGHT_TOLERANCE = 0.01  # percent: weights summing to 99.995 or 100.01 are fine

HALF = Fraction(1, 2)
TWO_THIRDS = Fraction(2, 3)

Eligible = dict[str, int]  # college → eligible voters (a proxy counts as the member it represents)


@dataclass(frozen=True)
class Ballot:
    """One counting ballot. ``voter`` is an opaque id (a member's ref, a secret ballot's key)."""

    voter: str
    college: str
    choice: str  # pour, contre, abstention
    reason: str = ""
    by_proxy: bool = False


@dataclass(frozen=True)
class Rules:
    """How a motion is decided. ``quorum`` and ``college_quorum`` are shares (0–1) of the
    eligible voters; ``weights`` are percent per college (college-weighted method only)."""

    method: str
    majority: str
    quorum: float = 0.0
    college_quorum: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)
    empty_college: str = "redistribute"


@dataclass(frozen=True)
class CollegeResult:
    """One college's count. ``share`` is pour / expressed (None without an expressed vote);
    ``weight`` is the weight as given (percent, None if none), ``effective_weight`` the percent
    the college counted for in the weighted share (0 when left out; None in one member one
    vote, where colleges carry no weight)."""

    college: str
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    share: Fraction | None
    weight: float | None
    effective_weight: Fraction | None
    quorum_met: bool

    @property
    def expressed(self) -> int:
        return self.pour + self.contre

    @property
    def turnout(self) -> float | None:
        return self.voted / self.eligible if self.eligible else None


@dataclass(frozen=True)
class Objection:
    """A reasoned ``contre`` under consent. Who objected is not kept here (secret ballots);
    an open ballot's page reads it from the ballots."""

    college: str
    reason: str


@dataclass(frozen=True)
class Tally:
    """A motion's result. ``share`` is the (weighted) share of *pour*, exact, 0–1; ``reasons``
    say in French why the outcome is what it is, in a fixed order."""

    rules: Rules
    colleges: tuple[CollegeResult, ...]  # sorted by name
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    share: Fraction | None
    quorum_met: bool  # overall
    college_quorum_met: bool  # in every college with eligible members
    objections: tuple[Objection, ...]  # consent only; sorted
    outcome: str
    reasons: tuple[Problem, ...]

    @property
    def expressed(self) -> int:
        return self.pour + self.contre

    @property
    def turnout(self) -> float | None:
        return self.voted / self.eligible if self.eligible else None

    @property
    def adopted(self) -> bool:
        return self.outcome == "adopted"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values: floats for display, exact shares as "p/q" strings beside them."""
        return {
            "rules": asdict(self.rules),
            "outcome": self.outcome,
            "eligible": self.eligible,
            "voted": self.voted,
            "turnout": self.turnout,
            "pour": self.pour,
            "contre": self.contre,
            "abstention": self.abstention,
            "expressed": self.expressed,
            "by_proxy": self.by_proxy,
            "share": _float(self.share),
            "share_exact": _exact_text(self.share),
            "quorum_met": self.quorum_met,
            "college_quorum_met": self.college_quorum_met,
            "colleges": [_college_json(c) for c in self.colleges],
            "objections": [asdict(o) for o in self.objections],
            "reasons": [{"message": r.message, "params": dict(r.params)} for r in self.reasons],
        }


def _college_json(result: CollegeResult) -> dict[str, Any]:
    return asdict(result) | {
        "turnout": result.turnout,
        "expressed": result.expressed,
        "share": _float(result.share),
        "share_exact": _exact_text(result.share),
        "effective_weight": _float(result.effective_weight),
    }


# --- The rules' problems ----------------------------------------------------------------

def rules_problems(rules: Rules, colleges: Iterable[str]) -> list[Problem]:
    """What is wrong with a motion's rules for a body made of ``colleges``, every problem at
    once: an unknown method, majority or empty-college setting, a quorum outside 0–1, and for a
    college-weighted vote, weights missing, unknown, not a number, negative, not summing to 100
    (± 0.01) or outside the statutes' 10–50 %."""
    colleges = sorted(set(colleges))
    problems = []
    if rules.method not in METHODS:
        problems.append(Problem(N_("Méthode de vote inconnue : %(method)s."),
                                {"method": rules.method}))
    if rules.majority not in MAJORITIES:
        problems.append(Problem(N_("Majorité inconnue : %(majority)s."),
                                {"majority": rules.majority}))
    if rules.empty_college not in EMPTY_COLLEGE:
        problems.append(Problem(
            N_("Règle inconnue pour un collège sans suffrage exprimé : %(value)s."),
            {"value": rules.empty_college}))
    for value, message in (
        (rules.quorum, N_("Le quorum doit être compris entre 0 et 100 %% (%(value)s %% donné).")),
        (rules.college_quorum,
         N_("Le quorum par collège doit être compris entre 0 et 100 %% (%(value)s %% donné).")),
    ):
        if not _is_number(value) or not 0 <= value <= 1:
            problems.append(Problem(message, {"value": _percent_of_share(value)}))
    if rules.method == "college_weighted":
        problems += _weight_problems(rules.weights, colleges)
    return problems


def _weight_problems(weights: dict[str, float], colleges: list[str]) -> list[Problem]:
    if not colleges:
        return [Problem(N_("Un vote pondéré par collège demande au moins un collège."))]
    problems = []
    for name in colleges:
        if name not in weights:
            problems.append(Problem(N_("Le collège « %(name)s » n'a pas de poids de vote."),
                                    {"name": name}))
    for name in sorted(set(weights) - set(colleges)):
        problems.append(Problem(
            N_("Un poids est donné au collège « %(name)s », qui ne vote pas sur cette motion."),
            {"name": name}))
    valid = True
    for name in colleges:
        weight = weights.get(name)
        if weight is None:
            continue
        if not _is_number(weight):
            valid = False
            problems.append(Problem(
                N_("Le poids du collège « %(name)s » n'est pas un nombre."), {"name": name}))
        elif weight < 0:
            valid = False
            problems.append(Problem(
                N_("Le poids du collège « %(name)s » est négatif (%(weight)s %%)."),
                {"name": name, "weight": _shown(weight)}))
        elif not COLLEGE_WEIGHT_MIN <= weight <= COLLEGE_WEIGHT_MAX:
            # The same words as consult.rules.college_weight_warnings, for whole percents only.
            problems.append(Problem(
                N_(
                    "Le collège « %(name)s » pèse %(weight)s %% : les statuts d'une SCIC "
                    "demandent entre %(min)s et %(max)s %%."
                ),
                {"name": name, "weight": _shown(weight), "min": COLLEGE_WEIGHT_MIN,
                 "max": COLLEGE_WEIGHT_MAX}))
    if valid:
        total = sum(_exact(weights[name]) for name in colleges if name in weights)
        if abs(total - 100) > _exact(WEIGHT_TOLERANCE):
            problems.insert(0, Problem(
                N_("Les poids de vote des collèges totalisent %(total)s %% au lieu de 100 %%."),
                {"total": _shown(float(total))}))
    return problems


# --- The tally --------------------------------------------------------------------------

def tally(rules: Rules, eligible: Eligible, ballots: Iterable[Ballot]) -> Tally:
    """Count ``ballots`` (the latest per voter) for a body of ``eligible`` voters per college
    under ``rules``, as the module's docstring says. Raises ``ValueError`` on a duplicate voter,
    an unknown college or choice, more voters than members in a college, or rules that cannot
    be applied (see the module's docstring)."""
    ballots = list(ballots)
    _check(rules, eligible, ballots)
    weighted = rules.method == "college_weighted"
    counts = {name: dict.fromkeys(CHOICES, 0) | {"by_proxy": 0} for name in eligible}
    objections = []
    for ballot in ballots:
        count = counts[ballot.college]
        count[ballot.choice] += 1
        count["by_proxy"] += ballot.by_proxy
        if ballot.choice == "contre" and ballot.reason.strip():
            objections.append(Objection(ballot.college, ballot.reason.strip()))

    # The colleges that count in the weighted share: members, expressed votes.
    counted = {name for name, c in counts.items()
               if eligible[name] > 0 and c["pour"] + c["contre"] > 0}
    weights = {name: _exact(rules.weights[name]) if weighted else Fraction(0)
               for name in eligible if eligible[name] > 0}
    counted_weight = sum(weights[name] for name in counted)

    college_quorum = _exact(rules.college_quorum)
    results = []
    for name in sorted(eligible):
        c = counts[name]
        voted = c["pour"] + c["contre"] + c["abstention"]
        expressed = c["pour"] + c["contre"]
        effective = None
        if weighted:
            effective = (100 * weights[name] / counted_weight
                         if name in counted and counted_weight else Fraction(0))
        results.append(CollegeResult(
            college=name, eligible=eligible[name], voted=voted, pour=c["pour"],
            contre=c["contre"], abstention=c["abstention"], by_proxy=c["by_proxy"],
            share=Fraction(c["pour"], expressed) if expressed else None,
            weight=rules.weights.get(name), effective_weight=effective,
            quorum_met=voted >= college_quorum * eligible[name]))

    total = {key: sum(c[key] for c in counts.values()) for key in (*CHOICES, "by_proxy")}
    voted = total["pour"] + total["contre"] + total["abstention"]
    members = sum(eligible.values())
    if weighted:
        share = (sum(weights[r.college] * r.share for r in results if r.college in counted)
                 / counted_weight if counted_weight else None)
    else:
        expressed = total["pour"] + total["contre"]
        share = Fraction(total["pour"], expressed) if expressed else None

    quorum_met = voted >= _exact(rules.quorum) * members
    college_quorum_met = all(r.quorum_met for r in results if r.eligible > 0)
    objections = tuple(sorted(objections, key=lambda o: (o.college, o.reason)))
    if rules.majority != "consent":
        objections = ()
    outcome, reasons = _verdict(rules, results, members, voted, quorum_met, share, objections,
                                unreasoned=sum(1 for b in ballots if b.choice == "contre"
                                               and not b.reason.strip()))
    return Tally(rules=rules, colleges=tuple(results), eligible=members, voted=voted,
                 pour=total["pour"], contre=total["contre"], abstention=total["abstention"],
                 by_proxy=total["by_proxy"], share=share, quorum_met=quorum_met,
                 college_quorum_met=college_quorum_met, objections=objections,
                 outcome=outcome, reasons=tuple(reasons))


def _verdict(rules: Rules, results: list[CollegeResult], members: int, voted: int,
             quorum_met: bool, share: Fraction | None, objections: tuple[Objection, ...],
             unreasoned: int) -> tuple[str, list[Problem]]:
    """The outcome and its reasons, in the order the module's docstring gives."""
    missing = []
    if not quorum_met:
        missing.append(Problem(
            N_("Quorum non atteint : participation de %(voted)s sur %(eligible)s, "
               "%(required)s %% requis."),
            {"voted": voted, "eligible": members, "required": _percent_of_share(rules.quorum)}))
    for r in results:
        if r.eligible > 0 and not r.quorum_met:
            missing.append(Problem(
                N_("Quorum non atteint dans le collège « %(college)s » : participation de "
                   "%(voted)s sur %(eligible)s, %(required)s %% requis."),
                {"college": r.college, "voted": r.voted, "eligible": r.eligible,
                 "required": _percent_of_share(rules.college_quorum)}))
    if missing:
        return "no_quorum", missing

    reasons = []
    if rules.quorum > 0:
        reasons.append(Problem(
            N_("Quorum atteint : participation de %(voted)s sur %(eligible)s, "
               "%(required)s %% requis."),
            {"voted": voted, "eligible": members, "required": _percent_of_share(rules.quorum)}))
    if rules.college_quorum > 0:
        reasons.append(Problem(N_("Quorum atteint dans chaque collège (%(required)s %% requis)."),
                               {"required": _percent_of_share(rules.college_quorum)}))

    if rules.majority == "consent":
        if unreasoned:
            reasons.append(Problem(
                N_("Votes contre sans motif, qui ne sont pas des objections : %(count)s."),
                {"count": unreasoned}))
        if objections:
            return "rejected", [*reasons, Problem(
                N_("Objections motivées : %(count)s ; le consentement n'est pas obtenu."),
                {"count": len(objections)})]
        return "adopted", [*reasons, Problem(
            N_("Aucune objection motivée : la motion est adoptée par consentement."))]

    empty = [r.college for r in results if r.eligible > 0 and r.expressed == 0]
    if rules.method == "college_weighted" and empty:
        if rules.empty_college == "fail":
            return "failed_empty_college", [Problem(
                N_("Aucun suffrage exprimé dans le collège « %(college)s » : les statuts font "
                   "alors échouer la motion."), {"college": name}) for name in empty]
        if share is not None:
            reasons += [Problem(
                N_("Aucun suffrage exprimé dans le collège « %(college)s » : son poids est réparti "
                   "entre les autres collèges."), {"college": name}) for name in empty]

    if share is None:
        return "rejected", [*reasons, Problem(
            N_("Aucun suffrage exprimé : la motion est rejetée."))]
    shown = {"share": _percent_of_share(share)}
    if rules.majority == "simple":
        if share > HALF:
            return "adopted", [*reasons, Problem(
                N_("Majorité simple atteinte : %(share)s %% de pour, plus de 50 %% requis."),
                shown)]
        if share == HALF:
            return "rejected", [*reasons, Problem(
                N_("Égalité : 50 %% de pour ; la majorité simple demande plus de 50 %%, la "
                   "motion est rejetée."))]
        return "rejected", [*reasons, Problem(
            N_("Majorité simple non atteinte : %(share)s %% de pour, plus de 50 %% requis."),
            shown)]
    if share >= TWO_THIRDS:
        return "adopted", [*reasons, Problem(
            N_("Majorité des deux tiers atteinte : %(share)s %% de pour, deux tiers requis."),
            shown)]
    return "rejected", [*reasons, Problem(
        N_("Majorité des deux tiers non atteinte : %(share)s %% de pour, deux tiers requis."),
        shown)]


def _check(rules: Rules, eligible: Eligible, ballots: list[Ballot]) -> None:
    """Refuse what cannot be counted (a programming error, not a person's)."""
    if rules.method not in METHODS or rules.majority not in MAJORITIES:
        raise ValueError(f"unknown method or majority: {rules.method!r}, {rules.majority!r}")
    if rules.empty_college not in EMPTY_COLLEGE:
        raise ValueError(f"unknown empty_college: {rules.empty_college!r}")
    for quorum in (rules.quorum, rules.college_quorum):
        if not _is_number(quorum) or not 0 <= quorum <= 1:
            raise ValueError(f"quorum outside 0–1: {quorum!r}")
    for name, count in eligible.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"eligible voters of {name!r}: {count!r}")
        if rules.method == "college_weighted" and count > 0:
            weight = rules.weights.get(name)
            if weight is None or not _is_number(weight) or weight < 0:
                raise ValueError(f"weight of {name!r}: {weight!r}")
    seen: set[str] = set()
    voted = dict.fromkeys(eligible, 0)
    for ballot in ballots:
        if ballot.voter in seen:
            raise ValueError(f"two ballots for voter {ballot.voter!r}: pass the latest only")
        seen.add(ballot.voter)
        if ballot.choice not in CHOICES:
            raise ValueError(f"unknown choice: {ballot.choice!r}")
        if ballot.college not in eligible:
            raise ValueError(f"ballot from a college with no eligible voters: {ballot.college!r}")
        voted[ballot.college] += 1
    for name, count in voted.items():
        if count > eligible[name]:
            raise ValueError(f"{count} ballots in {name!r} for {eligible[name]} eligible voters")


# --- Numbers ----------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return (isinstance(value, int | float | Fraction) and not isinstance(value, bool)
            and math.isfinite(value))


def _exact(value: float | int | Fraction) -> Fraction:
    """A setting as the decimal it prints as: 0.1 is 1/10, not 0.1000000000000000055…"""
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _shown(value: float | int) -> float | int:
    """A number for a message: whole numbers without their ".0", the rest to 2 decimals."""
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


def _percent_of_share(value: Any) -> Any:
    return _shown(float(value) * 100) if _is_number(value) else value


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _exact_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"
