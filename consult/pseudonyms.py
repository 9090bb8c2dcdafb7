"""Participants' pseudonyms: one per member and consultation, derived with a secret key.

A member's `participant_ref` in a consultation is HMAC-SHA-256(key, consultation id
and member ref). The same member gets a different ref in each consultation, so refs
cannot be joined across consultations, and without the key a database dump does not
say who wrote what.
"""

import hashlib
import hmac


def participant_ref(key: str, consultation_id: int, member_ref: str) -> str:
    digest = hmac.new(key.encode(), f"{consultation_id}:{member_ref}".encode(), hashlib.sha256)
    return "m" + digest.hexdigest()[:32]


def imported_ref(key: str, author: str) -> str:
    """The participant ref of an imported author (a spreadsheet's author column, or its row when
    it has none): keyed like members' refs, so that nobody without the installation's key can
    recompute it from a guess at the name."""
    digest = hmac.new(key.encode(), f"import:{author}".encode(), hashlib.sha256)
    return "i" + digest.hexdigest()[:32]


def pseudonym(ref: str) -> str:
    """A short stable label to show instead of a name, e.g. `4F2A-91C0`."""
    tail = hashlib.sha256(ref.encode()).hexdigest()[:8].upper()
    return f"{tail[:4]}-{tail[4:]}"
