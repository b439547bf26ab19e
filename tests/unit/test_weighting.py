"""Weighting by delegation, national ballots and group breakdowns."""

import numpy as np
import pytest

from voting.aggregation import AggregationError, Profile, tally
from voting.aggregation.weighting import (
    group_breakdown,
    national_ballots,
    weighted_ballots,
    weighted_tally,
)

AB, BA = [["a"], ["b"], ["c"]], [["b"], ["a"], ["c"]]
# Big delegation X (4 delegates, all a>b), small ones Y and Z (b>a).
RECORDS = [(AB, "X")] * 4 + [(BA, "Y"), (BA, "Z")]


def test_per_delegate():
    p = weighted_ballots(RECORDS, "abc", "delegate")
    assert p.total_weight == 6 and tally(p, "schulze").winner == "a"


def test_per_delegation_split():
    p = weighted_ballots(RECORDS, "abc", "delegation")
    assert p.total_weight == pytest.approx(3)
    assert p.pairwise[1, 0] == pytest.approx(2) and p.pairwise[0, 1] == pytest.approx(1)
    assert tally(p, "schulze").winner == "b"


def test_national_ballots():
    recs = RECORDS + [(AB, "Y"), (BA, "Y")]  # Y now 2 b>a, 1 a>b
    p = national_ballots(recs, "abc", "borda")
    assert p.total_weight == 3
    t = tally(p, "borda")
    assert t.winner == "b"
    # a delegation split evenly sends a tie in its national order
    tied = [(AB, "X"), (BA, "X")]
    q = national_ballots(tied, "abc", "borda")
    assert q.rankings() == [([["a", "b"], ["c"]], 1.0)]
    t2 = weighted_tally(RECORDS, "abc", "copeland", "national")
    assert t2.params["weighting"] == "national" and t2.winner == "b"


def test_weighted_equals_duplicated_within_delegations():
    # splitting weight 1 over a delegation of 2 = halving both ballots
    recs = [(AB, "X"), (BA, "X"), (BA, "Y")]
    p = weighted_ballots(recs, "abc", "delegation")
    q = Profile("abc", [(AB, 0.5), (BA, 0.5), (BA, 1.0)])
    np.testing.assert_allclose(p.pairwise, q.pairwise)


def test_group_breakdown_and_tags():
    out = group_breakdown(RECORDS, "abc", "schulze")
    assert set(out) == {"X", "Y", "Z"}
    assert out["X"].winner == "a" and out["Y"].params["group"] == "Y"
    tagged = [(AB, ["women", "X"]), (BA, ["X"]), (BA, "women")]
    out = group_breakdown(tagged, "abc", "borda", min_ballots=2)
    assert set(out) == {"women", "X"}


def test_errors():
    with pytest.raises(AggregationError, match="unknown weighting"):
        weighted_ballots(RECORDS, "abc", "per-capita")
    with pytest.raises(AggregationError, match="record 1"):
        weighted_ballots([AB], "abc", "delegation")
    with pytest.raises(AggregationError, match="record 1"):
        group_breakdown([AB], "abc")
