"""A tiny run of tests/bench/bench_aggregation.py, for correctness only."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from voting.aggregation import Profile, tally

BENCH = Path(__file__).parents[1] / "bench" / "bench_aggregation.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_aggregation", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_profiles_are_valid():
    bench = load_bench()
    strict = bench.make_ballots(300, 6, ties=False)
    assert all(len(r) == 6 and all(len(t) == 1 for t in r) for r, _ in strict)
    ties = bench.make_ballots(300, 6, ties=True)
    assert any(len(t) > 1 for r, _ in ties for t in r)
    assert any(sum(map(len, r)) < 6 for r, _ in ties)
    p = Profile(range(6), ties)
    assert p.n_ballots == 300


def test_all_report_matches_single_tallies():
    bench = load_bench()
    ballots = bench.make_ballots(500, 7, ties=True, seed=3)
    ts = bench.ours_all(ballots, 7)
    p = Profile(range(7), ballots)
    for name, t in ts.items():
        assert t.ranking == tally(p, name).ranking
        np.testing.assert_allclose(t.pairwise, p.pairwise)


@pytest.mark.slow
def test_bench_main_runs_small(capsys):
    bench = load_bench()
    assert (
        bench.main(["--sizes", "200x5", "--no-pref-voting", "--kemeny-sizes", "5"]) == 0
    )
    out = capsys.readouterr().out
    assert "ALL (no kem.)" in out and "Exact Kemeny" in out
    assert out.count("schulze") == 2  # strict and ties rows
