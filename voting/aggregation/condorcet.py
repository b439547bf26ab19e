"""Condorcet methods read off the pairwise matrix: Schulze, Ranked Pairs, Copeland.

Each one looks only at ``P[x, y]``, the weight of the ballots ranking x
strictly above y (see :attr:`Profile.pairwise`), so unranked options count as
the profile's ``unranked`` rule says: under ``"last"`` below every ranked
option and tied with each other, under ``"ignore"`` in no comparison on that
ballot. Equality of weight sums uses ``Profile.tolerance``.
"""

from __future__ import annotations

import numpy as np

from .registry import (
    Outcome,
    below_counts,
    layer_relation,
    method,
    rank_of,
    tiers_from_scores,
)
from .scoring import tie_break_order

#: Ranked Pairs explores at most this many search states per equal-margin group
#: before falling back to the tie-break order (see :func:`ranked_pairs`).
RANKED_PAIRS_STATE_LIMIT = 10000


@method(
    "schulze",
    "Schulze",
    "Options that neither beats the other by strongest paths share a rank "
    "(the ranking layers the beat-path relation); unranked options follow "
    "the profile's rule.",
    "number of options beaten by strongest paths",
)
def schulze(p, ctx):
    """Schulze (beat-path) method: x beats y when the strongest path from x to
    y is stronger than the strongest path from y to x, a path's strength being
    its weakest link (M. Schulze, "A new monotonic, clone-independent, reversal
    symmetric, and Condorcet-consistent single-winner election method", Social
    Choice and Welfare 36, 2011, §2-4). A link x→y exists when more ballots
    rank x over y than y over x; its strength is, by ``strength``: the winning
    votes ``P[x,y]`` (default, Schulze's recommendation and Debian's rule;
    losing votes are not used as a secondary key), the margin
    ``P[x,y]-P[y,x]``, or the ratio ``P[x,y]/P[y,x]`` (infinite when nobody
    prefers y). The relation is a strict partial order (Schulze §4.1); the full
    ranking takes the unbeaten options as the first tier, removes them, and
    repeats, so options the relation leaves unordered share a tier. Unranked
    options count through ``P`` as the profile's ``unranked`` rule says: under
    ``"last"`` below every ranked option, under ``"ignore"`` in no pair on
    that ballot.

    Example: the 45-voter example of Schulze's paper ranks E > A > C > B > D.
    """
    P, tol = p.pairwise, p.tolerance
    win = P > P.T + tol
    if ctx.strength == "winning":
        d = np.where(win, P, 0.0)
    elif ctx.strength == "margin":
        d = np.where(win, P - P.T, 0.0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(win, np.divide(P, P.T), 0.0)
    s = d.copy()
    np.fill_diagonal(s, 0.0)
    for k in range(p.m):  # Floyd–Warshall for widest paths
        np.maximum(s, np.minimum(s[:, k : k + 1], s[k : k + 1, :]), out=s)
    np.fill_diagonal(s, 0.0)
    rel_tol = tol if ctx.strength != "ratio" else 1e-9
    with np.errstate(invalid="ignore"):
        beats = s > s.T + rel_tol * np.maximum(1.0, np.where(np.isinf(s.T), 0, s.T))
    tiers = layer_relation(beats)
    return Outcome(
        tiers,
        beats.sum(axis=1).astype(float),
        details={"strongest_paths": s, "link_strength": ctx.strength},
        params={"strength": ctx.strength},
    )


@method(
    "ranked_pairs",
    "Ranked Pairs",
    "Pairs with equal margins are locked in every possible order (parallel "
    "universes); options whose order depends on that choice share a rank. A "
    "pair with margin zero is never locked.",
    "number of options ranked below",
)
def ranked_pairs(p, ctx):
    """Ranked Pairs (T. N. Tideman, "Independence of clones as a criterion for
    voting rules", Social Choice and Welfare 4, 1987): take the majorities x→y
    by decreasing margin ``P[x,y]-P[y,x]`` and lock each one unless it would
    close a cycle with those already locked; the locked graph orders the
    options. When several pairs have the same margin the result may depend on
    the order in which they are locked; we follow "parallel universe"
    semantics (Brill & Fischer, "The Price of Neutrality for the Ranked Pairs
    Method", AAAI 2012): every order is explored, x is ranked above y only if x
    precedes y in *every* resulting locked graph, and the ranking layers that
    relation, so the options concerned share a tier. The search runs group by
    group over the distinct reachability states (memoised); equal-margin pairs
    that cannot conflict are locked at once. If a group needs more than
    ``RANKED_PAIRS_STATE_LIMIT`` states (counted over all the states it
    starts from), its pairs are locked in the tie-break order of Borda score
    then seed 0, the tally is marked ``exact: false`` and a note says so.
    With a declared tie-break the equal-margin pairs are ordered by it from
    the start (Tideman's tie-breaking ranking): the pair whose winner ranks
    higher first, then the one whose loser ranks lower. Unranked options count
    through the margins as the profile's ``unranked`` rule says: under
    ``"last"`` below every ranked option, under ``"ignore"`` in no pair on
    that ballot.
    """
    m, tol = p.m, p.tolerance
    M = p.margins
    xs, ys = np.nonzero(M > tol)
    notes, exact = [], True
    order = np.lexsort((ys, xs, -M[xs, ys]))
    pairs = [(int(xs[i]), int(ys[i]), float(M[xs[i], ys[i]])) for i in order]
    groups = []
    for x, y, mg in pairs:
        if groups and abs(groups[-1][0] - mg) <= tol:
            groups[-1][1].append((x, y))
        else:
            groups.append((mg, [(x, y)]))

    def tb_sort(edges, tie_order):
        rank = rank_of(tie_order)
        return sorted(edges, key=lambda e: (rank[e[0]], -rank[e[1]]))

    states = {tuple([0] * m)}
    explored = 0
    for mg, edges in groups:
        if ctx.tie_order is not None:
            states = {_lock_sequence(s, tb_sort(edges, ctx.tie_order)) for s in states}
            continue
        # The bound holds per group, over all the states the group starts from.
        new_states, budget = set(), RANKED_PAIRS_STATE_LIMIT
        for s in states:
            result = _lock_all_orders(s, edges, budget)
            if result is None:
                break
            new_states |= result[0]
            budget -= result[1]
            explored += result[1]
        else:
            states = new_states
            continue
        fallback = tb_sort(edges, tie_break_order(p, 0))
        states = {_lock_sequence(s, fallback) for s in states}
        exact = False
        notes.append(
            f"{len(edges)} pairs of margin {mg:g} exceeded the search bound of "
            f"{RANKED_PAIRS_STATE_LIMIT} states; they were locked in the order of "
            "Borda score, then seed 0."
        )
    above = np.ones((m, m), dtype=bool)
    sources = set()
    for s in states:
        reach = np.array([[(r >> y) & 1 for y in range(m)] for r in s], dtype=bool)
        above &= reach
        has_parent = reach.any(axis=0)
        sources.update(int(i) for i in np.flatnonzero(~has_parent))
    np.fill_diagonal(above, False)
    tiers = layer_relation(above)
    if len(states) > 1:
        notes.append(
            f"Equal margins gave {len(states)} different outcomes depending on "
            "the locking order; options ordered differently by them are tied."
        )
    return Outcome(
        tiers,
        below_counts(tiers, m),
        details={
            "universes": len(states),
            "search_states": explored,
            "universe_winners": sorted(sources),
            "majorities": [(x, y, mg) for x, y, mg in pairs],
        },
        notes=notes,
        exact=exact,
    )


def _lock(state, x, y):
    """Lock x→y in a reachability state (tuple of bitmasks); None if a cycle."""
    if (state[y] >> x) & 1:
        return None
    if (state[x] >> y) & 1:
        return state
    add = (1 << y) | state[y]
    bx = 1 << x
    return tuple(r | add if (i == x or r & bx) else r for i, r in enumerate(state))


def _lock_sequence(state, edges):
    for x, y in edges:
        new = _lock(state, x, y)
        if new is not None:
            state = new
    return state


def _lock_all_orders(state, edges, limit):
    """Every reachability state reachable by locking ``edges`` in any order.

    Returns ``(set of final states, states explored)`` or None past ``limit``.
    Memoised on (state, remaining edges); edges already implied or already
    impossible are settled without branching, and a set of edges that can all
    be locked together (no cycle) is locked at once.
    """
    finals = set()
    seen = set()
    frontier = [(state, frozenset(edges))]
    explored = 0
    while frontier:
        s, rem = frontier.pop()
        if (s, rem) in seen:
            continue
        seen.add((s, rem))
        explored += 1
        if explored > limit:
            return None
        live = frozenset(
            (x, y) for x, y in rem if not (s[y] >> x) & 1 and not (s[x] >> y) & 1
        )
        if not live:
            finals.add(s)
            continue
        t = s
        for x, y in live:
            t = _lock(t, x, y)
            if t is None:
                break
        if t is not None:
            finals.add(t)
            continue
        for e in live:
            frontier.append((_lock(s, *e), live - {e}))
    return finals, explored


@method(
    "copeland",
    "Copeland",
    "Options with equal Copeland scores share a rank; a pairwise tie counts "
    "half a win.",
    "pairwise wins + 1/2 per pairwise tie",
)
def copeland(p, ctx):
    """Copeland's method (A. H. Copeland, "A 'reasonable' social welfare
    function", seminar notes, University of Michigan, 1951): an option scores
    one point for each other option it beats head to head (``P[x,y] >
    P[y,x]``) and half a point for each pairwise tie (the "Copeland 1/2"
    variant); options are ranked by score and options with equal scores share
    a tier. Wins minus losses, as some sources report, is
    ``2 * score - (m - 1)``. Unranked options count through ``P`` as the
    profile's ``unranked`` rule says: under ``"last"`` below every ranked
    option, under ``"ignore"`` in no pair on that ballot, and a pair no
    ballot compares counts as a tie.
    """
    M, tol = p.margins, p.tolerance
    wins = (M > tol).sum(axis=1)
    ties = (np.abs(M) <= tol).sum(axis=1) - 1  # minus the diagonal
    scores = wins + 0.5 * ties
    return Outcome(tiers_from_scores(scores, 1e-9), scores.astype(float))
