"""Pure domain rules: plain values in, plain values out. No Flask, no Session.

Messages are French source strings marked with `N_` so that Babel extracts
them; the views translate them with `gettext(message, **params)`.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .access import ROLES

PASSWORD_MIN_LENGTH = 12
COLLEGE_WEIGHT_MIN = 10  # percent, SCIC statutory bounds
COLLEGE_WEIGHT_MAX = 50


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


@dataclass(frozen=True)
class Problem:
    """Something a person must fix, as a translatable message and its values."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)  # a value may be a Problem itself

    def text(self) -> str:
        """The message in French, the language it is written in (the CLI, logs); the pages
        translate it instead (consult.views.say)."""
        params = {k: v.text() if isinstance(v, Problem) else v for k, v in self.params.items()}
        return self.message % params if params else self.message


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


# --- Consultations -----------------------------------------------------------------

STATUSES = ("draft", "open", "closed", "analysed", "published")
TRANSITIONS = {
    "draft": ("open",),
    "open": ("closed",),
    "closed": ("open", "analysed"),
    "analysed": ("published",),
    "published": (),
}
# Once analysed, a consultation is a record: its settings and contributions no longer change.
SETTLED = ("analysed", "published")
ANONYMITY_MODES = ("named", "pseudonymous", "anonymous")
STANCE_SCALES: dict[str, tuple[str, ...]] = {
    "none": (),
    "three": ("for", "mixed", "against"),
    "five": ("strongly_agree", "agree", "neutral", "disagree", "strongly_disagree"),
}
# +1 in favour, 0 neither, -1 against: what analysis compares across colleges.
STANCE_DIRECTION = {
    "for": 1,
    "mixed": 0,
    "against": -1,
    "strongly_agree": 1,
    "agree": 1,
    "neutral": 0,
    "disagree": -1,
    "strongly_disagree": -1,
}
TEXT_MAX_LENGTH = 5000  # characters
VOTE_VALUES = {1: "agree", -1: "disagree", 0: "pass"}


@dataclass(frozen=True)
class ConsultationState:
    """What the rules need to know about a consultation (plain values)."""

    status: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def due_to_close(state: ConsultationState, now: datetime) -> bool:
    """An open consultation whose closing date has passed closes by itself."""
    return state.status == "open" and state.closes_at is not None and state.closes_at <= now


def phase(state: ConsultationState, now: datetime) -> str:
    """The status as a member lives it: `scheduled` before the opening date, `closed` after
    the closing date even before the closing is recorded."""
    if due_to_close(state, now):
        return "closed"
    if state.status == "open" and state.opens_at is not None and state.opens_at > now:
        return "scheduled"
    return state.status


def transition_problem(current: str, target: str) -> Problem | None:
    """Why the consultation cannot go from `current` to `target` (None: it can)."""
    if target not in STATUSES:
        return Problem(N_("État inconnu."))
    if target not in TRANSITIONS.get(current, ()):
        return Problem(
            N_("Une consultation « %(current)s » ne peut pas passer à « %(target)s »."),
            {"current": current, "target": target},
        )
    return None


def opening_problems(
    question: str, invited_colleges: int, state: ConsultationState, now: datetime
) -> list[Problem]:
    """What must be fixed before a consultation can open."""
    problems = []
    if not question.strip():
        problems.append(Problem(N_("Écrivez la question posée avant d'ouvrir la consultation.")))
    if invited_colleges == 0:
        problems.append(Problem(N_("Invitez au moins un collège avant d'ouvrir la consultation.")))
    if state.closes_at is not None and state.closes_at <= now:
        problems.append(Problem(N_("La date de clôture est déjà passée.")))
    if state.opens_at and state.closes_at and state.closes_at <= state.opens_at:
        problems.append(Problem(N_("La date de clôture doit suivre la date d'ouverture.")))
    return problems


def anonymity_change_problem(current: str, new: str, status: str) -> Problem | None:
    """Anonymity is chosen before opening; an anonymous consultation stays anonymous."""
    if new == current:
        return None
    if new not in ANONYMITY_MODES:
        return Problem(N_("Mode d'anonymat inconnu."))
    if current == "anonymous":
        return Problem(N_("Une consultation anonyme ne peut jamais être désanonymisée."))
    if status != "draft":
        return Problem(N_("Le mode d'anonymat ne se change qu'avant l'ouverture."))
    return None


def stance_scale_change_problem(current: str, new: str, status: str) -> Problem | None:
    if new == current:
        return None
    if new not in STANCE_SCALES:
        return Problem(N_("Échelle de position inconnue."))
    if status != "draft":
        return Problem(N_("L'échelle de position ne se change qu'avant l'ouverture."))
    return None


