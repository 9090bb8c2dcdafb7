"""Benchmark theme labels: would a French reader accept the label of each theme found?

Run from the project's root:  .venv/bin/python bench/theme_labels.py [--seed 0] [--save out.json]
                                                                    [--before before.json]

On SIB-200's 1,004 French sentences (7 topics, ../shared/data/sib200-fra) and on the two demo
consultations (consult/demo_content/consultations.json, whose contributions carry the theme they
were written for), it runs ``find_themes(texts, mode="auto")``, takes each theme's majority written
theme, and checks its label against ``bench/theme_labels.json``: a hand-written list, per written
theme, of the head words a French reader would accept (written for Palabre before measuring).

The matching rule: accents and case are ignored and texts are cut into words at every character
that is not a letter or a digit; an accepted entry matches when its words occur one after another
as whole words in one part of the label (parts are separated by " · "); an entry's word ending in
"*" matches any word it begins ("numérique*" matches "numériques", "donnée*" matches "donnees").
The prefixes make lemma labels ("donnée") and surface labels ("données") comparable.

It reports, per corpus: the share of themes whose label is accepted, the same weighted by the
themes' sizes, the share whose first five keywords hold an accepted word, and the share of labels
and keywords that fail ``nlp.themes.labels.artefact`` (when that module exists); then it prints
every label next to its written theme so a person can judge. An English Polis export
(../shared/data/polis/opendata/brexit-consensus) is analysed too and its labels printed, unscored.

``--save`` writes the labels found; ``--before`` reads such a file (from an earlier version of the
describer, same seed) and prints its labels next to today's, scored by the same rule. The themes
themselves do not depend on the describer, so the two runs label the same groups.

It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

from themes import labelled_corpora  # bench/themes.py, beside this file

from nlp.themes import find_themes

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT.parent / "shared" / "data" / "polis" / "opendata" / "brexit-consensus"
ACCEPTED = Path(__file__).with_suffix(".json")


def words(text: str) -> list[str]:
    """Lower-case words without accents, cut at every character that is not a letter or digit."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return [w for w in re.split(r"[^0-9a-z*]+", plain) if w]


def entry_matches(entry: str, part: list[str]) -> bool:
    wanted = words(entry)
    for start in range(len(part) - len(wanted) + 1):
        if all(
            part[start + k].startswith(w[:-1]) if w.endswith("*") else part[start + k] == w
            for k, w in enumerate(wanted)
        ):
            return True
    return False


def accepted(label: str, entries: list[str]) -> bool:
    """Whether one of the accepted entries occurs in a part of the label (rule in the docstring)."""
    parts = [words(part.replace("*", " ")) for part in label.split(" · ")]
    return any(entry_matches(entry, part) for entry in entries for part in parts)


def load_sets() -> list[tuple[str, list[str], list[str]]]:
    """(name, texts, written themes) of each labelled corpus present; SIB-200 under the name
    bench/theme_labels.json gives it."""
    return labelled_corpora("sib200")


def load_polis() -> list[str]:
    if not (POLIS / "comments.csv").exists():
        print(f"Polis export not found at {POLIS}: skipped")
        return []
    with open(POLIS / "comments.csv", encoding="utf-8", newline="") as rows:
        return [row["comment-body"] for row in csv.DictReader(rows) if row["moderated"] != "-1"]


def artefact_check(texts: list[str], lang: str):
    """``part -> bool``: whether a label part or keyword is an artefact (a stop word at an end,
    "-ce", a word the texts never wrote such as a lemma…); None before the labels module."""
    try:
        from nlp.themes.labels import artefact, vocabulary_of
    except ImportError:
        return None
    vocabulary = vocabulary_of(texts)
    return lambda part: artefact(part, lang, vocabulary)


def run(name: str, texts: list[str], seed: int) -> dict:
    result = find_themes(texts, mode="auto", seed=seed)
    language = getattr(result, "language", None) or result.parameters.get("language")
    return {
        "mode": result.mode,
        "language": language,
        "seconds": result.seconds,
        "themes": [
            {"label": t.label, "keywords": list(t.keywords), "members": list(t.members)}
            for t in result.themes
        ],
    }


