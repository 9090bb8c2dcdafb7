"""The committee's review of an entry's version: the EU's ALTAI self-assessment, then an opinion.

ALTAI (the Assessment List for Trustworthy AI, the High-Level Expert Group on AI, 2020) asks
about seven requirements. Each is answered — met, partly met, not met, not applicable — with
notes saying why; then the committee gives its opinion (favourable, favourable with conditions,
unfavourable), its conditions, and any dissenting view. A review counts for the deployment gate
once at least one committee member present has signed it. Pure: values in, problems out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def N_(text: str) -> str:
    """Mark ``text`` for the app's translation catalogue; return it unchanged."""
    return text


REQUIREMENTS = (
    ("human_agency", N_("Action humaine et contrôle humain")),
    ("robustness", N_("Robustesse technique et sécurité")),
    ("privacy", N_("Respect de la vie privée et gouvernance des données")),
    ("transparency", N_("Transparence")),
    ("fairness", N_("Diversité, non-discrimination et équité")),
    ("wellbeing", N_("Bien-être sociétal et environnemental")),
    ("accountability", N_("Responsabilité")),
)
ANSWERS = ("met", "partly", "not_met", "not_applicable")
OPINIONS = ("favourable", "favourable_with_conditions", "unfavourable")
NOTES_LIMIT = 4000

LABELS = {
    "met": N_("satisfaite"),
    "partly": N_("en partie"),
    "not_met": N_("non satisfaite"),
    "not_applicable": N_("sans objet"),
    "favourable": N_("favorable"),
    "favourable_with_conditions": N_("favorable sous conditions"),
    "unfavourable": N_("défavorable"),
}

MESSAGES = {
    "answer": N_("Répondez pour « %(requirement)s »."),
    "notes": N_("Expliquez votre réponse pour « %(requirement)s »."),
    "too_long": N_("Les notes de « %(requirement)s » dépassent %(max)s caractères."),
    "opinion": N_("Choisissez l'avis du comité."),
    "conditions": N_("Un avis favorable sous conditions dit quelles conditions."),
    "not_met_favourable": N_(
        "Un avis favorable sans condition est impossible quand une exigence n'est pas "
        "satisfaite (%(requirement)s)."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    params: dict[str, Any]

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


def problems(answers: dict[str, str], notes: dict[str, str], opinion: str,
             conditions: str) -> list[Problem]:
    """Every reason this review cannot be recorded (empty: it can)."""
    found = []
    for name, label in REQUIREMENTS:
        answer, note = answers.get(name, ""), (notes.get(name) or "").strip()
        params = {"requirement": label}
        if answer not in ANSWERS:
            found.append(Problem("answer", f"answer_{name}", params))
        if not note and answer != "not_applicable":
            found.append(Problem("notes", f"notes_{name}", params))
        if len(note) > NOTES_LIMIT:
            found.append(Problem("too_long", f"notes_{name}", {**params, "max": NOTES_LIMIT}))
    if opinion not in OPINIONS:
        found.append(Problem("opinion", "opinion", {}))
    if opinion == "favourable_with_conditions" and not conditions.strip():
        found.append(Problem("conditions", "conditions", {}))
    if opinion == "favourable":
        unmet = [label for name, label in REQUIREMENTS if answers.get(name) == "not_met"]
        if unmet:
            found.append(Problem("not_met_favourable", "opinion", {"requirement": unmet[0]}))
    return found
