"""Kemeny–Young by dynamic programming over subsets, and a local search.

The cost of a strict order is its total disagreement with the ballots:
``sum over x placed before y of P[y, x]``. Ballots that tie x and y, or (under
``unranked="ignore"``) do not compare them, cost the same for every order and
drop out.

Exact algorithm (Held–Karp style, as used for Kemeny by e.g. Betzler et al.,
"Fixed-parameter algorithms for Kemeny rankings", TCS 2009): let ``f(S)`` be
the least internal cost of ordering the set S. Placing x last among S costs
``f(S - x) + sum_{y in S} P[x, y]``, so ``f(S) = min_x`` of that. The table has
``2**m`` entries and each layer of equal popcount is computed in one numpy
pass (a matrix product gives ``sum_{y in S} P[x, y]`` for every S and x), so 20
options take a few seconds and under 200 MB.

Ties: the DP also tells which *sets* can open an optimal order. A set S is an
optimal prefix iff ``f(S) + f(rest) + cross(S) == optimum``, where
``cross(S) = sum_{x not in S, y in S} P[x, y]``. Then x is above y in *every*
optimal order iff no optimal prefix contains y without x. The reported ranking
layers that unanimous relation: the first tier holds the options no other
option precedes in every optimal order, and so on. So options whose order
differs between optimal rankings share a tier, and a unique optimum gives a
strict ranking. With a declared tie-break one optimal order is built greedily,
taking at each position the tie-break's preferred option among those that keep
the prefix optimal.

:func:`kemeny` registers the method (exact up to :data:`EXACT_LIMIT` options,
the local search above).
"""

from __future__ import annotations

import random
import time

import numpy as np

from .condorcet import copeland
from .profile import AggregationError
from .registry import (
    METHODS,
    Outcome,
    below_counts,
    condorcet_winner,
    layer_relation,
    method,
)
from .scoring import borda

EXACT_LIMIT = 20


def order_cost(P, order):
    """Disagreement of a strict order (list of indices) with ``P``.

    ``sum of P[y, x]`` over x placed before y; rows are taken in blocks, so
    memory stays O(block * m) at thousands of options.
    """
    order = np.asarray(order, dtype=np.int64)
    if not len(order):
        return 0.0
    pos = np.empty(P.shape[0], np.int64)
    pos[order] = np.arange(len(order))
    total = 0.0
    for i in range(0, len(order), 256):
        ys = order[i : i + 256]
        rows = P[np.ix_(ys, order)]  # rows[k, j] = P[ys[k], order[j]]
        total += float(rows[np.arange(len(order))[None, :] < pos[ys][:, None]].sum())
    return total


def _popcount(a):
    a = a - ((a >> 1) & 0x55555555)
    a = (a & 0x33333333) + ((a >> 2) & 0x33333333)
    a = (a + (a >> 4)) & 0x0F0F0F0F
    return (a * 0x01010101 & 0xFFFFFFFF) >> 24


def kemeny_exact(P, tol, preference=None):
    """Exact Kemeny: returns ``(tiers, order, cost)`` over indices 0..m-1.

    ``tiers`` layers the relation "x precedes y in every optimal order";
    ``order`` is one optimal order, chosen with ``preference`` (a list of
    indices, best first) when given, else by index.
    """
    m = P.shape[0]
    if m > EXACT_LIMIT:
        raise ValueError(f"exact Kemeny is limited to {EXACT_LIMIT} options")
    if m == 1:
        return [[0]], [0], 0.0
    full = (1 << m) - 1
    masks = np.arange(1 << m, dtype=np.int64)
    pc = _popcount(masks)
    layer_of = np.argsort(pc, kind="stable")
    bounds = np.searchsorted(pc[layer_of], np.arange(m + 2))
    f = np.full(1 << m, np.inf)
    f[0] = 0.0
    cross = np.zeros(1 << m)
    bits = np.int64(1) << np.arange(m, dtype=np.int64)
    PT = np.ascontiguousarray(P.T)
    for k in range(1, m + 1):
        T = layer_of[bounds[k] : bounds[k + 1]]
        B = ((T[:, None] & bits) != 0).astype(np.float64)
        C = B @ PT  # C[t, x] = sum_{y in T} P[x, y]
        cand = f[T[:, None] ^ bits] + C  # x not in T reads a higher layer: inf
        f[T] = cand.min(axis=1)
        # cross(T) = sum_{x not in T} sum_{y in T} P[x, y]
        cross[T] = C.sum(axis=1) - (C * B).sum(axis=1)
        del B, C, cand
    best = float(f[full])
    h = f + f[full ^ masks] + cross
    opt = np.abs(h - best) <= tol

    # x precedes y in every optimal order iff no optimal prefix holds y not x.
    opt_masks = masks[opt]
    Bo = ((opt_masks[:, None] & bits) != 0).astype(np.float32)
    # counter[y, x] = number of optimal prefixes containing y but not x
    counter = Bo.T @ (1.0 - Bo)
    above = counter.T == 0  # above[x, y]: x before y in all optimal orders
    np.fill_diagonal(above, False)
    tiers = layer_relation(above)

    pref = list(range(m)) if preference is None else list(preference)
    order, S, cost = [], 0, 0.0
    for _ in range(m):
        for x in pref:
            if S >> x & 1:
                continue
            step = float(sum(P[x, y] for y in order))
            S2 = S | (1 << x)
            if abs(f[S] + step - f[S2]) <= tol and opt[S2]:
                order.append(x)
                S, cost = S2, cost + step
                break
        else:  # pragma: no cover - guaranteed by the DP
            raise RuntimeError("no optimal continuation found")
    return tiers, order, best


