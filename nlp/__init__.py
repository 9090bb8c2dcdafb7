"""Text analysis for Palabre: a plain library (no Flask, no database, no ``consult``).

Four subpackages, one for each thing the analysis does; each ``__init__`` is its contract, and the
app imports only what those export:

- :mod:`nlp.redaction` — personal data found and replaced by placeholders before anyone reads a
  contribution (patterns, name rules, spaCy's recogniser);
- :mod:`nlp.themes` — the themes of a consultation's verbatims: ``find_themes(texts)`` runs a
  pipeline of swappable stages (declared in ``nlp.themes.stages``) and returns a frozen
  ``ThemeResult`` (docs/themes.md);
- :mod:`nlp.opinion` — Polis's algorithm: vote matrix, opinion groups, their replay in time, and
  per-comment statistics (consensus, divisive and representative comments);
- :mod:`nlp.convergence` — stance evidence by college and by opinion group, and a verdict per
  theme with its reasons (docs/convergence.md). It builds on :mod:`nlp.opinion`.

The subpackages never import one another, except convergence reading opinion groups.
:mod:`nlp.markers` holds the one helper they share: ``N_``, which marks French sentences for the
app's translation catalogue.
"""
