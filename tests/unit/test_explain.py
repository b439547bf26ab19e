"""The facts that explain a result: Condorcet winner, cycle, ties, the cut.

The cut's ballot counts are checked against a brute force over every way of
rewriting a few ballots, so "exact" means exact.
"""

import json
from itertools import combinations, permutations, product
from pathlib import Path

import pytest

from voting.aggregation import Profile, tally
from voting.aggregation.explain import explain, head_to_head, smith_set

SEED = Path(__file__).resolve().parents[2] / "voting" / "seed" / "santiago2005.json"


def profile(spec, options="ABC", unranked="last"):
    """``spec``: ``[("ABC", 4), ...]``, a strict order (or its top) per letter."""
    ballots = [([[ch] for ch in text], 1.0) for text, n in spec for _ in range(n)]
    return Profile(list(options), ballots, unranked)


CYCLE = [("ABC", 4), ("BCA", 3), ("CAB", 2)]  # A>B 6:3, B>C 7:2, C>A 5:4


def test_condorcet_winner_and_wins():
    p = profile([("ABC", 3), ("BAC", 2), ("CAB", 1)])
    facts = explain(tally(p, "schulze"), p, 1)
    assert facts.condorcet_winner == "A" and facts.first == "A"
    assert facts.cycle is None and facts.ties == []
    assert head_to_head(p) == {"A": (2, 0), "B": (1, 0), "C": (0, 0)}
    q = profile([("AB", 2), ("BA", 2)], options="ABC")
    assert head_to_head(q) == {"A": (1, 1), "B": (1, 1), "C": (0, 0)}


def test_condorcet_winner_that_borda_does_not_put_first():
    # A beats B 3:2 and C 3:2, but B collects more Borda points.
    p = profile([("ABC", 3), ("BCA", 2)])
    facts = explain(tally(p, "borda"), p, 1)
    assert facts.condorcet_winner == "A"
    assert facts.first == "B"


def test_three_way_cycle_broken_at_its_weakest_link():
    p = profile(CYCLE)
    for method in ("schulze", "ranked_pairs", "kemeny"):
        facts = explain(tally(p, method), p, 1)
        assert facts.condorcet_winner is None
        links = [(lk.winner, lk.loser, lk.won, lk.lost) for lk in facts.cycle.links]
        assert links == [("A", "B", 6, 3), ("B", "C", 7, 2), ("C", "A", 5, 4)]
        weak = facts.cycle.broken
        assert (weak.winner, weak.loser, weak.won, weak.lost) == ("C", "A", 5, 4)


def test_cycle_without_a_breaking_claim_for_other_methods():
    p = profile(CYCLE)
    for method in ("copeland", "borda", "irv", "mean_rank"):
        facts = explain(tally(p, method), p, 1)
        assert facts.cycle is not None and facts.cycle.broken is None


def test_smith_set():
    p = profile([("ABCD", 4), ("BCAD", 3), ("CABD", 2)], options="ABCD")
    beats = p.margins > p.tolerance
    assert smith_set(beats) == [0, 1, 2]


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("schulze", None),  # no majority either way: no path to quote
        ("ranked_pairs", None),
        ("copeland", 0.5),
        ("borda", 2.0),
        ("irv", 1.0),  # eliminated together, in group 1
        ("kemeny", None),
        ("mean_rank", 1.5),
    ],
)
def test_a_tie_under_each_method(method, value):
    p = profile([("AB", 2), ("BA", 2)], options="AB")
    facts = explain(tally(p, method), p, 1)
    assert len(facts.ties) == 1
    tie = facts.ties[0]
    assert set(tie.options) == {"A", "B"} and tie.place == 1
    assert tie.value == value and tie.settled_by is None
    assert facts.cut is None  # the cut falls inside the tie: no closeness claim


def test_declared_tie_break_by_borda_points():
    # Schulze ties A and B (a 2:2 head to head), Borda separates them.
    p = profile([("ABC", 2), ("BCA", 2)])
    t = tally(p, "schulze", tie_break="borda", seed=7)
    assert not t.ties
    tie = explain(t, p, 1).ties[0]
    assert set(tie.options) == {"A", "B"}
    assert tie.settled_by == "borda" and tie.order == ("B", "A") and tie.seed == 7


def test_declared_tie_break_by_the_seeded_draw():
    p = profile([("AB", 2), ("BA", 2)], options="AB")
    for method in ("schulze", "borda", "irv", "copeland"):
        t = tally(p, method, tie_break="borda", seed=3)
        tie = explain(t, p, 1).ties[0]
        assert tie.settled_by == "draw" and tie.seed == 3
        assert list(tie.order) == [o for tier in t.ranking for o in tier]


