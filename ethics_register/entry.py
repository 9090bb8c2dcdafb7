"""What a register entry says: its fields, grouped as public registers and model cards group them,
their validation, and the readable difference between two versions.

The groups follow the Amsterdam and Helsinki algorithm registers and the Dutch Algoritmeregister
(identity, purpose, risk, data, human oversight) with the model card's performance and the
environmental footprint added. An entry's version is one plain document (a dict of these
fields), so the form, the entry page, the public page, the model card and the diff between
versions all read the same catalogue. Pure: values in, problems and differences out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any


def N_(text: str) -> str:
    """Mark ``text`` for the app's translation catalogue; return it unchanged."""
    return text


KINDS = ("rules", "machine_learning", "generative")
AI_ACT_TIERS = ("prohibited", "high", "limited", "minimal")
PERSONAL_DATA = ("identified", "pseudonymised", "none")
DESCRIPTION_LIMIT = 350


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # French, marked for translation
    kind: str = "text"  # text (one line), long (paragraphs), choice, url, number
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    public: bool = True  # shown on the public register page


@dataclass(frozen=True)
class Group:
    name: str
    label: str
    fields: tuple[Field, ...]


GROUPS = (
    Group("identity", N_("Identité"), (
        Field("name", N_("Nom"), required=True, max_length=120),
        Field("description", N_("Description en langage clair"), "long", required=True,
              max_length=DESCRIPTION_LIMIT),
        Field("model_version", N_("Version du modèle ou du logiciel"), max_length=60),
        Field("kind", N_("Type de système"), "choice", required=True, choices=KINDS),
        Field("supplier", N_("Fournisseur, ou « développé en interne »"), max_length=160),
        Field("licence", N_("Licence"), max_length=80),
        Field("code_url", N_("Lien vers le code"), "url", max_length=300),
    )),
    Group("purpose", N_("Finalité et contexte"), (
        Field("intended_use", N_("Usage prévu"), "long", required=True, max_length=2000),
        Field("output_users", N_("Qui utilise les résultats, et comment"), "long",
              max_length=2000),
        Field("people_affected", N_("Personnes concernées"), "long", max_length=2000),
        Field("uses_to_avoid", N_("Usages à éviter"), "long", max_length=2000),
        Field("legal_basis", N_("Base légale"), "long", max_length=1000),
        Field("alternatives", N_("Alternatives envisagées"), "long", max_length=2000),
    )),
    Group("risk", N_("Risques"), (
        Field("ai_act_tier", N_("Niveau de risque (règlement européen sur l'IA)"), "choice",
              required=True, choices=AI_ACT_TIERS),
        Field("ai_act_reason", N_("Pourquoi ce niveau"), "long", required=True,
              max_length=2000),
        Field("risks", N_("Risques : probabilité, gravité, mesure d'atténuation"), "long",
              max_length=4000),
        Field("impact_assessment", N_("Analyse d'impact (AIPD…) : date et lien"), "long",
              max_length=1000),
    )),
    Group("data", N_("Données"), (
        Field("datasets", N_("Jeux de données"), "long", max_length=2000),
        Field("personal_data", N_("Données personnelles"), "choice", required=True,
              choices=PERSONAL_DATA),
        Field("protected_attributes", N_(
            "Attributs protégés utilisés, chacun avec sa justification"), "long",
            max_length=2000),
    )),
    Group("oversight", N_("Contrôle humain"), (
        Field("output_checks", N_("Qui vérifie les résultats"), "long", required=True,
              max_length=2000),
        Field("contest", N_("Comment une personne conteste une décision"), "long",
              required=True, max_length=2000),
        Field("switch_off", N_("Comment l'arrêter"), "long", required=True, max_length=2000),
    )),
    Group("performance", N_("Performances"), (
        Field("performance", N_("Performances mesurées, et sur quelles données"), "long",
              max_length=4000),
    )),
    Group("footprint", N_("Empreinte environnementale"), (
        Field("energy_kwh", N_("Énergie (kWh par an)"), "number", max_length=20),
        Field("co2e_kg", N_("Émissions (kg CO₂e par an)"), "number", max_length=20),
        Field("footprint_method", N_("Comment elles ont été mesurées ou estimées"), "long",
              max_length=2000),
    )),
    Group("contacts", N_("Responsable et contacts"), (
        Field("owner", N_("Responsable"), required=True, max_length=160),
        Field("contacts", N_("Contacts"), "long", max_length=1000, public=False),
    )),
)
FIELDS = {field.name: field for group in GROUPS for field in group.fields}

CHOICE_LABELS = {
    "rules": N_("règles explicites"),
    "machine_learning": N_("apprentissage automatique"),
    "generative": N_("IA générative"),
    "prohibited": N_("interdit"),
    "high": N_("haut risque"),
    "limited": N_("risque limité (transparence)"),
    "minimal": N_("risque minimal"),
    "identified": N_("identifiées"),
    "pseudonymised": N_("pseudonymisées"),
    "none": N_("aucune"),
}

MESSAGES = {
    "required": N_("« %(field)s » est obligatoire."),
    "too_long": N_("« %(field)s » dépasse %(max)s caractères (%(length)s)."),
    "choice": N_("« %(field)s » : valeur inconnue « %(value)s »."),
    "url": N_("« %(field)s » doit être une adresse web en http:// ou https://."),
    "number": N_("« %(field)s » doit être un nombre positif."),
    "unknown": N_("Champ inconnu : %(field)s."),
}


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    params: dict[str, Any]

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


_NUMBER = re.compile(r"^\d+([.,]\d+)?$")


def clean(document: dict[str, Any]) -> dict[str, str]:
    """Every field of the catalogue, as stripped text ('' when absent)."""
    return {name: str(document.get(name) or "").strip() for name in FIELDS}


def problems(document: dict[str, Any]) -> list[Problem]:
    """Every reason this document cannot be an entry's version (empty: it can)."""
    found = [Problem("unknown", name, {"field": name}) for name in document
             if name not in FIELDS]
    values = clean(document)
    for name, field in FIELDS.items():
        value, label = values[name], {"field": field.label}
        if not value:
            if field.required:
                found.append(Problem("required", name, label))
            continue
        if len(value) > field.max_length:
            found.append(Problem("too_long", name, {**label, "max": field.max_length,
                                                     "length": len(value)}))
        if field.kind == "choice" and value not in field.choices:
            found.append(Problem("choice", name, {**label, "value": value}))
        if field.kind == "url" and not value.startswith(("http://", "https://")):
            found.append(Problem("url", name, label))
        if field.kind == "number" and not _NUMBER.match(value):
            found.append(Problem("number", name, label))
    return found


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions, with its words marked."""

    field: str
    before: str
    after: str
    words: tuple[tuple[str, str], ...]  # (kind, text): kind is same, removed or added


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """The two texts cut into words and spaces, marked as kept, removed or added."""
    old, new = re.findall(r"\S+|\s+", before), re.findall(r"\S+|\s+", after)
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(old[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("removed", "".join(old[a1:a2])))
        if b2 > b1:
            pieces.append(("added", "".join(new[b1:b2])))
    return tuple(pieces)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """The fields that differ from one version to the next, in the catalogue's order."""
    old, new = clean(before), clean(after)
    return [Change(name, old[name], new[name], word_diff(old[name], new[name]))
            for name in FIELDS if old[name] != new[name]]