def kemeny_local(P, start_orders, seed=0, restarts=8, budget=None, report=None):
    """Local search for large m: best-insertion moves from several starts.

    From each start (the given orders, then ``restarts`` random shuffles drawn
    from ``random.Random(seed)``), repeatedly move one option to the position
    that lowers the cost most, until no single move improves. Returns the best
    order found, its cost and whether the time ``budget`` (seconds, None =
    none) ran out first; the search then stops where it is (the first start
    is always scored). Not guaranteed optimal (``exact: false``).
    """
    m = P.shape[0]
    deadline = None if budget is None else time.monotonic() + budget
    out_of_time = False
    rng = random.Random(seed)
    starts = [list(o) for o in start_orders]
    for _ in range(restarts):
        o = list(range(m))
        rng.shuffle(o)
        starts.append(o)
    best_order, best_cost = None, np.inf
    for n, order in enumerate(starts):
        order = list(order)
        improved = not out_of_time
        while improved:
            improved = False
            for x in list(order):
                if deadline is not None and time.monotonic() > deadline:
                    out_of_time, improved = True, False
                    break
                i = order.index(x)
                rest = order[:i] + order[i + 1 :]
                # cost(x at j) = const + sum_{y in rest[:j]} P[x,y]
                #               + sum_{y in rest[j:]} P[y,x]
                before = np.concatenate([[0.0], np.cumsum(P[x, rest])])
                after = np.concatenate([np.cumsum(P[rest, x][::-1])[::-1], [0.0]])
                costs = before + after
                j = int(np.argmin(costs))
                if costs[j] < costs[i] - 1e-12 * max(1.0, abs(costs[i])):
                    order = rest[:j] + [x] + rest[j:]
                    improved = True
        c = order_cost(P, order)
        if c < best_cost:
            best_order, best_cost = order, c
        if report is not None:
            report("local search", n + 1, len(starts))
        if out_of_time:
            break
    return best_order, best_cost, out_of_time


@method(
    "kemeny",
    "Kemeny–Young",
    "Options whose relative order differs between optimal Kemeny rankings "
    "share a rank.",
    "number of options ranked below",
)
def kemeny(p, ctx):
    """Kemeny–Young (J. G. Kemeny, "Mathematics without numbers", Daedalus
    88, 1959; H. P. Young & A. Levenglick, SIAM J. Appl. Math. 35, 1978): the
    ranking that minimises the total number (weight) of pairwise
    disagreements with the ballots, ``sum over x before y of P[y,x]``.
    Computed exactly up to 20 options by dynamic programming over subsets
    (see :mod:`voting.aggregation.kemeny`); options whose relative order
    differs between optimal rankings share a tier. Above 20 options a local
    search (best-insertion moves from the Copeland and Borda orders and
    seeded random starts), stopped at the time budget (10 s by default; the
    note gives it), returns one good strict ranking marked ``exact: false``;
    it names a winner only when a Condorcet winner heads it (a Condorcet
    winner heads every optimal ranking). With ``above_exact_limit="refuse"``
    it raises :class:`AggregationError` instead, naming the limit and the
    methods that apply at that size. The details give the disagreement
    (distance) and the agreement (Kemeny score, ``sum over x before y of
    P[x,y]``). Unranked options count through ``P`` as the profile's
    ``unranked`` rule says: under ``"last"`` below every ranked option,
    under ``"ignore"`` in no pair on that ballot.
    """
    P, m = p.pairwise, p.m
    notes, proven = [], False
    if m > EXACT_LIMIT and ctx.above_exact_limit == "refuse":
        others = ", ".join(n for n in METHODS if n != "kemeny")
        raise AggregationError(
            f"{m} options exceed the exact limit of {EXACT_LIMIT} and the "
            f"approximation was refused; the methods that apply at {m} "
            f"options: {others}"
        )
    if m <= EXACT_LIMIT:
        tiers, order, cost = kemeny_exact(P, p.tolerance, ctx.tie_order)
        exact = True
        if ctx.tie_order is not None:
            tiers = [[x] for x in order]
    else:
        starts = [
            [x for t in copeland(p, ctx).tiers for x in t],
            [x for t in borda(p, ctx).tiers for x in t],
        ]
        order, cost, out_of_time = kemeny_local(
            P, starts, seed=ctx.seed or 0, budget=ctx.time_budget, report=ctx.report
        )
        tiers = [[x] for x in order]
        exact = False
        notes.append(
            f"{m} options exceed the exact limit of {EXACT_LIMIT}: the ranking "
            "comes from a local search and may not be optimal"
            + (
                f"; the search stopped at its time budget of {ctx.time_budget:g} s."
                if out_of_time
                else "."
            )
        )
        cw = condorcet_winner(p)
        proven = cw is not None and order[0] == cw
    agreement = order_cost(P.T, order)  # sum of P[x, y] over x before y
    return Outcome(
        tiers,
        below_counts(tiers, m),
        details={"disagreement": cost, "agreement": agreement, "order": order},
        notes=notes,
        exact=exact,
        winner_proven=proven,
    )
