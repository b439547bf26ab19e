"""Differential tests against pref_voting (a test-only dependency).

Random small profiles, strict complete and with ties / truncation. Where the
two libraries use the same convention the answers must match; where they
differ, the test pins the difference and says why.
"""

import importlib
import math
import random

import numpy as np
import pytest

from voting.aggregation import Profile, tally

pv_profiles = importlib.import_module("pref_voting.profiles")
pvt = importlib.import_module("pref_voting.profiles_with_ties")
from pref_voting.c1_methods import copeland as pv_copeland  # noqa: E402
from pref_voting.iterative_methods import instant_runoff as pv_irv  # noqa: E402
from pref_voting.iterative_methods import (  # noqa: E402
    instant_runoff_put as pv_irv_put,
)
from pref_voting.margin_based_methods import beat_path as pv_beat_path  # noqa: E402
from pref_voting.margin_based_methods import ranked_pairs as pv_ranked_pairs  # noqa: E402
from pref_voting.other_methods import kemeny_young_rankings  # noqa: E402
from pref_voting.scoring_methods import symmetric_borda_scores  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

N_STRICT = 150
N_TIES = 150


def strict_case(seed):
    rng = random.Random(seed)
    m = rng.randint(2, 6)
    n = rng.randint(1, 9)
    orders, counts = [], []
    for _ in range(n):
        o = list(range(m))
        rng.shuffle(o)
        orders.append(o)
        counts.append(rng.randint(1, 4))
    ours = Profile(
        range(m), [([[x] for x in o], c) for o, c in zip(orders, counts, strict=True)]
    )
    theirs = pv_profiles.Profile(orders, rcounts=counts)
    return m, ours, theirs


def ties_case(seed):
    rng = random.Random(10_000 + seed)
    m = rng.randint(2, 6)
    n = rng.randint(1, 9)
    ballots, dicts, counts = [], [], []
    for _ in range(n):
        k = rng.randint(1, m)
        chosen = rng.sample(range(m), k)
        tiers, i = [], 0
        while i < k:
            size = rng.randint(1, 3)
            tiers.append(chosen[i : i + size])
            i += size
        c = rng.randint(1, 4)
        ballots.append((tiers, c))
        dicts.append({x: r + 1 for r, t in enumerate(tiers) for x in t})
        counts.append(c)
    return m, ballots, dicts, counts


def pv_with_ties(dicts, counts, m, extended):
    prof = pvt.ProfileWithTies(dicts, rcounts=counts, candidates=list(range(m)))
    if extended:
        prof.use_extended_strict_preference()
    return prof


def pv_rp_feasible(M, limit=2000):
    """pref_voting's Ranked Pairs tries every order of each equal-margin group
    (the product of k! over groups), and it also locks zero-margin pairs, in
    both directions: skip it past ``limit`` orders. Ours handles those too
    (see the brute-force comparison in test_methods). Locking the zero-margin
    pairs last never changes the set of winners, so the winners still agree.
    """
    m = M.shape[0]
    vals = [M[x, y] for x in range(m) for y in range(m) if x != y and M[x, y] >= 0]
    return math.prod(math.factorial(vals.count(v)) for v in set(vals)) <= limit


def margins_of(prof, m):
    return np.array([[prof.margin(x, y) for y in range(m)] for x in range(m)], float)


# -- strict complete profiles -------------------------------------------------


