"""What can be wrong with a bias test's input, said so that the committee can fix it.

Each problem is a code, a French sentence marked with ``N_`` for the app's translation catalogue
(as in ``ethics_register.gate``) and its figures: the column, the lines, the values found. The
problems of one file are all raised together in one :class:`InvalidPredictions`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def N_(text: str) -> str:
    """Mark ``text`` for the app's translation catalogue; return it unchanged."""
    return text


MESSAGES = {
    "no_rows": N_("Le fichier ne contient aucune ligne de prédictions."),
    "missing_columns": N_(
        "Colonnes introuvables : %(missing)s. Colonnes du fichier : %(present)s."),
    "column_twice": N_(
        "La colonne « %(column)s » est donnée pour deux rôles (étiquette, prédiction, score ou "
        "attribut sensible)."),
    "prediction_or_score": N_(
        "Donnez soit une colonne de prédictions, soit une colonne de scores avec un seuil."),
    "no_sensitive": N_("Donnez au moins un attribut sensible."),
    "lengths": N_(
        "Les tableaux n'ont pas la même longueur : %(lengths)s."),
    "missing_values": N_(
        "Colonne « %(column)s » : %(count)s cellules vides ou NaN, lignes %(lines)s."),
    "non_binary": N_(
        "Colonne « %(column)s » : %(count)s valeurs ni positives (1, true, yes, oui, vrai ou la "
        "valeur positive donnée) ni négatives (0, false, no, non, faux) : %(values)s, "
        "lignes %(lines)s."),
    "one_class": N_(
        "Colonne « %(column)s » : toutes les étiquettes valent %(value)s ; il faut des cas "
        "positifs et négatifs pour mesurer des erreurs."),
    "bad_scores": N_(
        "Colonne « %(column)s » : %(count)s scores qui ne sont pas des nombres finis : "
        "%(values)s, lignes %(lines)s."),
    "bad_threshold": N_("Le seuil « %(threshold)s » n'est pas un nombre fini."),
    "threshold_probability": N_(
        "Le seuil %(threshold)s est hors de [0, 1] alors que les scores de la colonne "
        "« %(column)s » sont tous entre 0 et 1."),
    "threshold_range": N_(
        "Le seuil %(threshold)s est hors de l'étendue des scores de la colonne « %(column)s » "
        "(%(low)s à %(high)s) : tout le monde aurait la même prédiction."),
    "too_many_groups": N_(
        "La colonne « %(column)s » a %(count)s valeurs distinctes ; un attribut sensible en a "
        "au plus %(max)s. Est-ce un identifiant, une date ou un texte libre ?"),
    "one_group": N_(
        "La colonne « %(column)s » n'a qu'une valeur, « %(value)s » : il faut au moins deux "
        "groupes à comparer."),
    "too_many_intersections": N_(
        "Les attributs %(columns)s se croisent en %(count)s groupes ; au plus %(max)s."),
    "reference_absent": N_(
        "Le groupe de référence « %(reference)s » n'existe pas dans %(column)s. Groupes "
        "présents : %(groups)s."),
    "reference_unknown_column": N_(
        "Référence « %(reference)s » : « %(column)s » n'est pas un attribut sensible du test "
        "(%(columns)s)."),
    "bad_min_count": N_(
        "L'effectif minimal doit être un entier au moins égal à 1 (reçu : %(value)s)."),
    "bad_n_boot": N_(
        "Le nombre de tirages du bootstrap doit être un entier entre 0 et %(max)s (reçu : "
        "%(value)s)."),
    "bad_confidence": N_(
        "Le niveau de confiance doit être strictement entre 0 et 1 (reçu : %(value)s)."),
    "bad_thresholds": N_(
        "Seuils d'écart invalides : il faut 0 < rapport minimal ≤ 1 ≤ rapport maximal et "
        "0 ≤ écart maximal ≤ 1 (reçu : %(ratio_min)s, %(ratio_max)s, %(max_difference)s)."),
}


@dataclass(frozen=True)
class InputProblem:
    """Something the committee must fix in its file or its options: a code, a French sentence
    marked for the app's catalogue, and its figures (column names, lines)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message


class InvalidPredictions(ValueError):
    """Predictions or options that cannot be tested as they are, with every problem found."""

    def __init__(self, problems: Sequence[InputProblem] | InputProblem):
        if isinstance(problems, InputProblem):
            problems = [problems]
        self.problems = tuple(problems)
        super().__init__(" ".join(p.text for p in self.problems))
