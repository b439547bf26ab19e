"""Methods: conventions, ties, tie-breaks, and brute-force cross-checks."""

import random
from itertools import permutations

import numpy as np
import pytest

from voting.aggregation import METHODS, AggregationError, Profile, tally, tally_all
from voting.aggregation.kemeny import kemeny_exact, kemeny_local, order_cost
from voting.aggregation.ranked_pairs import RANKED_PAIRS_STATE_LIMIT

from .reference import kemeny_optimal_orders, ranked_pairs_outcomes, schulze_beats
from .test_profile import random_ballots

NAMES = ["schulze", "ranked_pairs", "copeland", "borda", "irv", "kemeny", "mean_rank"]


def test_registry():
    assert list(METHODS) == NAMES
    for m in METHODS.values():
        assert m.label and m.tie_convention.endswith(".")
        assert len(m.description) > 100 and m.score


def test_bad_arguments():
    p = Profile("ab", [([["a"]], 1)])
    for kwargs, msg in [
        ({"method": "plurality"}, "unknown method"),
        ({"strength": "huge"}, "unknown strength"),
        ({"tie_break": "coin"}, "unknown tie-break"),
        ({"tie_break": "borda", "seed": "x"}, "seed must be an integer"),
    ]:
        with pytest.raises(AggregationError, match=msg):
            tally(p, **kwargs)
    with pytest.raises(AggregationError):
        tally("not a profile")


def test_tally_shape_and_json():
    import json

    p = Profile([11, 12, 13], [([[11], [12, 13]], 1.0), ([[13]], 0.5)])
    t = tally(p)
    assert t.method == "schulze" and t.ranking == [[11], [13], [12]]
    assert t.params["unranked"] == "last" and t.params["strength"] == "winning"
    t = tally(p.with_unranked("ignore"))
    assert t.ranking == [[11], [12, 13]]
    assert t.winner == 11 and t.ties and t.params["unranked"] == "ignore"
    assert "tie_rule" in t.params and t.exact
    d = t.to_dict()
    json.dumps(d, allow_nan=False)
    assert {"method", "ranking", "scores", "winner", "ties", "consensus"} <= set(d)
    assert set(d["consensus"]) >= {"kendall_w"}
    assert t.position() == {11: 1, 12: 2, 13: 2}
    assert t.to_dict()["winner"] == 11


def test_every_method_on_one_option_and_no_ballots():
    for name in NAMES:
        t = tally(Profile(["only"], [([["only"]], 1)]), name)
        assert t.ranking == [["only"]] and t.winner == "only"
        e = tally(Profile("abc", []), name)
        assert sorted(x for tier in e.ranking for x in tier) == ["a", "b", "c"]


def test_all_tied_profile_reports_one_tier():
    p = Profile("abc", [([["a"], ["b"], ["c"]], 1), ([["c"], ["b"], ["a"]], 1)])
    for name in ["schulze", "ranked_pairs", "kemeny"]:
        t = tally(p, name)
        assert t.winner is None
    t = tally(p, "borda")
    assert [set(x) for x in t.ranking] == [{"a", "b", "c"}]
    t = tally(p, "borda", tie_break="borda", seed=42)
    assert [len(x) for x in t.ranking] == [1, 1, 1]
    assert t.params["seed"] == 42 and t.params["tie_break"] == "borda"
    assert "seed" in t.params["tie_rule"] and t.notes
    # the same seed gives the same order, recorded
    again = tally(p, "borda", tie_break="borda", seed=42)
    assert again.ranking == t.ranking
    assert t.params["tie_break_order"] == [x[0] for x in t.ranking]


def test_tie_break_never_overrides_a_strict_result():
    p = Profile("abc", [([["a"], ["b"], ["c"]], 3), ([["c"], ["a"], ["b"]], 2)])
    for name in NAMES:
        plain = tally(p, name)
        broken = tally(p, name, tie_break="borda", seed=1)
        if not plain.ties:
            assert broken.ranking == plain.ranking


