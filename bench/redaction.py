"""Benchmark the redaction of personal data: quality on the evaluation set, then speed.

Run from the project's root:  .venv/bin/python bench/redaction.py

It prints, for the patterns and name rules alone and then with spaCy's recogniser:
precision, recall and exact matches per kind on tests/data/redaction_fr.jsonl, the misses, the
spans flagged in real French prose (SIB-200 from ../shared/data, when present), and throughput
in sentences per second. It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import csv
import platform
import sys
import time
from collections import Counter
from pathlib import Path

from nlp.redaction import PLACEHOLDERS, Redactor, evaluate, load_examples, misses

ROOT = Path(__file__).resolve().parents[1]
EVALUATION_SET = ROOT / "tests" / "data" / "redaction_fr.jsonl"
SIB200 = ROOT.parent / "shared" / "data" / "sib200-fra"
REPEATED = 10_000


def quality_table(result: dict) -> str:
    rows = ["| kind | gold | found | fp | fn | precision | recall | exact |", "|" + " --- |" * 8]
    for kind, s in [*result["kinds"].items(), ("all", result["all"])]:
        rows.append(
            f"| {kind} | {s['gold']} | {s['found']} | {s['fp']} | {s['fn']} "
            f"| {s['precision']:.3f} | {s['recall']:.3f} | {s['exact_rate']:.3f} |"
        )
    return "\n".join(rows)


def sentences_per_second(redactor: Redactor, texts: list[str]) -> float:
    started = time.perf_counter()
    redactor.redact_many(texts)
    return len(texts) / (time.perf_counter() - started)


def real_prose() -> list[str] | None:
    """The 1,004 SIB-200 French sentences (edited news and encyclopaedic prose), if present."""
    if not SIB200.is_dir():
        return None
    texts = []
    for name in ("train", "dev", "test"):
        with open(SIB200 / f"{name}.tsv", encoding="utf-8", newline="") as rows:
            texts += [row["text"] for row in csv.DictReader(rows, delimiter="\t")]
    return texts


def main() -> None:
    examples = load_examples(EVALUATION_SET)
    texts = [example["text"] for example in examples]
    repeated = (texts * (REPEATED // len(texts) + 1))[:REPEATED]
    prose = real_prose()
    print(f"Evaluation set: {len(examples)} sentences, {EVALUATION_SET.relative_to(ROOT)}")
    print(f"Python {platform.python_version()}, {platform.machine()}\n")

    for use_ner in (False, True):
        redactor = Redactor(use_ner=use_ner)
        started = time.perf_counter()
        redactor.redact("Chargement.")
        load = time.perf_counter() - started
        title = "patterns + name rules + spaCy NER" if use_ner else "patterns + name rules only"
        print(f"## {title}" + (f" (model loaded in {load:.1f} s)" if use_ner else "") + "\n")

        result = evaluate(redactor, examples)
        print(quality_table(result))
        print(f"\nCharacters of personal data hidden, whatever the kind: {result['covered']:.1%}")
        for what, kind, snippet in misses(result):
            print(f"  {what} ({kind}): {snippet}")

        if prose is None:
            print(f"\nReal prose: skipped, {SIB200} not found (run inside the Palabre workspace).")
        else:
            flagged = Counter(s.kind for r in redactor.redact_many(prose) for s in r.spans)
            counts = ", ".join(f"{kind} {flagged[kind]}" for kind in PLACEHOLDERS)
            print(f"\nSpans flagged in {len(prose)} SIB-200 sentences (real prose): {counts}")

        print("\n| texts | sentences per second |\n| --- | --- |")
        print(f"| evaluation set ({len(texts)}) | {sentences_per_second(redactor, texts):,.0f} |")
        print(f"| set repeated to {REPEATED:,} | {sentences_per_second(redactor, repeated):,.0f} |")
        print()


if __name__ == "__main__":
    sys.exit(main())
