"""Benchmark the opinion groups (Polis's algorithm): speed on a large synthetic conversation, and
agreement with Polis's own results on real ones.

Run from the project's root:  .venv/bin/python bench/opinion.py [--participants 2000]
                                  [--comments 1000] [--density 0.1] [--seed 0] [--repeat 3]
                              .venv/bin/python bench/opinion.py --polis [--window 60]
                              .venv/bin/python bench/opinion.py --cadence [--windows 5,10,60]

Speed: participants drawn from 3 latent opinion camps (each camp has its own chance to agree with
each comment), each voting on a random share of the comments (10 % by default), 20 % of votes
passes, in random order of time. `analyse_opinion` is timed end to end — vote matrix, PCA,
projection, base clusters, groups for k = 2..5 and their silhouettes, then every per-comment
statistic (majority, group-informed consensus, representative and divisive comments). The first
call in the process also pays for importing scikit-learn (the silhouette); it is shown apart.
Peak memory: tracemalloc's peak during one call (numpy's arrays included), and the process's
peak RSS.

--polis: per conversation — the 5 Polis math fixtures and the 2 opendata exports in
../shared/data/polis — our groups against Polis's (number, adjusted Rand index on the
participants both cluster, who is clustered by whom), then, given Polis's own groups, the largest
error of our group-informed consensus and whether our representative comments and majority
statements are Polis's repness and consensus. The exports hold Polis's groups but not its math,
so those three are "—" for them. Last, the same comparison for our groups when Polis's updates
are replayed from the votes' times (nlp/opinion_history.py), every --window seconds of votes.

--cadence: the replay at each of --windows, against Polis's groups and against itself (ARI
between the replays of every pair of windows): how much the groups depend on when updates ran.

It measures and prints; it passes or fails nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from nlp.opinion import (
    analyse_opinion,
    comment_statistics,
    group_informed_consensus,
    majority_statements,
    representative_comments,
    vote_matrix,
)

ROOT = Path(__file__).resolve().parents[1]
POLIS = ROOT.parent / "shared" / "data" / "polis"
EXPORTS = ("brexit-consensus", "15-per-hour-seattle")
CAMPS = 3
PASS_SHARE = 0.2


def synthetic_votes(seed: int, n_participants: int, n_comments: int, density: float):
    """(votes as (participant, comment, vote) in time order, each participant's camp)."""
    rng = np.random.default_rng(seed)
    camp_of = rng.integers(0, CAMPS, n_participants)
    # Each camp's chance to agree with each comment (among those who do not pass): most comments
    # split the camps, some unite them.
    agree = rng.choice([0.1, 0.5, 0.9], size=(CAMPS, n_comments), p=[0.4, 0.2, 0.4])
    participants, comments = np.nonzero(rng.random((n_participants, n_comments)) < density)
    votes = np.where(rng.random(len(participants)) < agree[camp_of[participants], comments], 1, -1)
    votes[rng.random(len(votes)) < PASS_SHARE] = 0
    order = rng.permutation(len(votes))
    triples = list(zip(participants[order].tolist(), comments[order].tolist(),
                       votes[order].tolist(), strict=True))
    return triples, camp_of


def speed(args) -> None:
    started = time.perf_counter()
    votes, camp_of = synthetic_votes(args.seed, args.participants, args.comments, args.density)
    print(f"Built {args.participants:,} participants × {args.comments:,} comments, {len(votes):,} "
          f"votes ({len(votes) / args.participants / args.comments:.1%} of cells), {CAMPS} camps "
          f"({time.perf_counter() - started:.1f} s, not counted)\n")
    comment_ids = list(range(args.comments))

    started = time.perf_counter()
    result = analyse_opinion(votes, comment_ids)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        analyse_opinion(votes, comment_ids)
        warm.append(time.perf_counter() - started)
    stages = stage_seconds(votes, comment_ids)
    tracemalloc.start()
    analyse_opinion(votes, comment_ids)
    _current, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    from sklearn.metrics import adjusted_rand_score  # after the first call, which pays for it

    print("| measure | value |")
    print("| --- | --- |")
    print(f"| first call (scikit-learn imported on the way) | {cold:.2f} s |")
    print(f"| later calls, median of {args.repeat} | {statistics.median(warm):.2f} s |")
    for name, seconds in stages.items():
        print(f"| … {name} | {seconds:.2f} s |")
    print(f"| peak memory of one call (tracemalloc) | {traced / 2**20:,.0f} MB |")
    print(f"| peak RSS of the process (data included) | {rss:,.0f} MB |\n")

    groups = result.groups
    clustered = np.array(groups.participant_ids)
    print(f"{len(clustered):,} clustered, {groups.k} groups "
          f"(sizes {sorted(map(len, groups.members().values()), reverse=True)}), silhouettes "
          + ", ".join(f"k={k} {s:.3f}" for k, s in groups.silhouettes.items()))
    print(f"ARI against the {CAMPS} latent camps: "
          f"{adjusted_rand_score(camp_of[clustered], groups.labels):.3f}")
    print(f"\nWhole analysis: {statistics.median(warm):.2f} s (first call {cold:.2f} s)")
    if args.replay_updates:
        # The same votes, one every 3 s (about a week), replayed in at most that many updates.
        times = [3.0 * i for i in range(len(votes))]
        started = time.perf_counter()
        replay = analyse_opinion(votes, comment_ids, times=times,
                                 max_updates=args.replay_updates)
        seconds = time.perf_counter() - started
        camps = camp_of[np.array(replay.groups.participant_ids)]
        print(f"Replay of Polis's updates: {replay.groups.updates} updates in {seconds:.1f} s "
              f"({seconds / replay.groups.updates:.2f} s per update), {replay.groups.k} groups, "
              f"ARI against the camps {adjusted_rand_score(camps, replay.groups.labels):.3f}")
    if args.compare_exact:
        compare_exact(votes)


def compare_exact(votes) -> None:
    """The two leading axes (what groups.principal_components computes beyond EXACT_UP_TO
    comments) against the full eigendecomposition, on the same matrix, in the same run."""
    from nlp.opinion import groups
    from nlp.opinion.groups import principal_components, vote_matrix

    values = vote_matrix(votes).values
    timed = {}
    for name, limit in (("two leading axes (svds)", 0), ("full eigh", 10**9)):
        groups.EXACT_UP_TO = limit
        started = time.perf_counter()
        timed[name] = (principal_components(values), time.perf_counter() - started)
    groups.EXACT_UP_TO = 2000
    (_c, ours), fast = timed["two leading axes (svds)"]
    (_c, exact), slow = timed["full eigh"]
    print(f"\nPCA of the {values.shape[0]:,} × {values.shape[1]:,} matrix: two leading axes "
          f"{fast:.2f} s, full eigh {slow:.2f} s (ratio {slow / fast:,.0f}); largest difference "
          f"between their axes {np.abs(ours - exact).max():.1e}")


def stage_seconds(votes, comment_ids) -> dict[str, float]:
    """The same work as analyse_opinion, timed by stage."""
    from nlp.opinion import opinion_groups

    seconds = {}
    started = time.perf_counter()
    matrix = vote_matrix(votes, comment_ids)
    seconds["vote matrix"] = time.perf_counter() - started
    started = time.perf_counter()
    groups = opinion_groups(matrix)
    seconds["groups (PCA, k-means, silhouettes)"] = time.perf_counter() - started
    started = time.perf_counter()
    row = {p: i for i, p in enumerate(matrix.participant_ids)}
    values = matrix.values[[row[p] for p in groups.participant_ids]]
    stats = comment_statistics(values, groups.labels, matrix.comment_ids)
    group_informed_consensus(stats)
    representative_comments(stats)
    majority_statements(matrix.values, matrix.comment_ids)
    seconds["per-comment statistics"] = time.perf_counter() - started
    return seconds


# --polis


def polis_conversations():
    """(name, votes, comment ids, moderated out, Polis's groups, Polis's math or None, times)."""
    sys.path.insert(0, str(ROOT))  # the fixture reader is shared with the tests
    from tests.polis_fixtures import fixture_folders, load_fixture

    for folder in fixture_folders(POLIS / "polis-math-fixtures"):
        fx = load_fixture(folder)
        yield (fx.name, fx.votes, fx.comment_ids, fx.moderated_out, fx.polis_groups(), fx.math,
               fx.times)
    from consult.formats.polis import OLDEST, read_polis_export

    for name in EXPORTS:
        export = read_polis_export(POLIS / "opendata" / name)
        votes = sorted(export.votes, key=lambda vote: vote.created_at or OLDEST)
        with open(POLIS / "opendata" / name / "participants-votes.csv", encoding="utf-8",
                  newline="") as handle:
            groups = {int(row["participant"]): int(row["group-id"])
                      for row in csv.DictReader(handle) if row["group-id"]}
        yield (name, [(v.voter_id, v.comment_id, v.vote) for v in votes],
               sorted(c.comment_id for c in export.comments),
               [c.comment_id for c in export.comments if c.moderated == -1], groups, None,
               [v.created_at.timestamp() for v in votes])


def given_polis_groups(votes, comment_ids, moderated_out, polis: dict, math: dict) -> list[str]:
    """GAC max error, repness and consensus agreement, from Polis's own groups."""
    matrix = vote_matrix(votes, comment_ids)
    group_ids = sorted(set(polis.values()))
    row = {p: i for i, p in enumerate(matrix.participant_ids)}
    members = [p for p in matrix.participant_ids if p in polis]
    stats = comment_statistics(matrix.values[[row[p] for p in members]],
                               [group_ids.index(polis[p]) for p in members], comment_ids)
    consensus = group_informed_consensus(stats)
    error = max(abs(consensus[int(c)] - v) for c, v in math["group-aware-consensus"].items())

    chosen = representative_comments(stats, moderated_out)
    total = same_ids = same_directions = 0
    for g, group_id in enumerate(group_ids):
        theirs = [(r["tid"], r["repful-for"]) for r in math["repness"][str(group_id)]]
        ours = [(s.comment_id, s.direction) for s in chosen[g]]
        total += len(theirs)
        if [c for c, _ in ours] == [c for c, _ in theirs]:
            same_ids += len(theirs)
        same_directions += sum(a == b for a, b in zip(ours, theirs, strict=False))
    repness = f"{same_ids}/{total} ids in order, {same_directions}/{total} directions"

    majority = majority_statements(matrix.values, comment_ids, moderated_out)
    matches = [[s.comment_id for s in majority[d]] == [r["tid"] for r in math["consensus"][d]]
               for d in ("agree", "disagree")]
    counts = "+".join(str(len(math["consensus"][d])) for d in ("agree", "disagree"))
    majority_text = f"{'same' if all(matches) else 'differs'} ({counts})"
    return [f"{error:.1e}", repness, majority_text]


def agreement(ours: dict, polis: dict) -> tuple[float, int, int, int]:
    """(ARI on the participants both cluster, how many both / only Polis / only we cluster)."""
    from sklearn.metrics import adjusted_rand_score

    both = [p for p in ours if p in polis]
    ari = adjusted_rand_score([polis[p] for p in both], [ours[p] for p in both])
    return ari, len(both), sum(p not in ours for p in polis), len(ours) - len(both)


def labels_of(result) -> dict:
    return dict(zip(result.groups.participant_ids, result.groups.labels, strict=True))


def polis(args) -> None:
    print("One update on all the votes, then (last columns) Polis's updates replayed every "
          f"{args.window:g} s of votes.\n")
    print("| conversation | participants | comments | groups ours / Polis | ARI "
          "| clustered both / only Polis / only us | GAC max error | repness | consensus "
          "| replay: groups | replay: ARI | replay: both / only Polis / only us "
          "| replay: updates, seconds |")
    print("|" + " --- |" * 13)
    for name, votes, comment_ids, moderated_out, groups, math, times in polis_conversations():
        result = analyse_opinion(votes, comment_ids, moderated_out)
        ari, both, only_polis, only_ours = agreement(labels_of(result), groups)
        given = given_polis_groups(votes, comment_ids, moderated_out, groups, math) if math \
            else ["—", "—", "—"]
        started = time.perf_counter()
        replay = analyse_opinion(votes, comment_ids, moderated_out, times=times,
                                 window=args.window)
        seconds = time.perf_counter() - started
        r_ari, r_both, r_only_polis, r_only_ours = agreement(labels_of(replay), groups)
        print(f"| {name} | {result.n_participants} | {len(comment_ids)} "
              f"| {result.groups.k} / {len(set(groups.values()))} | {ari:.3f} "
              f"| {both} / {only_polis} / {only_ours} | " + " | ".join(given) +
              f" | {replay.groups.k} / {len(set(groups.values()))} | {r_ari:.3f} "
              f"| {r_both} / {r_only_polis} / {r_only_ours} "
              f"| {replay.groups.updates}, {seconds:.1f} s |", flush=True)


def cadence(args) -> None:
    """The replay at several update windows: against Polis, and against itself."""
    import itertools

    from sklearn.metrics import adjusted_rand_score

    windows = [float(w) for w in args.windows.split(",")]
    print("ARI against Polis's groups (groups found) for each update window, then the replays'"
          " agreement with one another (ARI over every pair of windows).\n")
    print("| conversation | " + " | ".join(f"{w:g} s" for w in windows)
          + " | self-agreement min / median |")
    print("|" + " --- |" * (len(windows) + 2))
    for name, votes, comment_ids, moderated_out, groups, _math, times in polis_conversations():
        found = {}
        cells = []
        for window in windows:
            # No cap on the number of updates here: each window is replayed as it is.
            replay = analyse_opinion(votes, comment_ids, moderated_out, times=times,
                                     window=window, max_updates=100_000)
            found[window] = labels_of(replay)
            cells.append(f"{agreement(found[window], groups)[0]:.3f} ({replay.groups.k})")
        pairs = []
        for a, b in itertools.combinations(windows, 2):
            both = [p for p in found[a] if p in found[b]]
            pairs.append(adjusted_rand_score([found[a][p] for p in both],
                                             [found[b][p] for p in both]))
        print(f"| {name} | " + " | ".join(cells)
              + f" | {min(pairs):.3f} / {statistics.median(pairs):.3f} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--density", type=float, default=0.1, help="share of cells voted")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-exact", action="store_true",
                        help="also time the full eigendecomposition against the two axes")
    parser.add_argument("--replay-updates", type=int, default=0,
                        help="also time a replay of Polis's updates, with at most this many")
    parser.add_argument("--polis", action="store_true",
                        help="agreement with Polis's results on real conversations")
    parser.add_argument("--window", type=float, default=60.0,
                        help="with --polis: seconds of votes per replayed update")
    parser.add_argument("--cadence", action="store_true",
                        help="the replay's agreement with Polis and itself across windows")
    parser.add_argument("--windows", default="5,10,20,30,60,120",
                        help="with --cadence: the update windows, in seconds")
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{os.cpu_count()} cores, seed {args.seed}\n")
    if args.cadence:
        cadence(args)
    elif args.polis:
        polis(args)
    else:
        speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
