"""Every method at 1,000 and 5,904 options: time and peak memory.

Seeded synthetic profiles shaped like PrefLib ``00041-00000001.soi`` (5,904
alternatives, 130 voters, truncated strict ballots): each voter ranks 20 to
400 options drawn with Pareto-skewed popularity. Each method runs in its own
subprocess, so the peak resident memory (``ru_maxrss``) is that method's
(plus the interpreter, numpy and the profile). The old float64
Floyd–Warshall Schulze is kept callable here for a ratio at 1,000 options
(at 5,904 it took 812 s in the issue's measurement, so it is not rerun).

    PYTHONPATH=. python tests/bench/bench_methods_scale.py [--sizes 1000,5904]
        [--methods schulze,...] [--old]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

METHODS = ("schulze", "ranked_pairs", "copeland", "borda", "irv", "kemeny", "mean_rank")


def synth(m, n=130, seed=0):
    """A truncated-ballot profile of the 00041 shape (seeded)."""
    from voting.aggregation import Profile

    rng = np.random.default_rng(seed)
    pop = rng.pareto(1.2, m) + 1
    pop /= pop.sum()
    ranks = np.full((n, m), m, dtype=np.int16)
    for v in range(n):
        k = int(min(m, rng.integers(20, 400)))
        chosen = rng.choice(m, size=k, replace=False, p=pop)
        ranks[v, chosen] = np.arange(k)
    return Profile.from_arrays(range(1, m + 1), ranks, np.ones(n))


def old_schulze_beats(P, tol):
    """The Floyd–Warshall of main before issue 18 (float64, a new m x m
    temporary per pivot), for the ratio."""
    win = P > P.T + tol
    s = np.where(win, P, 0.0)
    np.fill_diagonal(s, 0.0)
    for k in range(P.shape[0]):
        np.maximum(s, np.minimum(s[:, k : k + 1], s[k : k + 1, :]), out=s)
    np.fill_diagonal(s, 0.0)
    return s > s.T + tol


def child(m, name, seed):
    """Run one method in this process; print one JSON line."""
    import resource

    from voting.aggregation import tally

    p = synth(m, seed=seed)
    t0 = time.perf_counter()
    p.pairwise  # noqa: B018 - built once, timed apart
    t_pair = time.perf_counter() - t0
    t0 = time.perf_counter()
    if name == "old_schulze":
        beats = old_schulze_beats(p.pairwise, p.tolerance)
        out = {"top": int(np.flatnonzero(~beats.any(axis=0))[0]) + 1, "exact": True}
    else:
        t = tally(p, name)
        out = {"top": t.ranking[0][:3], "winner": t.winner, "exact": t.exact}
    out["seconds"] = time.perf_counter() - t0
    out["pairwise_seconds"] = t_pair
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def run(m, name, seed=0, timeout=900):
    cmd = [sys.executable, __file__, "--child", str(m), name, str(seed)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout {timeout} s"}
    if r.returncode:
        return {"error": (r.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,5904")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--old", action="store_true", help="old Schulze at 1,000")
    ap.add_argument("--child", nargs=3, metavar=("M", "METHOD", "SEED"))
    a = ap.parse_args(argv)
    if a.child:
        child(int(a.child[0]), a.child[1], int(a.child[2]))
        return
    print(f"{'options':>7} {'method':<14} {'seconds':>8} {'peak MB':>8}  result")
    for m in map(int, a.sizes.split(",")):
        names = a.methods.split(",")
        if a.old and m <= 1000:
            names.append("old_schulze")
        res = {}
        for name in names:
            r = res[name] = run(m, name)
            if "error" in r:
                print(f"{m:>7} {name:<14} {'-':>8} {'-':>8}  {r['error']}")
                continue
            print(
                f"{m:>7} {name:<14} {r['seconds']:>8.2f} {r['peak_mb']:>8.0f}  "
                f"top {r['top']} exact={r['exact']} winner={r.get('winner')} "
                f"(pairwise {r['pairwise_seconds']:.2f} s)",
                flush=True,
            )
        if "old_schulze" in res and "seconds" in res.get("schulze", {}):
            ratio = res["old_schulze"]["seconds"] / res["schulze"]["seconds"]
            print(f"{m:>7} Schulze old / new: {ratio:.1f}x")


if __name__ == "__main__":
    main()
