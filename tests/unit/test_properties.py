"""Hypothesis properties of the methods (each can fail on a wrong method)."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.aggregation import Profile, tally
from voting.aggregation.kemeny import order_cost

CONDORCET = ["schulze", "ranked_pairs", "copeland", "kemeny"]
ALL = ["schulze", "ranked_pairs", "copeland", "borda", "irv", "kemeny", "mean_rank"]
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def weak_order(draw, m, complete=False, strict=False):
    perm = draw(st.permutations(range(m)))
    k = m if complete else draw(st.integers(1, m))
    chosen = perm[:k]
    tiers, i = [], 0
    while i < k:
        size = 1 if strict else draw(st.integers(1, min(3, k - i)))
        tiers.append(list(chosen[i : i + size]))
        i += size
    return tiers


@st.composite
def profiles(draw, min_m=2, max_m=5, complete=False, strict=False):
    m = draw(st.integers(min_m, max_m))
    n = draw(st.integers(1, 8))
    ballots = [
        (draw(weak_order(m, complete, strict)), draw(st.integers(1, 3)))
        for _ in range(n)
    ]
    unranked = draw(st.sampled_from(["last", "ignore"]))
    return m, ballots, unranked


def tiers_as_sets(ranking):
    return [set(t) for t in ranking]


@SETTINGS
@given(profiles(), st.randoms(use_true_random=False))
def test_anonymity(data, rnd):
    m, ballots, unranked = data
    shuffled = ballots[:]
    rnd.shuffle(shuffled)
    a, b = Profile(range(m), ballots, unranked), Profile(range(m), shuffled, unranked)
    for name in ALL:
        assert tally(a, name).ranking == tally(b, name).ranking


@SETTINGS
@given(profiles(), st.randoms(use_true_random=False))
def test_neutrality(data, rnd):
    m, ballots, unranked = data
    perm = list(range(m))
    rnd.shuffle(perm)
    relabelled = [([[perm[x] for x in t] for t in r], w) for r, w in ballots]
    options = list(range(m))
    rnd.shuffle(options)  # the order options are listed in must not matter
    a = Profile(range(m), ballots, unranked)
    b = Profile(options, relabelled, unranked)
    for name in ALL:
        ta, tb = tally(a, name), tally(b, name)
        mapped = [{perm[x] for x in t} for t in ta.ranking]
        assert mapped == tiers_as_sets(tb.ranking), name


def condorcet(p, winner=True):
    M = p.margins
    m = p.m
    for x in range(m):
        others = [y for y in range(m) if y != x]
        if winner and all(M[x, y] > 0 for y in others):
            return x
        if not winner and all(M[x, y] < 0 for y in others):
            return x
    return None


@SETTINGS
@given(profiles(min_m=3))
def test_condorcet_winner_wins_and_loser_never_wins(data):
    m, ballots, unranked = data
    p = Profile(range(m), ballots, unranked)
    cw, cl = condorcet(p), condorcet(p, winner=False)
    for name in CONDORCET:
        t = tally(p, name)
        if cw is not None:
            assert t.winner == cw, name
        if cl is not None:
            assert cl not in t.ranking[0], name


@SETTINGS
@given(profiles())
def test_borda_scores_sum_to_the_constant(data):
    m, ballots, unranked = data
    p = Profile(range(m), ballots, unranked)
    total = sum(tally(p, "borda").scores.values())
    if unranked == "last":
        expected = sum(w for _, w in ballots) * m * (m - 1) / 2
    else:
        expected = sum(
            w * k * (k - 1) / 2 for r, w in ballots for k in [sum(len(t) for t in r)]
        )
    assert np.isclose(total, expected)


def reverse(ranking, m):
    listed = {x for t in ranking for x in t}
    tail = [x for x in range(m) if x not in listed]
    full = ranking + ([tail] if tail else [])
    return full[::-1]


@SETTINGS
@given(profiles(complete=True, strict=True), st.sampled_from(["winning", "margin"]))
def test_reversal_symmetry_of_schulze_strict(data, strength):
    m, ballots, _ = data
    p = Profile(range(m), ballots)
    q = Profile(range(m), [(reverse(r, m), w) for r, w in ballots])
    s, r = (
        tally(p, "schulze", strength=strength),
        tally(q, "schulze", strength=strength),
    )
    beats_p = s.details["strongest_paths"] > s.details["strongest_paths"].T
    beats_q = r.details["strongest_paths"] > r.details["strongest_paths"].T
    assert (beats_q == beats_p.T).all()
    if not s.ties:
        assert r.ranking == s.ranking[::-1]


@SETTINGS
@given(profiles())
def test_reversal_symmetry_of_schulze_margins_with_ties(data):
    # With ties or truncation only the margin strength is reversal symmetric
    # (winning votes weigh P[x,y] + P[y,x] differently per pair).
    m, ballots, _ = data
    p = Profile(range(m), ballots)
    q = Profile(range(m), [(reverse(r, m), w) for r, w in ballots])
    s = tally(p, "schulze", strength="margin").details["strongest_paths"]
    r = tally(q, "schulze", strength="margin").details["strongest_paths"]
    assert ((r > r.T) == (s > s.T).T).all()


@SETTINGS
@given(profiles())
def test_weight_two_equals_two_ballots(data):
    m, ballots, unranked = data
    a = Profile(range(m), [(r, 2 * w) for r, w in ballots], unranked)
    b = Profile(range(m), [(r, w) for r, w in ballots] * 2, unranked)
    for name in ALL:
        ta, tb = tally(a, name), tally(b, name)
        assert ta.ranking == tb.ranking
        assert ta.to_dict()["scores"] == tb.to_dict()["scores"]


@SETTINGS
@given(profiles(max_m=6))
def test_kemeny_disagreement_is_minimal(data):
    m, ballots, unranked = data
    p = Profile(range(m), ballots, unranked)
    best = tally(p, "kemeny").details["disagreement"]
    assert np.isclose(order_cost(p.pairwise, tally(p, "kemeny").details["order"]), best)
    for name in ALL:
        strict = tally(p, name, tie_break="borda", seed=0)
        order = [t[0] for t in strict.ranking]
        assert best <= order_cost(p.pairwise, order) + 1e-9, name


@SETTINGS
@given(profiles(), st.integers(0, 2**31))
def test_declared_tie_break_gives_a_strict_refinement(data, seed):
    m, ballots, unranked = data
    p = Profile(range(m), ballots, unranked)
    for name in ALL:
        plain = tally(p, name)
        broken = tally(p, name, tie_break="borda", seed=seed)
        assert not broken.ties
        if name in ("ranked_pairs", "kemeny", "irv"):
            continue  # these apply the tie-break inside the method
        pos = plain.position()
        order = [t[0] for t in broken.ranking]
        assert all(pos[a] <= pos[b] for a, b in itertools.pairwise(order))
