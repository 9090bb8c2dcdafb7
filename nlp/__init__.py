"""Text analysis for Palabre: a plain library (no Flask, no database).

- ``nlp.redact``: personal data replaced by placeholders before anyone reads a contribution.
- ``nlp.themes``: the themes of a consultation's verbatims — ``find_themes(texts)`` runs a pipeline
  of swappable stages (``preprocess``, ``embed``, ``reduce``, ``cluster``, ``outliers``,
  ``hierarchy``, ``describe``) and returns a frozen ``ThemeResult`` (docs/themes.md).
"""
