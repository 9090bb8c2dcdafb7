"""The register's rules: an entry's lifecycle and the deployment gate. Values in, reasons out.

    proposed → in_review → approved → deployed → suspended → retired
                   ↑__________↓ (sent back)      ↑______↓ (redeployed)

A model reaches ``deployed`` only if its current version has a favourable opinion of the
committee and a bias test of that same version, younger than the retest period, whose verdicts
are all ``pass`` — or whose ``fail`` and ``not_enough_data`` verdicts are each covered by a
waiver the committee signed with a reason. Every refusal is a :class:`Refusal`: a code, a French
sentence marked for the app's translation catalogue, and its figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


def N_(text: str) -> str:
    """Mark ``text`` for the app's translation catalogue; return it unchanged."""
    return text


STATUSES = ("proposed", "in_review", "approved", "deployed", "suspended", "retired")
TRANSITIONS = {
    "proposed": ("in_review", "retired"),
    "in_review": ("approved", "proposed", "retired"),
    "approved": ("deployed", "in_review", "retired"),
    "deployed": ("suspended", "retired"),
    "suspended": ("deployed", "retired"),
    "retired": (),
}
FAVOURABLE = ("favourable", "favourable_with_conditions")
RETEST_DAYS = 180

MESSAGES = {
    "unknown_status": N_("État inconnu : %(status)s."),
    "transition": N_("Une entrée « %(current)s » ne peut pas passer à « %(target)s »."),
    "no_opinion": N_(
        "La version %(version)s n'a pas d'avis favorable du comité d'éthique."),
    "no_test": N_("La version %(version)s n'a pas de test de biais."),
    "stale_test": N_(
        "Le dernier test de biais de la version %(version)s date de %(days)s jours : il faut "
        "le refaire au moins tous les %(limit)s jours."),
    "uncovered_verdict": N_(
        "Le test de biais donne « %(verdict)s » pour %(metric)s sans dérogation signée du "
        "comité."),
}


@dataclass(frozen=True)
class Refusal:
    """Why something cannot be done: a code, its French sentence and its figures."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message


@dataclass(frozen=True)
class Opinion:
    version: int
    verdict: str  # favourable, favourable_with_conditions, unfavourable


@dataclass(frozen=True)
class BiasTest:
    version: int
    tested_at: datetime
    verdicts: dict[str, str]  # metric (e.g. "college/FPR/bénévoles") → pass, fail, not_enough_data


@dataclass(frozen=True)
class Waiver:
    """The committee accepts one metric's fail or not-enough-data verdict for one version."""

    version: int
    metric: str
    reason: str
    signed: bool


def transition_refusal(current: str, target: str) -> Refusal | None:
    """Why an entry cannot go from ``current`` to ``target`` (None: it can; the gate aside)."""
    for status in (current, target):
        if status not in STATUSES:
            return Refusal("unknown_status", {"status": status})
    if target not in TRANSITIONS[current]:
        return Refusal("transition", {"current": current, "target": target})
    return None


def deployment_refusals(
    version: int,
    opinions: Iterable[Opinion],
    tests: Iterable[BiasTest],
    waivers: Iterable[Waiver],
    now: datetime,
    retest_days: int = RETEST_DAYS,
) -> list[Refusal]:
    """Every reason the current ``version`` cannot be deployed now (empty: it can)."""
    refusals = []
    mine = [o for o in opinions if o.version == version]
    if not mine or mine[-1].verdict not in FAVOURABLE:  # the latest opinion counts
        refusals.append(Refusal("no_opinion", {"version": version}))
    tested = sorted((t for t in tests if t.version == version), key=lambda t: t.tested_at)
    if not tested:
        refusals.append(Refusal("no_test", {"version": version}))
        return refusals
    latest = tested[-1]
    age = now - latest.tested_at
    if age > timedelta(days=retest_days):
        refusals.append(Refusal("stale_test", {"version": version, "days": age.days,
                                               "limit": retest_days}))
    covered = {w.metric for w in waivers if w.version == version and w.signed and w.reason.strip()}
    for metric, verdict in sorted(latest.verdicts.items()):
        if verdict != "pass" and metric not in covered:
            refusals.append(Refusal("uncovered_verdict", {"metric": metric, "verdict": verdict}))
    return refusals


def stale(tests: Iterable[BiasTest], version: int, now: datetime,
          retest_days: int = RETEST_DAYS) -> bool:
    """Whether the version's latest test is older than the retest period (or missing)."""
    dates = [t.tested_at for t in tests if t.version == version]
    return not dates or now - max(dates) > timedelta(days=retest_days)