@pytest.mark.parametrize("seed", range(N_STRICT))
def test_strict_profiles_agree(seed):
    m, ours, theirs = strict_case(seed)
    M = ours.margins
    np.testing.assert_array_equal(M, margins_of(theirs, m))
    # Borda: same scores (m-1 .. 0 points)
    assert tally(ours, "borda").scores == {
        c: float(s) for c, s in theirs.borda_scores().items()
    }
    # Copeland: same winners (wins - losses orders like wins + ties/2)
    assert set(tally(ours, "copeland").ranking[0]) == set(pv_copeland(theirs))
    # Schulze: every link strength agrees on complete strict ballots
    for strength in ["winning", "margin"]:
        assert set(tally(ours, "schulze", strength=strength).ranking[0]) == set(
            pv_beat_path(theirs)
        )
    # Ranked Pairs: pref_voting's winners are the parallel-universe winners
    if pv_rp_feasible(M):
        assert set(tally(ours, "ranked_pairs").details["universe_winners"]) == set(
            pv_ranked_pairs(theirs)
        )
    # Kemeny: same minimum distance; their optimal rankings' winners are in
    # our first tier, and a unique optimum is our (strict) ranking
    rankings, dist = kemeny_young_rankings(theirs)
    k = tally(ours, "kemeny")
    assert k.details["disagreement"] == dist
    firsts = {r[0] for r in rankings}
    assert firsts <= set(k.ranking[0])
    if len(rankings) == 1:
        assert [t[0] for t in k.ranking] == list(rankings[0])
    check_irv(tally(ours, "irv"), theirs, {})


# -- weak orders, possibly truncated ------------------------------------------


@pytest.mark.parametrize("seed", range(N_TIES))
def test_profiles_with_ties_agree(seed):
    m, ballots, dicts, counts = ties_case(seed)
    for unranked, extended in [("last", True), ("ignore", False)]:
        ours = Profile(range(m), ballots, unranked)
        theirs = pv_with_ties(dicts, counts, m, extended)
        # "last" is pref_voting's extended strict preference; "ignore" its default
        np.testing.assert_array_equal(ours.margins, margins_of(theirs, m))
        assert set(tally(ours, "schulze", strength="margin").ranking[0]) == set(
            pv_beat_path(theirs)
        )
        assert set(tally(ours, "copeland").ranking[0]) == set(pv_copeland(theirs))
        if pv_rp_feasible(ours.margins):
            rp = tally(ours, "ranked_pairs").details["universe_winners"]
            assert set(rp) == set(pv_ranked_pairs(theirs))
    # Borda: pref_voting's symmetric Borda (below - above) is an affine image
    # of ours on each ballot: ours = ((m - 1) + symmetric) / 2 per ballot.
    ours = Profile(range(m), ballots, "last")
    sym = symmetric_borda_scores(pv_with_ties(dicts, counts, m, True))
    total = ours.total_weight
    for c, s in tally(ours, "borda").scores.items():
        assert s == pytest.approx((total * (m - 1) + sym[c]) / 2)


@pytest.mark.parametrize("seed", range(N_TIES))
def test_winning_votes_differs_from_margins_only_with_ties(seed):
    """pref_voting's Beat Path uses margins. With complete strict ballots the
    winning-votes default is the same (P[x,y] + P[y,x] is constant); with ties
    or truncation it may differ, which is why the strength is recorded."""
    m, ballots, _, _ = ties_case(seed)
    ours = Profile(range(m), ballots)
    wv = tally(ours, "schulze").params["strength"]
    assert wv == "winning"
    N = ours.pairwise + ours.pairwise.T
    off = ~np.eye(m, dtype=bool)
    if np.allclose(N[off], ours.total_weight):
        assert (
            tally(ours, "schulze").ranking
            == tally(ours, "schulze", strength="margin").ranking
        )


@pytest.mark.parametrize("seed", range(60))
def test_irv_split_first_tier_matches_pref_voting(seed):
    m, ballots, dicts, counts = ties_case(seed)
    ours = tally(Profile(range(m), ballots), "irv")
    check_irv(ours, pv_with_ties(dicts, counts, m, False), {"score_method": "split"})


def check_irv(ours, theirs, kw):
    """IRV's first tier is pref_voting's instant_runoff winners (ties for
    elimination go together, a final tie is a tie), unless a late tie decided
    the winner: then it also holds every parallel-universe winner."""
    first = set(ours.ranking[0])
    if any("decided the winner" in n for n in ours.notes):
        assert set(pv_irv(theirs, **kw)) <= first
        assert set(pv_irv_put(theirs)) <= first and len(first) > 1
        assert ours.winner is None
    else:
        assert first == set(pv_irv(theirs, **kw))
