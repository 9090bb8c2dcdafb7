"""Pure domain rules: plain values in, plain values out. No Flask, no Session.

Messages are French source strings marked with `N_` so that Babel extracts
them; the views translate them with `gettext(message, **params)`.
"""

from dataclasses import dataclass, field
from typing import Any

PASSWORD_MIN_LENGTH = 12
COLLEGE_WEIGHT_MIN = 10  # percent, SCIC statutory bounds
COLLEGE_WEIGHT_MAX = 50
ROLES = ("member", "facilitator", "ethics", "board", "admin")


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


@dataclass(frozen=True)
class Problem:
    """Something a person must fix, as a translatable message and its values."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)


def password_problems(password: str, email: str | None = None) -> list[Problem]:
    """Why this password cannot be accepted (an empty list: it can)."""
    problems = []
    if len(password) < PASSWORD_MIN_LENGTH:
        problems.append(
            Problem(
                N_("Le mot de passe doit contenir au moins %(min)s caractères."),
                {"min": PASSWORD_MIN_LENGTH},
            )
        )
    elif len(set(password)) < 4:
        problems.append(Problem(N_("Le mot de passe est trop répétitif.")))
    if email and password.strip().lower() == email.strip().lower():
        problems.append(Problem(N_("Le mot de passe ne peut pas être votre adresse e-mail.")))
    return problems


def college_weight_warnings(weights: dict[str, int]) -> list[Problem]:
    """Warnings about college vote weights (in percent): sum and statutory bounds."""
    if not weights:
        return []
    warnings = []
    total = sum(weights.values())
    if total != 100:
        warnings.append(
            Problem(
                N_("Les poids de vote des collèges totalisent %(total)s %% au lieu de 100 %%."),
                {"total": total},
            )
        )
    for name, weight in sorted(weights.items()):
        if not COLLEGE_WEIGHT_MIN <= weight <= COLLEGE_WEIGHT_MAX:
            warnings.append(
                Problem(
                    N_(
                        "Le collège « %(name)s » pèse %(weight)s %% : les statuts d'une SCIC "
                        "demandent entre %(min)s et %(max)s %%."
                    ),
                    {
                        "name": name,
                        "weight": weight,
                        "min": COLLEGE_WEIGHT_MIN,
                        "max": COLLEGE_WEIGHT_MAX,
                    },
                )
            )
    return warnings


def normalise_roles(roles: list[str] | tuple[str, ...] | set[str]) -> tuple[str, ...]:
    """Known roles in canonical order; every member holds `member`."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    return tuple(role for role in ROLES if role in set(roles) | {"member"})


def normalise_email(email: str) -> str:
    return email.strip().lower()
