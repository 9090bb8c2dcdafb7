"""Score a redactor against examples annotated by hand, kind by kind.

An example is ``{"text": ..., "spans": [{"start": ..., "end": ..., "kind": ...}, ...]}``.

Matching rule: a predicted span is correct when it overlaps a gold span of the same kind, even
if their boundaries differ ("Mme Le Goff" for "Le Goff" counts). What matters for privacy is that
the data is hidden; the exact-match figure beside it says how often the boundaries agree too.

- ``found``: gold spans overlapped by a prediction of their kind (recall = found / gold);
- ``correct``: predictions overlapping a gold span of their kind (precision = correct /
  predicted); ``fp`` = predicted - correct. The two differ when one prediction covers two gold
  spans, or two predictions share one;
- ``fn``: gold spans no prediction of their kind overlaps;
- ``exact``: gold spans predicted with exactly their start, end and kind (``exact_rate`` =
  exact / gold).

``covered`` is the share of gold characters hidden by any prediction, whatever its kind: the
privacy view, where calling a phone number an IBAN still hides it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .redactor import PLACEHOLDERS, Span


def load_examples(path: str | Path) -> list[dict]:
    """Read a JSON-lines evaluation set."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def gold_spans(example: dict) -> list[Span]:
    return [Span(s["start"], s["end"], s["kind"]) for s in example["spans"]]


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def ratio(numerator: int, denominator: int) -> float:
    """numerator / denominator, and 1.0 when there is nothing to count (no errors possible)."""
    return numerator / denominator if denominator else 1.0


COUNTS = ("gold", "predicted", "found", "correct", "exact")


def count_kind(pairs: Iterable[tuple[list[Span], list[Span]]], kind: str) -> dict:
    """Counts for one kind over (gold, predicted) pairs, one pair per example."""
    counts = dict.fromkeys(COUNTS, 0)
    for gold, predicted in pairs:
        gold = [s for s in gold if s.kind == kind]
        predicted = [s for s in predicted if s.kind == kind]
        counts["gold"] += len(gold)
        counts["predicted"] += len(predicted)
        counts["found"] += sum(any(overlaps(g, p) for p in predicted) for g in gold)
        counts["correct"] += sum(any(overlaps(p, g) for g in gold) for p in predicted)
        counts["exact"] += sum(g in predicted for g in gold)
    return counts


def rates(counts: dict) -> dict:
    """The counts with false positives and negatives, precision, recall and exact-match rate."""
    return {
        **counts,
        "fp": counts["predicted"] - counts["correct"],
        "fn": counts["gold"] - counts["found"],
        "precision": ratio(counts["correct"], counts["predicted"]),
        "recall": ratio(counts["found"], counts["gold"]),
        "exact_rate": ratio(counts["exact"], counts["gold"]),
    }


def covered(pairs: Iterable[tuple[list[Span], list[Span]]]) -> float:
    """Share of gold characters inside some predicted span, whatever the kinds."""
    total = hidden = 0
    for gold, predicted in pairs:
        for span in gold:
            total += span.end - span.start
            hidden += sum(
                any(p.start <= i < p.end for p in predicted) for i in range(span.start, span.end)
            )
    return ratio(hidden, total)


def evaluate(redactor, examples: Iterable[dict]) -> dict:
    """Per-kind scores, their micro-average under "all", and the share of characters covered.

    Returns ``{"kinds": {kind: scores}, "all": scores, "covered": share, "pairs": [...]}``;
    ``pairs`` keeps (example, predicted spans) so a caller can list the misses.
    """
    examples = list(examples)
    redactions = redactor.redact_many([e["text"] for e in examples])
    pairs = [(gold_spans(e), list(r.spans)) for e, r in zip(examples, redactions, strict=True)]
    counts = {kind: count_kind(pairs, kind) for kind in PLACEHOLDERS}
    total = {key: sum(c[key] for c in counts.values()) for key in COUNTS}
    return {
        "kinds": {kind: rates(c) for kind, c in counts.items()},
        "all": rates(total),
        "covered": covered(pairs),
        "pairs": [(e, p) for e, (_, p) in zip(examples, pairs, strict=True)],
    }


def misses(result: dict) -> list[tuple[str, str, str]]:
    """(what, kind, snippet) for every false negative and false positive, to read."""
    found = []
    for example, predicted in result["pairs"]:
        text, gold = example["text"], gold_spans(example)
        for g in gold:
            if not any(overlaps(g, p) and p.kind == g.kind for p in predicted):
                found.append(("missed", g.kind, text[g.start : g.end] + "  ⟵  " + text))
        for p in predicted:
            if not any(overlaps(p, g) and p.kind == g.kind for g in gold):
                found.append(("false alarm", p.kind, text[p.start : p.end] + "  ⟵  " + text))
    return found