def participation_problem(
    state: ConsultationState,
    college_id: int | None,
    invited: set[int] | frozenset[int],
    now: datetime,
) -> Problem | None:
    """Why a member cannot contribute or vote now (None: they can)."""
    current = phase(state, now)
    if current == "scheduled":
        return Problem(
            N_("Cette consultation ouvrira le %(date)s."),
            {"date": state.opens_at},  # a datetime: the page shows it in the local time zone
        )
    if current == "draft":
        return Problem(N_("Cette consultation est en préparation : elle n'est pas encore ouverte."))
    if current != "open":
        return Problem(N_("Cette consultation est close : on ne peut plus y contribuer ni voter."))
    if college_id is None or college_id not in invited:
        return Problem(N_("Votre collège n'est pas invité à cette consultation."))
    return None


# A form's key is another person's (a copied page, or a forged one): refuse it, never store it.
FORM_REUSED = N_("Ce formulaire n'est plus valable : rechargez la page et recommencez.")


# C0 and C1 control characters but tab, line feed and carriage return; DEL. PostgreSQL refuses
# NUL in text, and none of them is something a person meant to write.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def tidy(text: str) -> str:
    """A text as it is kept: control characters removed, surrounding blanks stripped."""
    return _CONTROLS.sub("", text).strip()


def has_words(text: str) -> bool:
    """Whether the text holds something to read: a letter, digit, punctuation or symbol (an
    emoji counts), not only spaces, zero-width or control characters."""
    return any(unicodedata.category(ch)[0] in "LNPS" for ch in text)


def text_problem(text: str) -> Problem | None:
    """Why a verbatim cannot be accepted (None: it can)."""
    if not has_words(text):
        return Problem(N_("Votre contribution est vide : écrivez quelques mots."))
    if len(text) > TEXT_MAX_LENGTH:
        return Problem(
            N_("Votre contribution fait %(length)s caractères ; la limite est %(max)s."),
            {"length": len(text), "max": TEXT_MAX_LENGTH},
        )
    return None


def stance_problem(stance: str | None, scale: str) -> Problem | None:
    if stance in (None, ""):
        return None
    if stance not in STANCE_SCALES.get(scale, ()):
        return Problem(N_("Cette position n'existe pas pour cette consultation."))
    return None


def vote_problem(*, own: bool, hidden: bool, withdrawn: bool, value: int) -> Problem | None:
    """Why this vote on a contribution is refused (None: it is accepted)."""
    if value not in VOTE_VALUES:
        return Problem(N_("Vote inconnu."))
    if own:
        return Problem(N_("Vous ne pouvez pas voter sur votre propre contribution."))
    if hidden:
        return Problem(N_("Cette contribution a été masquée par la modération."))
    if withdrawn:
        return Problem(N_("Cette contribution a été retirée par son auteur."))
    return None


def report_problem(*, own: bool, hidden: bool, withdrawn: bool) -> Problem | None:
    """Why reporting this contribution is refused (None: it is accepted). Reports follow the
    rules of votes: another's contribution, still shown, in an open consultation."""
    if own:
        return Problem(N_("Vous ne pouvez pas signaler votre propre contribution."))
    if hidden:
        return Problem(N_("Cette contribution a été masquée par la modération."))
    if withdrawn:
        return Problem(N_("Cette contribution a été retirée par son auteur."))
    return None


def should_auto_hide(report_count: int, threshold: int) -> bool:
    """Hide a contribution once it has been reported `threshold` times (0 disables)."""
    return threshold > 0 and report_count >= threshold


def fold(word: str) -> str:
    plain = unicodedata.normalize("NFKD", word.strip().lower().replace("’", "'"))
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


# Words people and other tools use for a stance, folded (lower case, no accents).
STANCE_WORDS = {
    "three": {
        "pour": "for",
        "for": "for",
        "favorable": "for",
        "oui": "for",
        "1": "for",
        "+1": "for",
        "mitige": "mixed",
        "mixed": "mixed",
        "neutre": "mixed",
        "neutral": "mixed",
        "sans avis": "mixed",
        "0": "mixed",
        "contre": "against",
        "against": "against",
        "defavorable": "against",
        "non": "against",
        "-1": "against",
    },
    "five": {
        "tout a fait d'accord": "strongly_agree",
        "strongly agree": "strongly_agree",
        "strongly_agree": "strongly_agree",
        "2": "strongly_agree",
        "plutot d'accord": "agree",
        "d'accord": "agree",
        "agree": "agree",
        "1": "agree",
        "ni d'accord ni en desaccord": "neutral",
        "neutre": "neutral",
        "neutral": "neutral",
        "0": "neutral",
        "plutot pas d'accord": "disagree",
        "pas d'accord": "disagree",
        "disagree": "disagree",
        "-1": "disagree",
        "pas du tout d'accord": "strongly_disagree",
        "strongly disagree": "strongly_disagree",
        "strongly_disagree": "strongly_disagree",
        "-2": "strongly_disagree",
    },
}


def stance_from_word(word: str | None, scale: str) -> str | None:
    """The stance code for a word such as « Pour », « plutôt d'accord » or `-1`.

    Empty means no stance; a word the scale does not know raises ValueError.
    """
    if word is None or not str(word).strip():
        return None
    folded = fold(str(word))
    if folded in STANCE_SCALES.get(scale, ()):
        return folded
    code = STANCE_WORDS.get(scale, {}).get(folded)
    if code is None:
        raise ValueError(word)
    return code
