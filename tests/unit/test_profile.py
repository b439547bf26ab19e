"""Profile: validation, grouping, positions and the pairwise matrix."""

import math
import random

import numpy as np
import pytest

from voting.aggregation import AggregationError, Profile

from .reference import pairwise as ref_pairwise


@pytest.mark.parametrize(
    ("ballots", "message"),
    [
        ([([["a"], ["z"]], 1)], "ballot 1: unknown option 'z'"),
        ([([["a"]], 1), ([["a"], ["a"]], 1)], "ballot 2: option 'a' is listed twice"),
        ([([["a", "b"], ["b"]], 1)], "option 'b' is listed twice"),
        ([([], 1)], "ballot 1 is empty"),
        ([([["a"], []], 1)], "ballot 1 has an empty tier"),
        ([([["a"]], -1)], "ballot 1: weight -1.0 is negative"),
        ([([["a"]], 1), ([["b"]], math.nan)], "ballot 2: weight nan is not finite"),
        ([([["a"]], math.inf)], "not finite"),
        ([([["a"]], "x")], "ballot 1: weight 'x' is not a number"),
        ([(["ab"], 1)], "each tier must be a list of options"),
        ([("a", 1)], "a ranking must be a list of tiers"),
        ([([["a"]],)], "expected (ranking, weight)"),
        ([([[["a"]]], 1)], "unknown option"),
    ],
)
def test_validation_names_the_problem(ballots, message):
    with pytest.raises(AggregationError) as err:
        Profile(["a", "b", "c"], ballots)
    assert message in str(err.value)


def test_bad_options_and_mode():
    with pytest.raises(AggregationError, match="at least one option"):
        Profile([], [])
    with pytest.raises(AggregationError, match="listed twice in the options"):
        Profile(["a", "a"], [])
    with pytest.raises(AggregationError, match="unranked must be"):
        Profile(["a"], [], unranked="first")


def test_interface_example_from_the_brief():
    p = Profile(
        options=[11, 12, 13],
        ballots=[([[11], [12, 13]], 1.0), ([[13]], 0.5)],
        unranked="last",
    )
    assert p.pairwise.tolist() == [[0, 1, 1], [0, 0, 0], [0.5, 0.5, 0]]
    q = p.with_unranked("ignore")
    assert q.pairwise.tolist() == [[0, 1, 1], [0, 0, 0], [0, 0, 0]]
    assert p.pairwise.tolist() == [[0, 1, 1], [0, 0, 0], [0.5, 0.5, 0]]


def test_identical_ballots_are_grouped_tier_order_irrelevant():
    p = Profile(
        "abc",
        [([["a"], ["b", "c"]], 1), ([("a",), {"c", "b"}], 2), ([["b"]], 1)],
    )
    assert p.n_distinct == 2
    assert p.n_ballots == 3
    assert sorted(p.weights.tolist()) == [1.0, 3.0]


def test_positions_average_over_ties_and_unranked_tail():
    p = Profile("abcde", [([["b", "c"], ["a"]], 1)])
    assert p.positions[0].tolist() == [2.0, 0.5, 0.5, 3.5, 3.5]
    assert p.ranks[0].tolist() == [1, 0, 0, 5, 5]


def test_zero_weight_changes_nothing_and_empty_profile():
    p = Profile("ab", [([["a"]], 0.0)])
    assert p.pairwise.sum() == 0
    e = Profile("ab", [])
    assert e.n_ballots == 0 and e.pairwise.sum() == 0


def random_ballots(rng, options, n, ties=True):
    out = []
    for _ in range(n):
        k = rng.randint(1, len(options))
        chosen = rng.sample(options, k)
        tiers, i = [], 0
        while i < k:
            size = rng.randint(1, 3) if ties else 1
            tiers.append(chosen[i : i + size])
            i += size
        out.append((tiers, rng.choice([1, 2, 0.5, 1 / 3])))
    return out


@pytest.mark.parametrize("unranked", ["last", "ignore"])
@pytest.mark.parametrize("seed", range(8))
def test_pairwise_matches_reference(unranked, seed):
    rng = random.Random(seed)
    options = list("abcdefg")[: rng.randint(2, 7)]
    ballots = random_ballots(rng, options, rng.randint(1, 40))
    p = Profile(options, ballots, unranked)
    ref = ref_pairwise(options, ballots, unranked)
    want = np.array([[ref[x][y] for y in options] for x in options])
    np.testing.assert_allclose(p.pairwise, want, atol=1e-12)
    # support: ballots comparing x and y at all
    if unranked == "last":
        assert np.allclose(
            p.support + np.eye(len(options)) * p.total_weight, p.total_weight
        )


def test_rankings_and_from_arrays_round_trip():
    rng = random.Random(3)
    options = list("abcde")
    ballots = random_ballots(rng, options, 30)
    p = Profile(options, ballots)
    q = Profile(options, p.rankings())
    np.testing.assert_allclose(q.pairwise, p.pairwise)
    r = Profile.from_arrays(options, p.ranks, p.weights)
    np.testing.assert_allclose(r.positions, p.positions)
    np.testing.assert_allclose(r.pairwise, p.pairwise)
    with pytest.raises(AggregationError):
        Profile.from_arrays(options, p.ranks, p.weights[:-1])


def test_hashable_ids_of_mixed_types():
    p = Profile([1, "x", (2, 3)], [([[(2, 3)], [1]], 1)])
    assert p.pairwise[2, 0] == 1 and p.pairwise[2, 1] == 1
    assert repr(p).startswith("Profile(3 options, 1 ballots")


@pytest.mark.parametrize("unranked", ["last", "ignore"])
@pytest.mark.parametrize("mix", ["distinct", "mixed"])
def test_pairwise_counting_and_product_paths_agree(unranked, mix):
    # Large groups of equal weight are counted, the rest multiplied.
    rng = random.Random(7)
    options = list(range(6))
    ballots = [(t, rng.random()) for t, _ in random_ballots(rng, options, 60)]
    if mix == "mixed":
        ballots += [(t, 2) for t, _ in random_ballots(rng, options, 200)]
    p = Profile(options, ballots, unranked)
    ref = ref_pairwise(options, ballots, unranked)
    want = np.array([[ref[x][y] for y in options] for x in options])
    np.testing.assert_allclose(p.pairwise, want, atol=1e-9)
