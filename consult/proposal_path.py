"""The path of an AI-project proposal, as pure rules: which step follows which, who takes it,
and what must be true first. No Flask, no database: the service gathers the facts.

    submitted → in_consultation → in_review → board_decision → approved → deployed
                                                            ↘ rejected
                                                            ↘ needs_changes → submitted

- *in consultation*: the facilitation team puts it to the members (a linked consultation);
- *in review*: the ethics committee creates or links its register entry;
- *board decision*: the board opens a motion on it, once the committee's opinion is signed;
- *approved*, *rejected*: the motion's outcome, never a hand-made change;
- *needs changes*: the board sends it back with a reason; the author's revision resubmits it;
- *deployed*: only when its register entry passes the deployment gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .access import BOARD, COMMITTEE, FACILITATION, holds
from .rules import N_, Problem

STEPS = ("submitted", "in_consultation", "in_review", "board_decision", "approved",
         "rejected", "needs_changes", "deployed")
LABELS = {
    "submitted": N_("soumise"),
    "in_consultation": N_("en consultation"),
    "in_review": N_("en examen éthique"),
    "board_decision": N_("en décision du conseil"),
    "approved": N_("approuvée"),
    "rejected": N_("rejetée"),
    "needs_changes": N_("à retravailler"),
    "deployed": N_("déployée"),
}
# target → (the steps it may follow, who takes it: a role set, or None for the system only)
TRANSITIONS: dict[str, tuple[tuple[str, ...], frozenset[str] | None]] = {
    "in_consultation": (("submitted",), FACILITATION | BOARD),
    "in_review": (("submitted", "in_consultation", "needs_changes"), COMMITTEE),
    "board_decision": (("in_review",), BOARD),
    "approved": (("board_decision",), None),  # the motion's outcome
    "rejected": (("board_decision",), None),
    "needs_changes": (("board_decision",), BOARD),
    "submitted": (("needs_changes",), None),  # the author's revision
    "deployed": (("approved",), None),  # the register's gate
}

UNKNOWN = N_("Étape inconnue : %(step)s.")
NOT_NEXT = N_("Une proposition « %(current)s » ne peut pas passer à « %(target)s ».")
NOT_YOURS = N_("Cette étape revient à : %(who)s.")
SYSTEM_ONLY = N_("Cette étape ne se décide pas à la main : %(how)s.")
NO_CONSULTATION = N_("Liez d'abord une consultation à la proposition.")
NO_ENTRY = N_("Créez ou liez d'abord l'entrée du registre de l'IA de ce projet.")
NO_OPINION = N_("Le comité d'éthique n'a pas encore signé d'avis sur l'entrée du registre "
                "de ce projet.")
REASON_NEEDED = N_("Donnez la raison de ce renvoi.")

WHO = {FACILITATION | BOARD: N_("l'équipe d'animation ou le conseil"),
       COMMITTEE: N_("le comité d'éthique"), BOARD: N_("le conseil")}
HOW = {
    "approved": N_("elle suit le résultat du vote du conseil ou de l'assemblée"),
    "rejected": N_("elle suit le résultat du vote du conseil ou de l'assemblée"),
    "submitted": N_("l'auteur ou l'autrice revoit sa proposition"),
    "deployed": N_("le registre de l'IA déploie le modèle par sa porte de déploiement"),
}


@dataclass(frozen=True)
class Facts:
    """What the service knows of the proposal when a step is asked for."""

    consultation: bool = False
    entry: bool = False
    signed_opinion: bool = False
    reason: str = ""


def step_refusal(current: str, target: str, actor, facts: Facts, *,
                 system: bool = False) -> Problem | None:
    """Why ``actor`` cannot move a proposal from ``current`` to ``target`` (None: they can).
    ``system`` is the app itself applying a motion's outcome, a revision or the gate."""
    for step in (current, target):
        if step not in STEPS:
            return Problem(UNKNOWN, {"step": step})
    if target not in TRANSITIONS or current not in TRANSITIONS[target][0]:
        return Problem(NOT_NEXT, {"current": LABELS[current], "target": LABELS[target]})
    roles = TRANSITIONS[target][1]
    if roles is None and not system:
        return Problem(SYSTEM_ONLY, {"how": HOW[target]})
    if roles is not None and not system and not holds(actor, roles):
        return Problem(NOT_YOURS, {"who": WHO[roles]})
    if target == "in_consultation" and not facts.consultation:
        return Problem(NO_CONSULTATION)
    if target == "in_review" and not facts.entry:
        return Problem(NO_ENTRY)
    if target == "board_decision" and not facts.signed_opinion:
        return Problem(NO_OPINION)
    if target == "needs_changes" and not facts.reason.strip():
        return Problem(REASON_NEEDED)
    return None


def next_steps(current: str, actor) -> tuple[str, ...]:
    """The steps ``actor`` may ask for from ``current`` (the facts aside)."""
    return tuple(target for target, (sources, roles) in TRANSITIONS.items()
                 if current in sources and roles is not None and holds(actor, roles))
