"""Benchmark of the aggregation engine, with pref_voting on the same ballots.

Run: ``python tests/bench/bench_aggregation.py [--quick] [--no-pref-voting]``.
Not collected by pytest (its name does not start with ``test_``);
``tests/unit/test_bench.py`` runs a tiny configuration for correctness.

Profiles: 1,000 / 10,000 / 100,000 random ballots over 5 / 12 / 20 options,
either strict complete orders or weak orders with ties and unranked tails.
For each, per method: wall time from the Python ballot list to the result
(profile build included), peak memory of that computation (tracemalloc,
measured in a separate run so that tracing does not slow the timing; the
time is the best of ``--repeat`` runs), and
pref_voting's time on the same ballots (its profile build included) with the
ratio. Configurations known to be infeasible for pref_voting are skipped and
say so: Kemeny above 9 options (it enumerates permutations), and any call
that exceeds the per-call budget (``--pv-budget``, default 120 s; its
default Ranked Pairs enumerates lock orders).
"""

from __future__ import annotations

import argparse
import gc
import random
import signal
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from voting.aggregation import Profile, tally  # noqa: E402
from voting.aggregation.consensus import consensus_report, method_agreement  # noqa: E402

OURS = ["schulze", "ranked_pairs", "copeland", "borda", "irv", "mean_rank"]


def make_ballots(n, m, ties, seed=0):
    """n random ballots over options 0..m-1 as ``(tiers, 1)`` Python lists."""
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n, m)), axis=1)
    if not ties:
        return [([[int(x)] for x in row], 1) for row in perms.tolist()]
    lengths = rng.integers(1, m + 1, size=n)  # ranked prefix length
    cuts = rng.random((n, m)) < 0.7  # a new tier starts after position i
    ballots = []
    for row, k, cut in zip(
        perms.tolist(), lengths.tolist(), cuts.tolist(), strict=True
    ):
        tiers, cur = [], []
        for i in range(k):
            cur.append(row[i])
            if cut[i] or i == k - 1:
                tiers.append(cur)
                cur = []
        ballots.append((tiers, 1))
    return ballots


def ours_all(ballots, m):
    """The whole ``--method all`` report, Kemeny excluded."""
    p = Profile(range(m), ballots)
    ts = {name: tally(p, name) for name in OURS}
    consensus_report(p)
    method_agreement(ts, 3)
    return ts


def ours_one(ballots, m, name):
    return tally(Profile(range(m), ballots), name)


def timed(fn, *args):
    gc.collect()
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def best_of(repeat, fn, *args):
    """Least wall time of ``repeat`` runs (shared machines are noisy)."""
    runs = [timed(fn, *args) for _ in range(max(1, repeat))]
    return min(r[0] for r in runs), runs[0][1]


def peak_mb(fn, *args):
    gc.collect()
    tracemalloc.start()
    fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


class Budget(Exception):
    pass


def _alarm(signum, frame):
    raise Budget


