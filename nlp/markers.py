"""A marker for sentences the app translates: ``N_("…")`` returns its text unchanged.

The library builds its messages in French and stays free of Flask; marking a template with
``N_`` lets ``make messages`` put it in the app's catalogue, which then translates it by code
and parameters (consult/views/analysis.py).
"""


def N_(text: str) -> str:
    """Mark ``text`` for extraction into the translation catalogue; return it as it is."""
    return text
