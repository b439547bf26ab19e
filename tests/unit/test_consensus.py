"""Kendall's W, the two-thirds share, spread and method agreement."""

import importlib
import random

import numpy as np
import pytest

from voting.aggregation import Profile, tally, tally_all
from voting.aggregation.consensus import (
    chi2_sf,
    consensus_report,
    kendall_tau_b,
    kendall_w,
    method_agreement,
    spread,
    supermajority_share,
    top_k_set,
)

from .test_profile import random_ballots


def strict(*orders, w=1):
    return [([[x] for x in o], w) for o in orders]


def test_perfect_agreement_and_perfect_disagreement():
    p = Profile("abcd", strict("abcd", "abcd", "abcd"))
    kw = kendall_w(p)
    assert kw["w"] == pytest.approx(1.0) and kw["df"] == 3
    assert kw["chi2"] == pytest.approx(9.0)
    q = Profile("ab", strict("ab", "ba"))
    assert kendall_w(q)["w"] == pytest.approx(0.0)
    assert kendall_w(q)["p_value"] == pytest.approx(1.0)


def test_tie_correction_matches_formula():
    # judge 1: a > b = c ; judge 2: a = b > c (mid-ranks 1, 2.5, 2.5 / 1.5, 1.5, 3)
    p = Profile("abc", [([["a"], ["b", "c"]], 1), ([["a", "b"], ["c"]], 1)])
    R = np.array([2.5, 4.0, 5.5])
    S = ((R - R.mean()) ** 2).sum()
    T = 2 * (2**3 - 2)
    w = 12 * S / (4 * (27 - 3) - 2 * T)
    assert kendall_w(p)["w"] == pytest.approx(w)


def test_weights_act_as_repeated_judges():
    rng = random.Random(0)
    ballots = [(t, 2) for t, _ in random_ballots(rng, list("abcde"), 10)]
    a = kendall_w(Profile("abcde", ballots))
    b = kendall_w(Profile("abcde", [(t, 1) for t, _ in ballots] * 2))
    assert a["w"] == pytest.approx(b["w"]) and a["p_value"] == pytest.approx(
        b["p_value"]
    )


def test_undefined_cases():
    assert kendall_w(Profile(["a"], strict("a")))["w"] is None
    assert kendall_w(Profile("ab", []))["w"] is None
    assert kendall_w(Profile("ab", [([["a", "b"]], 1)]))["w"] is None
    assert supermajority_share(Profile(["a"], [])) is None
    assert spread(Profile("ab", [])) == {"a": None, "b": None}


@pytest.mark.parametrize("df", [1, 2, 3, 5, 9, 20])
def test_chi2_sf_against_scipy(df):
    stats = importlib.import_module("scipy.stats")
    for x in [0.0, 0.1, 1.0, 3.0, 7.5, 20.0, 60.0]:
        assert chi2_sf(x, df) == pytest.approx(
            stats.chi2.sf(x, df), rel=1e-9, abs=1e-15
        )


def test_supermajority_and_spread():
    p = Profile("abc", strict("abc", "abc", "bac"))
    # a>b 2/3 (yes), a>c 3/3, b>c 3/3
    assert supermajority_share(p) == 1.0
    q = Profile("abc", strict("abc", "bac"))
    assert supermajority_share(q) == pytest.approx(2 / 3)
    s = spread(Profile("abc", strict("abc", "abc", "cba", "abc")))
    assert s["b"] == 0.0 and s["a"] == 0.0
    report = consensus_report(p)
    assert set(report) == {
        "kendall_w",
        "chi2",
        "df",
        "p_value",
        "supermajority_share",
        "spread",
    }


def test_tau_b_and_top_k():
    assert kendall_tau_b([1, 2, 3], [1, 2, 3]) == 1.0
    assert kendall_tau_b([1, 2, 3], [3, 2, 1]) == -1.0
    assert kendall_tau_b([1, 1, 1], [1, 2, 3]) is None
    stats = importlib.import_module("scipy.stats")
    rng = random.Random(4)
    for _ in range(20):
        a = [rng.randint(1, 4) for _ in range(6)]
        b = [rng.randint(1, 4) for _ in range(6)]
        ref = stats.kendalltau(a, b).statistic
        got = kendall_tau_b(a, b)
        if np.isnan(ref):
            assert got is None
        else:
            assert got == pytest.approx(ref)
    p = Profile("abcd", [([["a"], ["b", "c"], ["d"]], 1)])
    t = tally(p, "borda")
    assert top_k_set(t, 2) == {"a", "b", "c"}  # the tie spans position 2


def test_method_agreement_table():
    p = Profile("abcd", strict("abcd", "bacd", "abdc", w=1))
    ts = tally_all(p)
    agree = method_agreement(ts, k=2)
    n = len(ts)
    assert agree["k"] == 2 and len(agree["pairs"]) == n * (n - 1) // 2
    assert all(agree["top_k_same"][i][i] for i in range(n))
    assert all(agree["kendall_tau"][i][i] == 1.0 for i in range(n))


def test_spread_matches_numpy_weighted_quantiles():
    rng = random.Random(11)
    for _ in range(20):
        ballots = [
            (t, rng.choice([1, 2, 3, 0.5]))
            for t, _ in random_ballots(rng, list("abcdef"), 25)
        ]
        p = Profile("abcdef", ballots)
        q = np.quantile(
            p.positions + 1,
            [0.25, 0.75],
            axis=0,
            weights=p.weights,
            method="inverted_cdf",
        )
        got = spread(p)
        for i, o in enumerate(p.options):
            assert got[o] == pytest.approx(q[1, i] - q[0, i])
