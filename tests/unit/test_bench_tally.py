"""A tiny run of tests/bench/bench_tally.py, for correctness only."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from voting.aggregation import tally
from voting.aggregation.preflib import read_preflib
from voting.tally_cli import tally_command

BENCH = Path(__file__).parents[1] / "bench" / "bench_tally.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_tally", BENCH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_generated_file_reads_back_and_tallies_as_in_memory(tmp_path):
    bench = load_bench()
    path = tmp_path / "b.toi"
    profile = bench.write_file(path, 400, 6, seed=2)
    data = read_preflib(path.read_bytes(), "toi")
    assert data.voters == 400 and len(data.counts) == profile.n_distinct
    assert (data.ranks == 6).any()  # truncated ballots
    assert data.orders and any(len(t) > 1 for _c, tiers in data.orders for t in tiers)
    np.testing.assert_allclose(data.profile.pairwise, profile.pairwise)
    for method in ("schulze", "borda", "irv"):
        r = CliRunner().invoke(tally_command, [str(path), "--method", method])
        assert r.exit_code == 0, r.output
        expected = tally(profile, method).ranking
        assert json.loads(r.stdout)["ranking"] == [[o + 1 for o in t] for t in expected]


@pytest.mark.slow
def test_bench_main_runs_small(capsys):
    bench = load_bench()
    assert bench.main(["--ballots", "300", "--options", "5", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    labels = ("flask tally", "standalone", "pref_voting", "in-memory", "reader")
    for label in (*labels, "numpy start", "floor"):
        assert label in out
    assert "pref_voting / flask tally" in out and "flask tally / in-memory" in out