def with_budget(seconds, fn, *args):
    """Run fn under SIGALRM; None if it takes longer than ``seconds``."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(seconds))
    try:
        return timed(fn, *args)
    except Budget:
        return None
    finally:
        signal.alarm(0)


def pv_build(ballots, m, ties):
    from pref_voting.profiles import Profile as PVProfile
    from pref_voting.profiles_with_ties import ProfileWithTies

    if not ties:
        return PVProfile([[t[0] for t in r] for r, _ in ballots])
    prof = ProfileWithTies(
        [{x: i + 1 for i, t in enumerate(r) for x in t} for r, _ in ballots],
        candidates=list(range(m)),
    )
    prof.use_extended_strict_preference()  # = unranked tied last
    return prof


def pv_method(name, ties):
    from pref_voting.c1_methods import copeland
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.margin_based_methods import beat_path, ranked_pairs
    from pref_voting.other_methods import kemeny_young
    from pref_voting.scoring_methods import (
        borda,
        borda_for_profile_with_ties,
        symmetric_borda_scores,
    )

    if name == "borda":
        if ties:
            return lambda p: borda_for_profile_with_ties(
                p, borda_scores=symmetric_borda_scores
            )
        return borda
    if name == "irv" and ties:
        return lambda p: instant_runoff(p, score_method="split")
    return {
        "schulze": beat_path,
        "ranked_pairs": ranked_pairs,
        "copeland": copeland,
        "irv": instant_runoff,
        "kemeny": kemeny_young,
    }.get(name)


def fmt_s(x):
    if x is None:
        return "-"
    return f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s"


def main(argv=None):
    # Objects alive before the run (a test process holds many) are frozen out
    # of the collections that precede each timing: those then cost what the
    # bench's own garbage costs, as in a fresh process.
    gc.freeze()
    try:
        return _main(argv)
    finally:
        gc.unfreeze()


def _main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 only")
    ap.add_argument("--no-pref-voting", action="store_true")
    ap.add_argument("--pv-budget", type=float, default=120.0)
    ap.add_argument("--sizes", default=None, help="e.g. 1000x5,100000x20")
    ap.add_argument("--repeat", type=int, default=3, help="best of N (ours)")
    ap.add_argument("--kemeny-sizes", default="5,12,20", help="e.g. 5,12,20")
    args = ap.parse_args(argv)
    if args.sizes:
        configs = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    else:
        ns = [1000, 10000] if args.quick else [1000, 10000, 100000]
        configs = [(n, m) for n in ns for m in (5, 12, 20)]
    use_pv = not args.no_pref_voting
    if use_pv:
        try:
            import pref_voting  # noqa: F401
        except ImportError:
            use_pv = False
            print("pref_voting not installed: no comparison")
    if use_pv:  # compile pref_voting's numba functions before timing
        for ties in (False, True):
            small = make_ballots(50, 4, ties)
            prof = pv_build(small, 4, ties)
            for name in ["schulze", "ranked_pairs", "copeland", "borda", "irv"]:
                pv_method(name, ties)(prof)
    random.seed(0)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    header = (
        f"{'ballots':>8} {'m':>3} {'kind':<7} {'method':<13} {'ours':>10} "
        f"{'peak MB':>8} {'pref_voting':>12} {'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    for n, m in configs:
        for ties in (False, True):
            kind = "ties" if ties else "strict"
            ballots = make_ballots(n, m, ties)
            t_all, _ = best_of(args.repeat, ours_all, ballots, m)
            mem_all = peak_mb(ours_all, ballots, m)
            pv_prof, t_build = None, None
            if use_pv:
                r = with_budget(args.pv_budget, pv_build, ballots, m, ties)
                if r is not None:
                    t_build, pv_prof = r
            rows = []
            pv_total = t_build
            timed_out = False
            for name in [*OURS, "kemeny"]:
                if name == "kemeny" and m > 20:
                    continue
                t_ours, _ = best_of(args.repeat, ours_one, ballots, m, name)
                mem = peak_mb(ours_one, ballots, m, name)
                pv_txt, ratio = "-", ""
                if use_pv and name != "mean_rank":
                    if pv_prof is None:
                        pv_txt = f">{args.pv_budget:g}s build"
                    elif name == "kemeny" and m > 9:
                        pv_txt = "infeasible"
                    else:
                        fn = pv_method(name, ties)
                        r = with_budget(args.pv_budget, fn, pv_prof)
                        if r is None:
                            timed_out = True
                            pv_txt = f">{args.pv_budget:g} s"
                            ratio = f">{(t_build + args.pv_budget) / t_ours:.0f}x"
                        else:
                            pv_t = t_build + r[0]
                            if name != "kemeny":
                                pv_total = (pv_total or 0) + r[0]
                            pv_txt = fmt_s(pv_t)
                            ratio = f"{pv_t / t_ours:.1f}x"
                rows.append((name, t_ours, mem, pv_txt, ratio))
            for name, t_ours, mem, pv_txt, ratio in rows:
                print(
                    f"{n:>8} {m:>3} {kind:<7} {name:<13} {fmt_s(t_ours):>10} "
                    f"{mem:>8.1f} {pv_txt:>12} {ratio:>8}"
                )
            line = (
                f"{n:>8} {m:>3} {kind:<7} {'ALL (no kem.)':<13} {fmt_s(t_all):>10} "
                f"{mem_all:>8.1f}"
            )
            if use_pv and pv_total is not None:
                # a method past its budget counts as the budget: a lower bound
                if timed_out:
                    pv_total += args.pv_budget
                more = ">" if timed_out else ""
                line += (
                    f" {more + fmt_s(pv_total):>12} "
                    f"{more + f'{pv_total / t_all:.1f}x':>8}"
                )
            print(line)
            print(f"{'':>8} pref_voting profile build: {fmt_s(t_build)}")
            sys.stdout.flush()
    print()
    print("Exact Kemeny (profile of 1,000 ballots with ties):")
    for m in [int(v) for v in args.kemeny_sizes.split(",")]:
        ballots = make_ballots(1000, m, True, seed=m)
        t, res = best_of(args.repeat, ours_one, ballots, m, "kemeny")
        mem = peak_mb(ours_one, ballots, m, "kemeny")
        print(f"  {m:>2} options: {fmt_s(t):>10}, peak {mem:.0f} MB, exact={res.exact}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