def score(found: dict, written: list[str], accept: dict[str, list[str]], check) -> dict:
    rows, n_label, n_keywords, weighted, total = [], 0, 0, 0, 0
    for theme in found["themes"]:
        majority, count = Counter(written[i] for i in theme["members"]).most_common(1)[0]
        label_ok = accepted(theme["label"], accept[majority])
        keyword_ok = any(accepted(k, accept[majority]) for k in theme["keywords"][:5])
        size = len(theme["members"])
        n_label += label_ok
        n_keywords += keyword_ok
        weighted += size * label_ok
        total += size
        rows.append((majority, count / size, size, label_ok, theme))
    n = len(found["themes"]) or 1
    bad = None
    if check is not None:
        shown = [t["label"] for t in found["themes"]]
        shown += [k for t in found["themes"] for k in t["keywords"]]
        bad = sorted({s for s in shown for part in s.split(" · ") if check(part)})
    return {
        "themes": len(found["themes"]),
        "label": n_label / n,
        "label_by_size": weighted / (total or 1),
        "keywords": n_keywords / n,
        "artefacts": bad,
        "rows": rows,
    }


def describe_share(found: dict) -> str:
    seconds = found["seconds"]
    total = sum(seconds.values())
    return f"describe {seconds.get('describe', 0):.1f} s of {total:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, help="write the labels found to this JSON file")
    parser.add_argument("--before", type=Path, help="labels of an earlier run, to compare")
    args = parser.parse_args()
    accept = json.loads(ACCEPTED.read_text(encoding="utf-8"))
    before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else {}
    saved, summary = {}, []
    for name, texts, written in load_sets():
        check = artefact_check(texts, "fr")
        found = saved[name] = run(name, texts, args.seed)
        now = score(found, written, accept[name], check)
        print(f"\n== {name}: {len(texts)} verbatims, {now['themes']} themes, mode {found['mode']}, "
              f"language {found['language']}, {describe_share(found)}")
        old = score(before[name], written, accept[name], check) if name in before else None
        old_labels = [t["label"] for t in before[name]["themes"]] if old else []
        for k, (majority, purity, size, ok, theme) in enumerate(now["rows"]):
            mark = "✓" if ok else "✗"
            line = f"  {mark} {majority:<24} {purity:4.0%} of {size:<4} {theme['label']}"
            if old and k < len(old_labels):
                line += f"   (before: {'✓' if old['rows'][k][3] else '✗'} {old_labels[k]})"
            print(line)
            print(f"      keywords: {', '.join(theme['keywords'])}")
        for label, figures in (("before", old), ("after", now)):
            if figures is None:
                continue
            summary.append((name, label, figures))
    polis = load_polis()
    if polis:
        check = artefact_check(polis, "en")
        found = saved["polis-brexit"] = run("polis", polis, args.seed)
        print(f"\n== brexit-consensus (English, unscored): {len(polis)} comments, "
              f"{len(found['themes'])} themes, language {found['language']}, "
              f"{describe_share(found)}")
        old = before.get("polis-brexit")
        for k, theme in enumerate(found["themes"]):
            line = f"  {theme['label']}"
            if old and k < len(old["themes"]):
                line += f"   (before: {old['themes'][k]['label']})"
            print(line)
            print(f"      keywords: {', '.join(theme['keywords'])}")
        if check is not None:
            for label, data in (("before", old), ("after", found)):
                if data is None:
                    continue
                shown = [t["label"] for t in data["themes"]]
                shown += [k for t in data["themes"] for k in t["keywords"]]
                bad = sorted({s for s in shown for part in s.split(" · ") if check(part)})
                print(f"  {label}: {len(bad)} labels or keywords with an artefact: {bad[:12]}")

    print("\n| corpus | labels | themes | label accepted | by size | a keyword of the first 5 "
          "accepted | labels or keywords with an artefact |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, label, f in summary:
        bad = "—" if f["artefacts"] is None else str(len(f["artefacts"]))
        print(f"| {name} | {label} | {f['themes']} | {f['label']:.0%} | {f['label_by_size']:.0%} "
              f"| {f['keywords']:.0%} | {bad} |")
        if f["artefacts"]:
            print(f"    artefacts: {f['artefacts'][:12]}")
    if args.save:
        args.save.write_text(json.dumps(saved, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"→ {args.save}")


if __name__ == "__main__":
    main()
