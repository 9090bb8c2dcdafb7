"""Whether a password is too easy to guess, and why, in a sentence a member can act on.

zxcvbn (the estimator Dropbox published, here its Python port) does the guessing: it knows the
passwords of public leaks, English words and names, keyboard rows, sequences, repeats and dates.
Palabre adds what it does not know: words French speakers build passwords from
(``data/common_passwords_fr.txt``) and the member's own name and e-mail address. Pure: no Flask,
no database.
"""

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from zxcvbn import zxcvbn

from .rules import N_, PASSWORD_MIN_LENGTH, Problem

FRENCH_WORDS = Path(__file__).parent / "data" / "common_passwords_fr.txt"
MIN_SCORE = 3  # zxcvbn's "safely unguessable" (some 10^8 guesses and more)
MAX_CHECKED = 72  # characters: zxcvbn reads no more (its cost grows with the length)

TOO_SHORT = N_("Le mot de passe doit contenir au moins %(min)s caractères.")
PERSONAL = N_("Le mot de passe ne doit pas reprendre votre nom ou votre adresse e-mail.")
COMMON = N_("Ce mot de passe fait partie des plus courants, ou en est tiré : il se devine vite. "
            "Une phrase de quelques mots à vous convient bien.")
GUESSABLE = N_("Ce mot de passe se devine trop facilement (suite de touches ou de chiffres, "
               "répétition, date…). Une phrase de quelques mots à vous convient bien.")


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in plain if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def french_words() -> tuple[str, ...]:
    lines = FRENCH_WORDS.read_text(encoding="utf-8").splitlines()
    return tuple(_fold(w.strip()) for w in lines if w.strip() and not w.startswith("#"))


def personal_words(email: str | None, name: str | None) -> set[str]:
    """The pieces of a member's name and e-mail address a password could be built from."""
    pieces = re.split(r"[^\w]+", _fold(f"{email or ''} {name or ''}"))
    return {piece for piece in pieces if len(piece) >= 3}


def password_problems(password: str, email: str | None = None,
                      name: str | None = None) -> list[Problem]:
    """Why this password cannot be accepted (an empty list: it can)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return [Problem(TOO_SHORT, {"min": PASSWORD_MIN_LENGTH})]
    personal = personal_words(email, name)
    checked = _fold(password)[:MAX_CHECKED]
    if _built_from(checked, personal):
        return [Problem(PERSONAL)]
    result = zxcvbn(checked, user_inputs=[*personal, *french_words()])
    if result["score"] >= MIN_SCORE:
        return []
    common = any(m["pattern"] == "dictionary" and (m.get("dictionary_name") == "passwords"
                                                    or m.get("dictionary_name") == "user_inputs")
                 for m in result["sequence"])
    return [Problem(COMMON if common else GUESSABLE)]


def _built_from(password: str, personal: set[str]) -> bool:
    """Whether the password holds a piece of the member's name or e-mail address and what is
    left without those pieces would not be strong on its own ("anadurand2026", "durand-ana-75";
    "banana split on a tree house" is more than its "ana")."""
    rest = password
    for piece in sorted(personal, key=len, reverse=True):
        rest = rest.replace(piece, "")
    if rest == password:
        return False
    return zxcvbn(rest)["score"] < MIN_SCORE if rest.strip() else True
