"""Benchmark the theme analysis: quality on SIB-200 against baselines, then speed and memory.

Run from the project's root:  .venv/bin/python bench/themes.py [--sizes 1000,10000,100000]
                                                                [--modes fast,quality]

1. Quality, on the 1,004 French sentences of SIB-200 (../shared/data/sib200-fra, 7 topics): NMI
   and ARI against the topics, outliers counted as one cluster, for Palabre's pipeline in each
   mode and for baselines on the same embeddings — k-means (k=7) on TF-IDF and on spaCy mean
   vectors, and a BERTopic-style default (UMAP 15 neighbours / 5 dimensions / min_dist 0 /
   cosine + HDBSCAN min_cluster_size 10, no reassignment). Then the same on the demo
   consultations (consult/demo_content), a second view with 8 and 7 labelled themes.
2. Speed and memory end to end, after the model is loaded and numba has compiled its code, on
   corpora built by resampling SIB-200: each verbatim joins two random sentences. Each size runs
   in its own process, so that peak memory (RSS) of one does not pollute the next.

It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from nlp.themes import (
    FastEmbedder,
    KMeansClusterer,
    Preprocessor,
    UmapReducer,
    find_themes,
    l2_normalise,
    nearest_neighbours,
    quality_embedder,
)

ROOT = Path(__file__).resolve().parents[1]

SIB200 = ROOT.parent / "shared" / "data" / "sib200-fra"
DEMO = ROOT / "consult" / "demo_content" / "consultations.json"


def load_sib200() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for name in ("train", "dev", "test"):
        with open(SIB200 / f"{name}.tsv", encoding="utf-8", newline="") as rows:
            for row in csv.DictReader(rows, delimiter="\t"):
                texts.append(row["text"])
                labels.append(row["category"])
    return texts, labels


def load_demo() -> list[tuple[str, list[str], list[str]]]:
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    return [
        (
            c["key"],
            [x["text"] for x in c["contributions"]],
            [x["theme"] for x in c["contributions"]],
        )
        for c in data["consultations"]
    ]


def labelled_corpora(sib200_name: str = "SIB-200") -> list[tuple[str, list[str], list[str]]]:
    """(name, texts, written themes) of every labelled corpus present: SIB-200 when the shared
    data holds it (said when it does not), then the demo consultations."""
    sets = []
    if SIB200.exists():
        sets.append((sib200_name, *load_sib200()))
    else:
        print(f"SIB-200 is missing ({SIB200}): skipped.\n")
    return sets + load_demo()


def scores(labels, predicted) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    predicted = np.asarray(predicted)
    return {
        "nmi": normalized_mutual_info_score(labels, predicted),
        "ari": adjusted_rand_score(labels, predicted),
        "outliers": float(np.mean(predicted < 0)),
        "themes": len(set(predicted[predicted >= 0].tolist())),
    }


def bertopic_default(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    import hdbscan

    reduced = UmapReducer(n_components=5, n_neighbors=15, min_dist=0.0, random_state=seed)
    return hdbscan.HDBSCAN(min_cluster_size=10).fit(reduced.fit_transform(vectors)).labels_


def quality_available() -> bool:
    try:
        quality_embedder()
    except ValueError:
        return False
    return True


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def quality_table(modes: list[str]) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts, labels = load_sib200()
    k = len(set(labels))
    print(f"## Quality on SIB-200: {len(texts)} sentences, {k} topics\n")
    print("Outliers count as one cluster in NMI and ARI. Seed 0 unless said otherwise.\n")
    rows = []

    tfidf = TfidfVectorizer().fit_transform(texts)
    rows.append(("k-means k=7", "TF-IDF", *timed(lambda: KMeansClusterer(k).fit(tfidf).labels_)))
    preprocessor = Preprocessor()
    fast = FastEmbedder(preprocessor)
    analyses = preprocessor.analyse(texts)
    means = l2_normalise(fast.mean_vectors(analyses))
    rows.append(
        ("k-means k=7", "spaCy mean vectors", *timed(lambda: KMeansClusterer(k).fit(means).labels_))
    )
    fast_vectors = fast.encode_analyses(analyses)
    rows.append(
        (
            "BERTopic-style default",
            "fast (spaCy vectors + LSA)",
            *timed(bertopic_default, fast_vectors),
        )
    )
    for mode in modes:
        result, seconds = timed(find_themes, texts, mode=mode)
        rows.append(
            (f"Palabre {mode}", result.embedder, [a.theme_id for a in result.assignments], seconds)
        )
        merged, seconds = timed(find_themes, texts, mode=mode, n_themes=k)
        rows.append(
            (
                f"Palabre {mode}, n_themes=7",
                merged.embedder,
                [a.theme_id for a in merged.assignments],
                seconds,
            )
        )
        # One seed can be lucky or not: the mean over three, timed as the mean of the three runs.
        runs = [(result, seconds)] + [timed(find_themes, texts, mode=mode, seed=s) for s in (1, 2)]
        rows.append(
            (
                f"Palabre {mode}, mean of seeds 0-2",
                result.embedder,
                [[a.theme_id for a in r.assignments] for r, _ in runs],
                sum(t for _, t in runs) / 3,
            )
        )
        if mode == "quality":
            vectors = quality_embedder().encode(texts)
            rows.append(
                ("BERTopic-style default", result.embedder, *timed(bertopic_default, vectors))
            )

    print("| method | embeddings | NMI | ARI | outliers | themes | seconds |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for method, embeddings, predicted, seconds in rows:
        several = isinstance(predicted[0], list)
        runs = [scores(labels, p) for p in (predicted if several else [predicted])]
        s = {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}
        print(
            f"| {method} | {embeddings} | {s['nmi']:.3f} | {s['ari']:.3f} | {s['outliers']:.0%} "
            f"| {s['themes']:.3g} | {seconds:.1f} |"
        )

    print("\n## Second view: the demo consultations (labelled themes)\n")
    print(
        "| consultation | verbatims | themes | mode | NMI | ARI | outliers | themes found "
        "| NMI, n_themes = labelled |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for key, demo_texts, demo_labels in load_demo():
        n_labels = len(set(demo_labels))
        for mode in modes:
            s = scores(
                demo_labels, [a.theme_id for a in find_themes(demo_texts, mode=mode).assignments]
            )
            merged = find_themes(demo_texts, mode=mode, n_themes=n_labels)
            m = scores(demo_labels, [a.theme_id for a in merged.assignments])
            print(
                f"| {key} | {len(demo_texts)} | {n_labels} | {mode} | {s['nmi']:.3f} "
                f"| {s['ari']:.3f} | {s['outliers']:.0%} | {s['themes']} | {m['nmi']:.3f} |"
            )
    print()


def resampled(size: int, seed: int = 0) -> list[str]:
    """``size`` verbatims, each two SIB-200 sentences drawn at random (with replacement)."""
    texts, _labels = load_sib200()
    rng = random.Random(seed)
    return [f"{rng.choice(texts)} {rng.choice(texts)}" for _ in range(size)]


def measure(mode: str, size: int) -> dict:
    """One size, in this process: warm up, then time the analysis and read the peak RSS."""
    texts = resampled(size)
    started = time.perf_counter()
    find_themes(texts[:300], mode=mode)  # loads the models, has numba compile UMAP
    if size >= 20_000:  # NN-descent's compilation (~25 s) happens on its first use only
        nearest_neighbours(np.random.default_rng(0).normal(size=(20_000, 8)), 15, 0)
    warm_up = time.perf_counter() - started
    result, seconds = timed(find_themes, texts, mode=mode)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "mode": mode,
        "size": size,
        "seconds": seconds,
        "peak_mb": peak,
        "warm_up": warm_up,
        "themes": len(result.themes),
        "outliers": result.outlier_share,
        "stages": result.seconds,
    }


def speed_table(modes: list[str], sizes: list[int]) -> None:
    print("## Speed and memory, end to end after model load and compilation\n")
    print(
        "Corpora built by resampling SIB-200: each verbatim joins two random sentences "
        "(about 300 characters). One process per size; peak RSS includes the loaded models.\n"
    )
    print(
        "| mode | verbatims | seconds | verbatims/s | peak RSS (MB) | themes | outliers "
        "| slowest stages (s) | warm-up (s) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for mode in modes:
        for size in sizes:
            run = subprocess.run(
                [sys.executable, __file__, "--measure", f"{mode}:{size}"],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
            )
            if run.returncode != 0:
                print(f"| {mode} | {size:,} | failed: {run.stderr.strip().splitlines()[-1]} |")
                continue
            m = json.loads(run.stdout.strip().splitlines()[-1])
            slowest = sorted(m["stages"].items(), key=lambda item: -item[1])[:3]
            stages = ", ".join(f"{name} {value:.0f}" for name, value in slowest)
            print(
                f"| {mode} | {size:,} | {m['seconds']:.1f} | {size / m['seconds']:,.0f} "
                f"| {m['peak_mb']:,.0f} | {m['themes']} | {m['outliers']:.0%} | {stages} "
                f"| {m['warm_up']:.0f} |",
                flush=True,
            )
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--modes", default="fast,quality")
    parser.add_argument("--skip-quality-table", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        mode, size = args.measure.split(":")
        warnings.simplefilter("ignore")
        print(json.dumps(measure(mode, int(size))))
        return 0
    if not SIB200.is_dir():
        print(f"Skipped: {SIB200} not found (run inside the Palabre workspace).")
        return 0
    modes = [m for m in args.modes.split(",") if m]
    if "quality" in modes and not quality_available():
        print("Quality mode skipped: the Universal Sentence Encoder is not available.\n")
        modes.remove("quality")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores\n")
    if not args.skip_quality_table:
        quality_table(modes)
    speed_table(modes, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
