"""What redaction finds and returns: spans of personal data, and the placeholders for them."""

from __future__ import annotations

from dataclasses import dataclass

PLACEHOLDERS = {
    "email": "[e-mail]",
    "phone": "[téléphone]",
    "iban": "[IBAN]",
    "address": "[adresse]",
    "person": "[personne]",
}


@dataclass(frozen=True)
class Span:
    """One piece of personal data: character offsets into the original text, and its kind."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class Redaction:
    """A redacted text and the spans of the original text that were replaced."""

    text: str
    spans: tuple[Span, ...]

