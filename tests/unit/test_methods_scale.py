"""Methods on profiles that used to exhaust memory or time (issue 18).

The memory tests run in a subprocess capped with ``RLIMIT_AS`` at 500 MB: on
the old Ranked Pairs search (a frozenset of remaining pairs per child) the
cyclic profile grew without bound and died with MemoryError. The small
correctness version of tests/bench/bench_methods_scale.py checks that the
compiled and numpy kernels, and the old float Floyd–Warshall, agree.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from voting.aggregation import Profile, tally
from voting.aggregation import paths as kernels

ROOT = Path(__file__).parents[2]
BENCH = ROOT / "tests" / "bench" / "bench_methods_scale.py"

CAPPED = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (500 * 2**20, 500 * 2**20))
import numpy as np
from voting.aggregation import Profile, tally
{build}
t = tally(p, "ranked_pairs")
print(json.dumps({{"exact": t.exact, "winner": t.winner, "notes": t.notes,
                  "reason": t.winner_reason, "tiers": len(t.ranking)}}))
"""

CYCLIC = """
m = 100
p = Profile(range(m), [([[(i + k) % m] for k in range(m)], 1) for i in range(3)])
"""

# Four judges ranking noisy versions of one order, truncated: the shape of
# PrefLib 00010-00000002.soi (170 ski jumpers, 4 voters).
SKI = """
rng = np.random.default_rng(1)
ballots = []
for v in range(4):
    o = np.argsort(np.arange(170) + rng.normal(0, 30, 170))[: rng.integers(60, 170)]
    ballots.append(([[int(x)] for x in o], 1))
p = Profile(range(170), ballots)
"""


def run_capped(build):
    code = textwrap.dedent(CAPPED.format(build=textwrap.dedent(build)))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("build", [CYCLIC, SKI], ids=["cyclic-100x3", "ski-170x4"])
def test_ranked_pairs_reaches_its_bound_under_500_mb(build):
    out = run_capped(build)
    assert out["exact"] is False
    assert any("exceeded the search bound" in n for n in out["notes"])
    # No Condorcet winner here, so the inexact result names no winner
    assert out["winner"] is None and "approximate" in out["reason"]


def test_ranked_pairs_memory_bound_is_reported(monkeypatch):
    import voting.aggregation.ranked_pairs as rp

    m = 9
    p = Profile(range(m), [([[(i + k) % m] for k in range(m)], 1) for i in range(3)])
    monkeypatch.setattr(rp, "RANKED_PAIRS_MEMORY", 3 * m * 8)
    t = tally(p, "ranked_pairs")
    assert not t.exact and "MB of search states" in t.notes[0]
    assert t.winner is None and t.to_dict()["winner_reason"]


def test_inexact_result_keeps_a_proven_condorcet_winner(monkeypatch):
    import voting.aggregation.ranked_pairs as rp

    # 0 beats everyone; 1..6 form cycles with equal margins
    m = 7
    cyc = [[[0]] + [[1 + (i + k) % 6] for k in range(6)] for i in range(3)]
    p = Profile(range(m), [(c, 1) for c in cyc])
    monkeypatch.setattr(rp, "RANKED_PAIRS_STATE_LIMIT", 2)
    t = tally(p, "ranked_pairs")
    assert not t.exact and t.winner == 0 and t.winner_reason is None


def test_kemeny_local_search_stops_at_its_budget():
    rng = np.random.default_rng(3)
    m = 60
    ballots = [([[int(x)] for x in rng.permutation(m)], 1) for _ in range(7)]
    t = tally(Profile(range(m), ballots), "kemeny", time_budget=0.0)
    assert not t.exact and "time budget of 0 s" in t.notes[0]
    assert len(t.ranking) == m


def test_progress_callback_names_the_steps():
    calls = []
    p = Profile(range(5), [([[0], [1], [2]], 2), ([[3], [4]], 1)])
    tally(p, "schulze", progress=lambda *a: calls.append(a))
    assert calls[-1] == ("strongest paths", 5, 5)
    assert {c[0] for c in calls} >= {"links", "strongest paths"}


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_methods_scale", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bench_profiles_and_kernels_agree(monkeypatch):
    bench = load_bench()
    p = bench.synth(450, n=40, seed=2)
    assert p.m == 450 and (p.ranked.sum(axis=1) < 450).all()
    monkeypatch.setattr(kernels, "COMPILED_FROM", 0)
    compiled = tally(p, "schulze")  # the numba kernel
    monkeypatch.setattr(kernels, "COMPILED_FROM", 10**9)
    plain = tally(p, "schulze")
    assert compiled.ranking == plain.ranking
    old = bench.old_schulze_beats(p.pairwise, p.tolerance)
    assert compiled.scores == {
        o: float(v) for o, v in zip(p.options, old.sum(1), strict=True)
    }
    for name in bench.METHODS:
        t = tally(p, name, time_budget=0.5)
        assert sorted(o for tier in t.ranking for o in tier) == list(p.options)


def test_compiled_and_plain_locking_agree(monkeypatch):
    rng = np.random.default_rng(5)
    m = 80
    xs, ys = rng.integers(0, m, 400), rng.integers(0, m, 400)
    keep = xs != ys
    xs, ys = xs[keep], ys[keep]
    a, b = kernels.empty_reach(m), kernels.empty_reach(m)
    skipped = kernels.lock_sequence(a, xs, ys)  # compiled (m >= 64)
    monkeypatch.setattr(kernels, "_KERNELS", [None])
    plain = sum(
        not kernels.lock(b, int(x), int(y)) for x, y in zip(xs, ys, strict=True)
    )
    assert skipped == plain and (a == b).all()
