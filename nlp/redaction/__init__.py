"""Personal data in French free text, found and replaced by placeholders (docs/redaction.md).

``Redactor().redact(text)`` returns a :class:`Redaction`: the text with ``[personne]``,
``[e-mail]``, ``[téléphone]``, ``[IBAN]`` and ``[adresse]`` in place of what was found, and the
:class:`Span` of each. The evaluation functions score a redactor on a labelled set.
"""

from .evaluation import evaluate, load_examples, misses
from .redactor import MODEL, Redactor, redact
from .spans import PLACEHOLDERS, Redaction, Span

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