def test_schulze_strengths_and_reversal():
    # Schulze (2011) example with winning votes vs margins differing is not
    # needed here: check the three strengths agree on a Condorcet winner.
    p = Profile(
        "abcd",
        [
            ([["a"], ["b"], ["c"], ["d"]], 5),
            ([["b"], ["c"], ["d"], ["a"]], 4),
            ([["c"], ["d"], ["a"], ["b"]], 2),
        ],
    )
    for s in ["winning", "margin", "ratio"]:
        t = tally(p, "schulze", strength=s)
        assert t.params["strength"] == s
        assert np.isfinite(t.scores["a"])
    assert tally(p, "schulze").to_dict()["params"]["strength"] == "winning"


def test_schulze_ratio_with_unanimous_pair_is_infinite_not_crash():
    import json

    p = Profile("ab", [([["a"], ["b"]], 3)])
    t = tally(p, "schulze", strength="ratio")
    assert t.winner == "a"
    json.dumps(t.to_dict(), allow_nan=False)


def test_irv_ties_broken_by_earlier_rounds():
    # Round 1: a 4, b 3, c 3, d 2 -> d out (its 2 go to c) -> a 4, b 3, c 5:
    # b out. A tie in round 2 between b and c would look back at round 1.
    p = Profile("abcd", [([["a"]], 4), ([["b"]], 3), ([["c"]], 3), ([["d"], ["c"]], 2)])
    t = tally(p, "irv")
    assert t.ranking == [["c"], ["a"], ["b"], ["d"]]
    # Round 1: a 10, b 5, c 4, d 1 -> d out, its ballot goes to c; round 2:
    # b and c tie at 5, round 1 had c lower -> c goes, and a note says so.
    q = Profile(
        "abcd", [([["a"]], 10), ([["b"]], 5), ([["c"]], 4), ([["d"], ["c"]], 1)]
    )
    tq = tally(q, "irv", tie_break="earlier_rounds")
    assert tq.ranking == [["a"], ["b"], ["c"], ["d"]]
    assert tq.details["rounds"][1] == {"a": 10.0, "b": 5.0, "c": 5.0}
    assert "round 1 counts eliminated c" in tq.notes[0]
    assert "Declared tie-break: earlier rounds" in tq.params["tie_rule"]
    # Undeclared, the tie is reported: b and c go together.
    assert tally(q, "irv").ranking == [["a"], ["b", "c"], ["d"]]
    r = Profile("abc", [([["a"]], 5), ([["b"], ["a"]], 2), ([["c"], ["b"]], 2)])
    tr = tally(r, "irv")  # b, c tied 2-2 in every round: eliminated together
    assert tr.ranking == [["a"], ["b", "c"]] and tr.notes
    tb = tally(r, "irv", tie_break="borda", seed=0)
    assert [len(x) for x in tb.ranking] == [1, 1, 1] and "declared" in tb.notes[0]
    te = tally(r, "irv", tie_break="earlier_rounds")
    assert te.ranking == [["a"], ["b", "c"]] and te.params["tie_break"] == (
        "earlier_rounds"
    )


def test_irv_split_top_tier_and_exhausted_ballots():
    p = Profile("abc", [([["a", "b"]], 2), ([["c"]], 1.5)])
    t = tally(p, "irv")
    assert t.details["rounds"][0] == {"a": 1.0, "b": 1.0, "c": 1.5}
    # a and b tie for elimination; together they elect c, one at a time
    # the other of them: the tie decided the winner, so all three share it.
    assert t.ranking == [["a", "b", "c"]] and t.winner is None
    assert "decided the winner" in t.notes[-1]
    same = tally(p.with_unranked("ignore"), "irv")
    assert same.ranking == t.ranking


def test_borda_partial_ballots_share_points():
    p = Profile("abcd", [([["a"], ["b", "c"]], 1)])
    t = tally(p, "borda")
    assert t.scores == {"a": 3.0, "b": 1.5, "c": 1.5, "d": 0.0}
    assert sum(t.scores.values()) == 6
    q = tally(p.with_unranked("ignore"), "borda")
    assert q.scores == {"a": 2.0, "b": 0.5, "c": 0.5, "d": 0.0}


