"""Benchmark how still the themes hold and how right they are, on every labelled corpus we have.

Run from the project's root:  .venv/bin/python bench/theme_stability.py [--modes quality,fast]
                                                                        [--seeds 3]

Corpora: SIB-200's 1,004 French sentences (7 topics, ../shared/data/sib200-fra) and the two demo
consultations (consult/demo_content/consultations.json, each contribution carrying the theme it
was written for). For each corpus, mode and seed:

1. **Quality**: NMI and ARI of the themes against the written themes (outliers as one cluster),
   with the pipeline's defaults, and with the embeddings centred (``ThemePipeline(centre=True)``).
2. **Stability**: a base corpus, then the base with 2 % more verbatims ("+2 %"), and the base
   with 1 % hidden ("−1 %"), drawn at random by the seed. ARI on the rows both runs share,
   between the base's themes and the variant's, for a fresh analysis of the variant and for a
   re-run from the base's result (``find_themes(..., keys=..., previous=base)``, incremental).
   For "+2 %" it also says how often a new verbatim landed in a theme whose majority written
   theme is its own, fresh and re-run, and the re-run's NMI on the whole variant.
3. **Uncertainty**: how many themes are "à vérifier" (cohesion below the floor) and the mean
   purity (share of members from the theme's majority written theme) of those and of the others;
   how many verbatims were set aside and why.
4. **Time**: seconds of a fresh analysis of the variant and of the re-run, and of the matching.
6. **Cost** (``--cost quality:10000,fast:100000``): on the speed corpora of bench/themes.py, a
   fresh analysis with keys, the seconds of its labels (the describe stage), of finding copies
   and of the cohesion, their share of the analysis, then a re-run with 2 % more verbatims and
   its matching.
7. **Shared directions** (``--directions 1,2``): NMI, mean of the seeds, when the embeddings
   are centred and their first k principal directions projected out
   (``ThemePipeline(shared_directions=k)``), per corpus and mode.
5. **How far the features can go** (``--ceiling``): NMI of a supervised classifier (logistic
   regression, 5-fold cross-validation, so each verbatim is predicted by a model that never saw
   it) trained on the written themes, on the sentence encoder's embeddings, on TF-IDF of the
   words, and on both. No unsupervised grouping of the same features should be expected to do
   better. Then what guided themes gave: k-means started from the encoder's embedding of each
   written theme's name (what a facilitator would type), tried and not adopted.

It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from themes import labelled_corpora  # noqa: E402  (bench/themes.py)

from nlp.themes import (  # noqa: E402
    FastEmbedder,
    Preprocessor,
    ThemePipeline,
    find_themes,
    quality_embedder,
)


def variants(n: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Rows of the base corpus, and of its "+2 %" and "−1 %" variants."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    reserve = max(1, round(0.02 * n / 1.02))
    base = np.sort(order[reserve:])
    hidden = max(1, round(0.01 * len(base)))
    return base, {
        "+2 %": np.sort(np.concatenate([base, order[:reserve]])),
        "−1 %": np.sort(rng.choice(base, size=len(base) - hidden, replace=False)),
    }


def labels_of(result) -> list[int]:
    return [a.theme_id for a in result.assignments]


def run(texts, rows, mode, seed, previous=None):
    started = time.perf_counter()
    result = find_themes(
        [texts[i] for i in rows], mode=mode, seed=seed, keys=[int(i) for i in rows],
        previous=previous,
    )
    return result, time.perf_counter() - started


def shared_ari(a, a_rows, b, b_rows) -> float:
    theme_a = dict(zip(a_rows.tolist(), labels_of(a), strict=True))
    theme_b = dict(zip(b_rows.tolist(), labels_of(b), strict=True))
    shared = sorted(set(theme_a) & set(theme_b))
    return adjusted_rand_score([theme_a[i] for i in shared], [theme_b[i] for i in shared])


def placed_right(result, rows, new_rows, written) -> float:
    """Share of new rows in a theme whose majority written theme is theirs (outliers: wrong)."""
    majority = {}
    for theme in result.themes:
        majority[theme.id] = Counter(written[rows[m]] for m in theme.members).most_common(1)[0][0]
    position = {int(r): k for k, r in enumerate(rows)}
    right = 0
    for row in new_rows:
        theme = result.assignments[position[int(row)]].theme_id
        right += theme >= 0 and majority[theme] == written[row]
    return right / len(new_rows)


def purity(theme, rows, written) -> float:
    counts = Counter(written[rows[m]] for m in theme.members)
    return counts.most_common(1)[0][1] / theme.size


def pipeline(mode, seed, **options) -> ThemePipeline:
    """The default pipeline of a mode, with some of its options changed."""
    preprocessor = Preprocessor()
    if mode == "quality":
        embedder = quality_embedder()
    else:
        embedder = FastEmbedder(preprocessor, random_state=seed)
    return ThemePipeline(embedder, preprocessor=preprocessor, seed=seed, mode=mode, **options)


def centred(texts, mode, seed):
    """The pipeline with its embeddings centred."""
    return pipeline(mode, seed, centre=True).fit(texts)


def mean(values) -> str:
    return f"{np.mean(values):.3f}" if values else "–"


def spread(values) -> str:
    return f"{np.mean(values):.3f} ({min(values):.2f}–{max(values):.2f})"


def bench(name, texts, written, mode, seeds) -> None:
    n = len(texts)
    all_rows = np.arange(n)
    q = {"nmi": [], "ari": [], "nmi_centred": [], "themes": []}
    s = {k: [] for k in ("fresh +2 %", "rerun +2 %", "fresh −1 %", "rerun −1 %", "placed fresh",
                         "placed rerun", "nmi rerun", "nmi fresh variant", "t fresh", "t rerun",
                         "t match")}
    flagged, unflagged, set_aside = [], [], Counter()
    for seed in range(seeds):
        full, _ = run(texts, all_rows, mode, seed)
        q["nmi"].append(normalized_mutual_info_score(written, labels_of(full)))
        q["ari"].append(adjusted_rand_score(written, labels_of(full)))
        q["nmi_centred"].append(normalized_mutual_info_score(
            written, labels_of(centred(texts, mode, seed))))
        q["themes"].append(len(full.themes))
        for theme in full.themes:
            (flagged if theme.to_check else unflagged).append(purity(theme, all_rows, written))
        set_aside.update(full.set_aside)
        base_rows, variant_rows = variants(n, seed)
        base, _ = run(texts, base_rows, mode, seed)
        for variant, rows in variant_rows.items():
            fresh, t_fresh = run(texts, rows, mode, seed)
            rerun, t_rerun = run(texts, rows, mode, seed, previous=base)
            s[f"fresh {variant}"].append(shared_ari(base, base_rows, fresh, rows))
            s[f"rerun {variant}"].append(shared_ari(base, base_rows, rerun, rows))
            s["t fresh"].append(t_fresh)
            s["t rerun"].append(t_rerun)
            s["t match"].append(rerun.seconds.get("match", 0.0))
            if variant == "+2 %":
                new_rows = np.setdiff1d(rows, base_rows)
                s["placed fresh"].append(placed_right(fresh, rows, new_rows, written))
                s["placed rerun"].append(placed_right(rerun, rows, new_rows, written))
                variant_written = [written[i] for i in rows]
                s["nmi rerun"].append(normalized_mutual_info_score(variant_written,
                                                                   labels_of(rerun)))
                s["nmi fresh variant"].append(normalized_mutual_info_score(variant_written,
                                                                           labels_of(fresh)))
    print(f"| {name} | {mode} | {n} | {spread(q['nmi'])} | {spread(q['nmi_centred'])} | "
          f"{mean(q['ari'])} | {mean(q['themes'])} | {spread(s['fresh +2 %'])} | "
          f"{spread(s['rerun +2 %'])} | {spread(s['fresh −1 %'])} | {spread(s['rerun −1 %'])} | "
          f"{mean(s['placed fresh'])} / {mean(s['placed rerun'])} | "
          f"{mean(s['nmi fresh variant'])} / {mean(s['nmi rerun'])} | "
          f"{len(flagged)}/{len(flagged) + len(unflagged)}: {mean(flagged)} vs {mean(unflagged)} | "
          f"{set_aside['too_short'] / seeds:.0f} / {set_aside['outlier'] / seeds:.0f} / "
          f"{set_aside['duplicate'] / seeds:.0f} | "
          f"{np.mean(s['t fresh']):.1f} / {np.mean(s['t rerun']):.1f} / "
          f"{1000 * np.mean(s['t match']):.0f} ms |", flush=True)


def ceiling(name, texts, written) -> None:
    from scipy import sparse
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    encoder = quality_embedder()
    vectors = encoder.encode(texts)
    words = TfidfVectorizer(sublinear_tf=True, min_df=2).fit_transform(texts)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    figures = []
    for features in (vectors, words, sparse.hstack([sparse.csr_matrix(vectors), words]).tocsr()):
        predicted = cross_val_predict(LogisticRegression(max_iter=2000, C=10), features, written,
                                      cv=folds)
        figures.append(normalized_mutual_info_score(written, predicted))
    names = GUIDES.get(name)
    guided = "–"
    if names:
        centred = vectors - vectors.mean(axis=0)
        centred /= np.linalg.norm(centred, axis=1, keepdims=True)
        seeds = encoder.encode(names) - vectors.mean(axis=0)
        seeds /= np.linalg.norm(seeds, axis=1, keepdims=True)
        labels = KMeans(len(names), init=seeds, n_init=1, max_iter=50).fit(centred).labels_
        guided = f"{normalized_mutual_info_score(written, labels):.3f}"
    print(f"| {name} | {len(set(written))} | {figures[0]:.3f} | {figures[1]:.3f} | "
          f"{figures[2]:.3f} | {guided} |", flush=True)


# The names a facilitator would give the written themes: SIB-200's topics in French, and the
# demo consultations' own theme labels (read from the demo file in main()).
GUIDES = {"SIB-200": ["science et technologie", "voyage", "politique", "sport", "santé",
                      "divertissement", "géographie"]}


def directions(name, texts, written, mode, ks, seeds) -> None:
    cells = []
    for k in ks:
        values = []
        for seed in range(seeds):
            found = pipeline(mode, seed, shared_directions=k).fit(texts)
            values.append(normalized_mutual_info_score(written, labels_of(found)))
        cells.append(spread(values))
    print(f"| {name} | {mode} | " + " | ".join(cells) + " |", flush=True)


def cost(mode: str, size: int) -> None:
    from themes import resampled

    from nlp.themes.cohesion import theme_cohesion
    from nlp.themes.duplicates import first_copies

    texts = resampled(size)
    find_themes(texts[:300], mode=mode)  # loads the models, has numba compile
    keys = list(range(size))
    started = time.perf_counter()
    fresh = find_themes(texts, mode=mode, keys=keys)
    total = time.perf_counter() - started
    started = time.perf_counter()
    first_copies(texts, np.arange(size))
    copies = time.perf_counter() - started
    labels = np.array(labels_of(fresh))
    vectors = np.random.default_rng(0).standard_normal((size, 512)).astype(np.float32)
    started = time.perf_counter()
    theme_cohesion(vectors, labels)  # same cost as on the embeddings: one product by centroids
    cohesion = time.perf_counter() - started
    describe = fresh.seconds.get("describe", 0.0)
    more = resampled(size + size // 50, seed=1)[: size // 50]
    started = time.perf_counter()
    again = find_themes(texts + more, mode=mode, keys=keys + list(range(size, size + len(more))),
                        previous=fresh)
    rerun = time.perf_counter() - started
    print(f"| {mode} | {size:,} | {total:.1f} | {describe:.1f} | {copies:.2f} | {cohesion:.2f} | "
          f"{(describe + copies + cohesion) / total:.1%} | {rerun:.1f} | "
          f"{again.seconds.get('match', 0.0):.2f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="quality,fast")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--ceiling", action="store_true", help="only section 5")
    parser.add_argument("--cost", help="only section 6, e.g. quality:10000,fast:100000")
    parser.add_argument("--directions", help="only section 7, e.g. 0,1,2")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    if args.directions:
        ks = [int(k) for k in args.directions.split(",")]
        print("| corpus | mode | " + " | ".join(f"NMI, centred, {k} removed" for k in ks) + " |")
        print("|" + " --- |" * (len(ks) + 2))
        for name, texts, written in labelled_corpora():
            for mode in args.modes.split(","):
                directions(name, texts, written, mode, ks, args.seeds)
        return 0
    if args.cost:
        print("| mode | verbatims | analysis (s) | labels (s) | copies (s) | cohesion (s) | "
              "share | re-run +2 % (s) | matching (s) |")
        print("|" + " --- |" * 9)
        for item in args.cost.split(","):
            mode, size = item.split(":")
            cost(mode, int(size))
        return 0
    if args.ceiling:
        import json

        from themes import DEMO

        for consultation in json.loads(DEMO.read_text(encoding="utf-8"))["consultations"]:
            GUIDES[consultation["key"]] = [t["label"] for t in consultation["themes"]]
        print("| corpus | written themes | supervised NMI, encoder | TF-IDF | both | "
              "guided k-means from the themes' names |")
        print("|" + " --- |" * 6)
        for name, texts, written in labelled_corpora():
            ceiling(name, texts, written)
        return 0
    print(f"Seeds 0–{args.seeds - 1}; mean (min–max) over seeds.\n")
    print("| corpus | mode | verbatims | NMI | NMI, centred | ARI | themes | "
          "ARI fresh +2 % | ARI re-run +2 % | ARI fresh −1 % | ARI re-run −1 % | "
          "new rows placed right, fresh / re-run | NMI of the +2 % corpus, fresh / re-run | "
          "à vérifier: count, purity vs others | set aside: too short / outlier / copy | "
          "seconds fresh / re-run / matching |")
    print("|" + " --- |" * 16)
    for name, texts, written in labelled_corpora():
        for mode in args.modes.split(","):
            bench(name, texts, written, mode, args.seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