def _borda_above(ballots, options, below, above):
    p = Profile(list(options), [(b, 1.0) for b in ballots])
    s = tally(p, "borda").scores
    return s[below] > s[above] + 1e-9


def _brute_min(ballots, options, better):
    """Fewest ballots to rewrite (as any strict order) for ``better`` to hold."""
    orders = [[[o] for o in perm] for perm in permutations(options)]
    for n in range(1, len(ballots) + 1):
        for idx in combinations(range(len(ballots)), n):
            for new in product(orders, repeat=n):
                changed = list(ballots)
                for i, b in zip(idx, new, strict=True):
                    changed[i] = b
                if better(changed):
                    return n
    return None


@pytest.mark.parametrize(
    "spec",
    [
        [("ABC", 3), ("BAC", 1), ("CBA", 1)],
        [("ABC", 2), ("ACB", 2), ("BCA", 1)],
        [("ACB", 3), ("BAC", 2)],
    ],
)
def test_borda_cut_count_is_exact(spec):
    p = profile(spec)
    t = tally(p, "borda")
    cut = explain(t, p, 1).cut
    ballots = []
    for tiers, w in p.rankings():
        ballots += [tiers] * int(w)
    need = _brute_min(
        ballots, "ABC", lambda b: _borda_above(b, "ABC", cut.below, cut.above)
    )
    assert cut.kind == "points" and cut.ballots == need
    # Mean rank under "last" orders as Borda does: the same count.
    assert explain(tally(p, "mean_rank"), p, 1).cut.ballots == need


@pytest.mark.parametrize("method", ["schulze", "ranked_pairs", "copeland", "kemeny"])
def test_pairwise_cut_count_is_exact(method):
    p = profile([("ABC", 4), ("BAC", 2), ("CBA", 1)])
    cut = explain(tally(p, method), p, 1).cut
    assert (cut.above, cut.below, cut.won, cut.lost) == ("A", "B", 4, 3)
    ballots = []
    for tiers, w in p.rankings():
        ballots += [tiers] * int(w)

    def b_beats_a(changed):
        q = Profile(list("ABC"), [(b, 1.0) for b in changed])
        return q.pairwise[1, 0] > q.pairwise[0, 1]

    assert cut.kind == "pairwise" and cut.ballots == _brute_min(
        ballots, "ABC", b_beats_a
    )


def test_no_cut_claim_for_irv_or_weighted_ballots():
    p = profile([("ABC", 4), ("BAC", 2), ("CBA", 1)])
    assert explain(tally(p, "irv"), p, 1).cut is None
    weighted = Profile(list("ABC"), [([["A"], ["B"]], 0.5), ([["B"], ["A"]], 0.25)])
    assert explain(tally(weighted, "schulze"), weighted, 1).cut is None


def demo_profile():
    """The 2005 seminar's 38 delegates, each putting the report's two highest
    priorities (SME participation, training) first in turn, then the rest in
    an order that rotates with the delegation."""
    data = json.loads(SEED.read_text(encoding="utf-8"))
    keys = [o["key"] for o in data["options"]]
    codes = sorted({p["delegation"] for p in data["participants"]})
    ballots = []
    for n, person in enumerate(data["participants"]):
        top = keys[:2] if n % 3 else keys[1::-1]
        shift = codes.index(person["delegation"]) % 3
        rest = keys[2:][shift:] + keys[2:][:shift]
        ballots.append(([[k] for k in top + rest], 1.0))
    return Profile(keys, ballots), data["poll"]["top_k"]


def test_demo_seminar():
    p, top_k = demo_profile()
    assert p.n_ballots == 38
    facts = explain(tally(p, "schulze"), p, top_k)
    assert facts.condorcet_winner == "sme" == facts.first
    assert facts.ties == []
    cut = facts.cut
    assert (cut.above, cut.below, cut.kind) == ("training", "harmonization", "pairwise")
    assert cut.won == 38 and cut.lost == 0 and cut.ballots == 20


def test_the_weakest_link_follows_schulzes_strength():
    # A > C 11:4, C > B 8:7, B > A 7:4 (ballots naming only C tie A and B).
    p = profile([("BAC", 7), ("C", 4), ("ACB", 4)])
    winning = explain(tally(p, "schulze", strength="winning"), p, 1).cycle.broken
    margin = explain(tally(p, "schulze", strength="margin"), p, 1).cycle.broken
    assert (winning.winner, winning.loser, winning.won, winning.lost) == (
        "B",
        "A",
        7,
        4,
    )
    assert (margin.winner, margin.loser, margin.won, margin.lost) == ("C", "B", 8, 7)