def test_mean_rank_ignore_excludes_unranked_and_unrated_last():
    p = Profile("abc", [([["a"], ["b"]], 1), ([["b"]], 1)], "ignore")
    t = tally(p, "mean_rank")
    assert t.scores["a"] == 1.0 and t.scores["b"] == 1.5
    assert np.isnan(t.scores["c"]) and t.ranking[-1] == ["c"]
    assert t.to_dict()["scores"]["c"] is None


def test_copeland_half_points_and_fractional_weights():
    third = 1 / 3
    # three delegates of one delegation (1/3 each) vs one of another (1):
    p = Profile("ab", [([["a"], ["b"]], third)] * 3 + [([["b"], ["a"]], 1.0)])
    t = tally(p, "copeland")
    assert t.scores == {"a": 0.5, "b": 0.5} and t.winner is None


@pytest.mark.parametrize("seed", range(40))
def test_kemeny_matches_brute_force(seed):
    rng = random.Random(seed)
    m = rng.randint(2, 6)
    options = list(range(m))
    ballots = random_ballots(rng, options, rng.randint(1, 12))
    p = Profile(options, ballots, rng.choice(["last", "ignore"]))
    P = p.pairwise
    best, orders = kemeny_optimal_orders(P.tolist(), m)
    tiers, order, cost = kemeny_exact(P, p.tolerance)
    assert cost == pytest.approx(best)
    assert tuple(order) in orders
    # tiers: x above y iff x precedes y in every optimal order
    tier_of = {x: i for i, t in enumerate(tiers) for x in t}
    for x in range(m):
        for y in range(m):
            if x == y:
                continue
            if all(o.index(x) < o.index(y) for o in orders):
                assert tier_of[x] < tier_of[y]
            if tier_of[x] < tier_of[y]:  # never against every optimal order
                assert not all(o.index(y) < o.index(x) for o in orders)
    if len(orders) == 1:
        assert [t[0] for t in tiers] == list(orders[0])
    # a declared preference picks an optimal order too
    pref = options[:]
    rng.shuffle(pref)
    _, order2, _ = kemeny_exact(P, p.tolerance, pref)
    assert tuple(order2) in orders


@pytest.mark.parametrize("seed", range(40))
def test_ranked_pairs_matches_brute_force(seed):
    rng = random.Random(1000 + seed)
    m = rng.randint(2, 5)
    options = list(range(m))
    ballots = [
        (t, rng.randint(1, 3))
        for t, _ in random_ballots(rng, options, rng.randint(1, 7))
    ]
    p = Profile(options, ballots)
    M = (p.pairwise - p.pairwise.T).tolist()
    outs = ranked_pairs_outcomes(M, m)
    t = tally(p, "ranked_pairs")
    assert t.details["universes"] == len(outs)
    tier_of = {x: i for i, tier in enumerate(t.ranking) for x in tier}
    for x in range(m):
        for y in range(m):
            if x != y and all(y in o[x] for o in outs):
                assert tier_of[x] < tier_of[y]
            if tier_of[x] < tier_of[y]:
                assert not all(x in o[y] for o in outs)
    winners = {
        x for o in outs for x in range(m) if not any(x in o[a] for a in range(m))
    }
    assert set(t.details["universe_winners"]) == winners


@pytest.mark.parametrize("seed", range(30))
def test_schulze_matches_textbook(seed):
    rng = random.Random(2000 + seed)
    m = rng.randint(2, 7)
    options = list(range(m))
    p = Profile(
        options, [(t, rng.randint(1, 4)) for t, _ in random_ballots(rng, options, 15)]
    )
    beats = schulze_beats(p.pairwise.tolist(), m)
    t = tally(p, "schulze")
    assert t.scores == {x: float(sum(beats[x])) for x in range(m)}
    unbeaten = {x for x in range(m) if not any(beats[y][x] for y in range(m))}
    assert set(t.ranking[0]) == unbeaten


def test_ranked_pairs_search_bound_falls_back_and_says_so(monkeypatch):
    import voting.aggregation.ranked_pairs as mod

    # Three cyclic shifts of one order: many pairs share a margin.
    m = 9
    cyc = [[[(i + k) % m] for k in range(m)] for i in range(m)]
    p = Profile(range(m), [(c, 1) for c in cyc[:3]])
    monkeypatch.setattr(mod, "RANKED_PAIRS_STATE_LIMIT", 3)
    t = tally(p, "ranked_pairs")
    assert not t.exact and "search bound" in t.notes[0]
    assert [len(x) for x in t.ranking] == [1] * m
    assert RANKED_PAIRS_STATE_LIMIT >= 1000


