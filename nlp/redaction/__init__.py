"""Personal data in French free text, found and replaced by placeholders (docs/redaction.md)."""

from .evaluation import evaluate, load_examples, misses
from .redactor import MODEL, PLACEHOLDERS, Redaction, Redactor, Span, redact

__all__ = [
    "MODEL",
    "PLACEHOLDERS",
    "Redaction",
    "Redactor",
    "Span",
    "evaluate",
    "load_examples",
    "misses",
    "redact",
]
