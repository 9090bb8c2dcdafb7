"""Benchmark the verdicts per theme: from a million votes to one verdict per theme, timed.

Run from the project's root:  .venv/bin/python bench/verdicts.py [--seed 0]
                                  [--verbatims 100000] [--themes 200] [--votes 1000000]
                                  [--people 20000]

A synthetic consultation: people in 5 colleges of unequal size (and 4 opinion groups), verbatims
spread over the themes, each with its author's declared stance, and votes on random verbatims.
Each theme is planted with a profile — every college agrees, every college rejects, colleges
split, or everyone hesitates — that sets each college's chance to agree, disagree or pass.

Timed, after the data is built: one position per (theme, person) for the votes and the stances,
the evidence per theme for votes by college, votes by opinion group and stances by college,
then the verdicts. It also prints how often the verdict matches the planted profile.

It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from collections import Counter

import numpy as np

from nlp.convergence import (
    LABELS,
    evidence_by_theme,
    person_positions_by_theme,
    verdicts_by_theme,
)

COLLEGES = np.array(["salariés", "bénévoles", "bénéficiaires", "administrateurs", "partenaires"])
COLLEGE_WEIGHTS = [0.35, 0.3, 0.2, 0.05, 0.1]
OPINION_GROUPS = np.array(["A", "B", "C", "D"])
PROFILES = ["convergent", "rejection", "divergent", "mixed"]
PROFILE_WEIGHTS = [0.3, 0.1, 0.35, 0.25]
# What a profile should be judged as.
EXPECTED = {
    "convergent": "convergent",
    "rejection": "convergent",
    "divergent": "divergent",
    "mixed": "mixed",
}


def agree_rates(rng, profiles) -> np.ndarray:
    """Chance to agree per theme and college, given among those who do not pass."""
    rates = np.empty((len(profiles), len(COLLEGES)))
    for theme, profile in enumerate(profiles):
        if profile == "convergent":
            rates[theme] = rng.uniform(0.85, 0.97, len(COLLEGES))
        elif profile == "rejection":
            rates[theme] = rng.uniform(0.03, 0.15, len(COLLEGES))
        elif profile == "divergent":
            rates[theme] = rng.uniform(0.25, 0.6, len(COLLEGES))
            high, low = rng.choice(len(COLLEGES), size=2, replace=False)
            rates[theme, high], rates[theme, low] = 0.95, 0.1
        else:
            rates[theme] = rng.uniform(0.45, 0.6, len(COLLEGES))
    return rates


def positions(rng, rates: np.ndarray, pass_share: float) -> np.ndarray:
    """+1 / 0 / -1 drawn with the given chance to agree among those who do not pass."""
    values = np.where(rng.random(len(rates)) < rates, 1, -1).astype(np.int8)
    values[rng.random(len(rates)) < pass_share] = 0
    return values


def consultation(seed: int, n_verbatims: int, n_themes: int, n_votes: int, n_people: int):
    rng = np.random.default_rng(seed)
    college_codes = rng.choice(len(COLLEGES), size=n_people, p=COLLEGE_WEIGHTS)
    opinion_group_codes = rng.integers(0, len(OPINION_GROUPS), size=n_people)
    profiles = rng.choice(PROFILES, size=n_themes, p=PROFILE_WEIGHTS)
    rates = agree_rates(rng, profiles)

    verbatim_themes = rng.integers(0, n_themes, size=n_verbatims)
    verbatim_themes[rng.random(n_verbatims) < 0.1] = -1  # outliers: no theme
    authors = rng.integers(0, n_people, size=n_verbatims)
    stance_rates = rates[np.maximum(verbatim_themes, 0), college_codes[authors]]
    stances = positions(rng, stance_rates, pass_share=0.15)  # 0 = a "mixed" stance

    voters = rng.integers(0, n_people, size=n_votes)
    voted = rng.integers(0, n_verbatims, size=n_votes)
    vote_themes = verbatim_themes[voted]
    vote_rates = rates[np.maximum(vote_themes, 0), college_codes[voters]]
    votes = positions(rng, vote_rates, pass_share=0.2)
    return {
        "profiles": profiles,
        "stances": (verbatim_themes, authors, COLLEGES[college_codes[authors]], stances),
        "votes": (vote_themes, voters, COLLEGES[college_codes[voters]], votes),
        "votes_by_opinion": (
            vote_themes,
            voters,
            OPINION_GROUPS[opinion_group_codes[voters]],
            votes,
        ),
    }


def timed(seconds: dict, name: str, function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    seconds[name] = time.perf_counter() - started
    return value


def verdict_path(data: dict, n_themes: int, seconds: dict) -> dict:
    """The path the app runs: positions per person, evidence per theme, verdicts."""
    theme_ids = range(n_themes)
    rows = {
        name: timed(seconds, f"positions ({name})", person_positions_by_theme, *data[name])
        for name in ("votes", "votes_by_opinion", "stances")
    }
    evidences = {
        (source, grouping): timed(
            seconds,
            f"evidence ({source} by {grouping})",
            evidence_by_theme,
            *rows[name],
            source=source,
            grouping=grouping,
            theme_ids=theme_ids,
        )
        for name, source, grouping in (
            ("votes", "votes", "college"),
            ("votes_by_opinion", "votes", "opinion_group"),
            ("stances", "stances", "college"),
        )
    }
    per_theme = {theme: [by_theme[theme] for by_theme in evidences.values()] for theme in theme_ids}
    return timed(seconds, "verdicts", verdicts_by_theme, per_theme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbatims", type=int, default=100_000)
    parser.add_argument("--themes", type=int, default=200)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()

    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
        f"{os.cpu_count()} cores, seed {args.seed}\n"
    )
    started = time.perf_counter()
    data = consultation(args.seed, args.verbatims, args.themes, args.votes, args.people)
    print(
        f"Built {args.verbatims:,} verbatims in {args.themes} themes, {args.votes:,} votes by "
        f"{args.people:,} people in {len(COLLEGES)} colleges "
        f"({time.perf_counter() - started:.1f} s, not counted)\n"
    )

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    verdicts = verdict_path(data, args.themes, seconds)
    total = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print("| stage | seconds |")
    print("| --- | --- |")
    for name, value in seconds.items():
        print(f"| {name} | {value:.2f} |")
    print(f"| **whole path** | **{total:.2f}** |\n")
    print(f"Peak RSS: {peak:,.0f} MB (the whole process, data included)\n")

    labels = Counter(v.label for v in verdicts.values())
    print("Verdicts: " + ", ".join(f"{LABELS[k]} {labels[k]}" for k in LABELS))
    print("\n| planted profile | themes | judged as expected | verdicts |")
    print("| --- | --- | --- | --- |")
    for profile in PROFILES:
        themes = [t for t, p in enumerate(data["profiles"]) if p == profile]
        found = Counter(verdicts[t].label for t in themes)
        hits = found[EXPECTED[profile]]
        spread = ", ".join(f"{LABELS[k]} {n}" for k, n in found.most_common())
        print(f"| {profile} | {len(themes)} | {hits / max(len(themes), 1):.0%} | {spread} |")
    example = next((v for v in verdicts.values() if v.label == "divergent"), None)
    if example is not None:
        print(f"\nA divergent theme's first reason: {example.reasons[0].text}")
    print(f"\nWhole path: {total:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