def test_ranked_pairs_declared_tie_break_is_tideman_order():
    # a>b, b>c, c>a all margin 1: the tie-break order decides which to drop
    p = Profile(
        "abc",
        [
            ([["a"], ["b"], ["c"]], 1),
            ([["b"], ["c"], ["a"]], 1),
            ([["c"], ["a"], ["b"]], 1),
        ],
    )
    assert tally(p, "ranked_pairs").ranking == [["a", "b", "c"]]
    t = tally(p, "ranked_pairs", tie_break="borda", seed=7)
    first = t.params["tie_break_order"][0]
    assert t.winner == first


def test_kemeny_above_exact_limit_uses_local_search():
    rng = random.Random(0)
    m = 22
    options = list(range(m))
    ballots = []
    for _ in range(30):
        o = options[:]
        rng.shuffle(o)
        ballots.append(([[x] for x in o], 1))
    p = Profile(options, ballots)
    t = tally(p, "kemeny")
    assert not t.exact and "local search" in t.notes[0]
    order = [x[0] for x in t.ranking]
    assert sorted(order) == options
    cost = order_cost(p.pairwise, order)
    for other in ["borda", "copeland"]:
        tb = tally(p, other, tie_break="borda", seed=0)
        assert cost <= order_cost(p.pairwise, [x[0] for x in tb.ranking]) + 1e-9


def test_kemeny_local_finds_optimum_on_small_profiles():
    for seed in range(10):
        rng = random.Random(seed)
        m = 6
        p = Profile(range(m), random_ballots(rng, list(range(m)), 10))
        best, _ = kemeny_optimal_orders(p.pairwise.tolist(), m)
        order, cost, _ = kemeny_local(p.pairwise, [list(range(m))], seed=seed)
        assert cost >= best - 1e-9
        assert order_cost(p.pairwise, order) == pytest.approx(cost)


def test_kemeny_twelve_options_exact_and_fast_enough():
    rng = random.Random(1)
    m = 12
    p = Profile(range(m), random_ballots(rng, list(range(m)), 200))
    t = tally(p, "kemeny")
    assert t.exact
    order = t.details["order"]
    cost = t.details["disagreement"]
    assert order_cost(p.pairwise, order) == pytest.approx(cost)
    # no adjacent swap improves an optimal order
    for i in range(m - 1):
        o = order[:]
        o[i], o[i + 1] = o[i + 1], o[i]
        assert order_cost(p.pairwise, o) >= cost - 1e-9


def test_tally_all_and_disagreement():
    p = Profile("abc", [([["a"], ["b"], ["c"]], 2), ([["b"], ["a"]], 1)])
    ts = tally_all(p)
    assert list(ts) == NAMES
    assert all(
        ts[n].winner == "a"
        for n in ["schulze", "ranked_pairs", "copeland", "kemeny", "borda"]
    )
    from voting.aggregation import disagreement

    assert disagreement(p, ["a", "b", "c"]) == 1.0
    assert min(disagreement(p, list(o)) for o in permutations("abc")) == 1.0


def test_ranked_pairs_many_equal_margins_stays_bounded():
    import time

    rng = random.Random(60)
    m = 20
    ballots = []
    for _ in range(3):  # three voters: every margin is 1 or 3
        o = list(range(m))
        rng.shuffle(o)
        ballots.append(([[x] for x in o], 1))
    start = time.perf_counter()
    t = tally(Profile(range(m), ballots), "ranked_pairs")
    assert time.perf_counter() - start < 20
    assert not t.exact and "search bound" in t.notes[0]
    assert sorted(x for tier in t.ranking for x in tier) == list(range(m))


def test_tie_break_without_seed_is_reproducible_and_recorded():
    p = Profile("abcd", [([["a", "b", "c", "d"]], 1)])
    a = tally(p, "borda", tie_break="borda")
    b = tally(p, "borda", tie_break="borda")
    assert a.ranking == b.ranking and a.params["seed"] == 0
