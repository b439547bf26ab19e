"""Ranked Pairs with parallel universes, bounded in states and in memory.

The locked graph is kept as its reachability relation, rows of bits (see
:mod:`.paths`): one state is ``m * ceil(m/64) * 8`` bytes (4 KB at 170
options, 4.3 MB at 5,904). Which pairs of an equal-margin group are still
open is a function of the state (a pair is settled once it or its reverse is
reachable), so the search memoises on the state alone, as a 128-bit digest,
and walks it depth first, making one child at a time. What it holds at once
(the stack, the finished universes, the states the group started from) is
counted in bytes against :data:`RANKED_PAIRS_MEMORY`, and the children it
makes against :data:`RANKED_PAIRS_STATE_LIMIT`, over the whole tally (and
against the time budget); past a bound each group that still needs a choice
is locked in a fixed order, and the result is marked inexact, with a note.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from .paths import empty_reach, has, lock, lock_sequence
from .registry import Outcome, below_counts, condorcet_winner, layer_relation, method
from .scoring import tie_break_order

#: Ranked Pairs makes at most this many search states in one tally before
#: falling back to the tie-break order (see :func:`ranked_pairs`).
RANKED_PAIRS_STATE_LIMIT = 10000
#: Bytes of search states Ranked Pairs may hold at once (see the module doc).
RANKED_PAIRS_MEMORY = 64 * 2**20
#: Up to this many options the details list every majority.
MAJORITIES_UP_TO = 500


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
    that cannot conflict are locked at once. Once the search has made
    ``RANKED_PAIRS_STATE_LIMIT`` states in the tally, or run for the time
    budget, or a group needs more than ``RANKED_PAIRS_MEMORY`` bytes of them,
    each group that still needs a choice is locked in the tie-break order of
    Borda score then seed 0, the tally is marked ``exact: false``, a note says
    so, and no winner is given unless a Condorcet winner proves it (it heads
    every universe). With a declared
    tie-break the equal-margin pairs are ordered by it from the start
    (Tideman's tie-breaking ranking): the pair whose winner ranks higher
    first, then the one whose loser ranks lower. Unranked options count
    through the margins as the profile's ``unranked`` rule says: under
    ``"last"`` below every ranked option, under ``"ignore"`` in no pair on
    that ballot.
    """
    m, tol = p.m, p.tolerance
    M = p.margins
    xs, ys = (a.astype(np.int32) for a in np.nonzero(M > tol))
    mg = M[xs, ys]
    del M
    order = np.lexsort((ys, xs, -mg))
    xs, ys, mg = xs[order], ys[order], mg[order]
    cut = np.flatnonzero(np.abs(np.diff(mg)) > tol) + 1
    starts = np.concatenate([[0], cut]).astype(np.int64)
    ends = np.concatenate([cut, [len(mg)]]).astype(np.int64)
    notes, exact, explored = [], True, 0
    deadline = time.monotonic() + ctx.time_budget
    states = [empty_reach(m)]
    if ctx.tie_order is not None:
        rank = np.empty(m, np.int64)
        rank[ctx.tie_order] = np.arange(m)
        group = np.repeat(np.arange(len(starts)), ends - starts)
        o = np.lexsort((-rank[ys], rank[xs], group))
        lock_sequence(states[0], xs[o], ys[o], ctx.report)
        runs = []
    else:
        runs = _runs(starts, ends)
    fallback_rank, spent = None, None
    for a, b, single in runs:
        gx, gy = xs[a:b], ys[a:b]
        if single:  # consecutive groups of one pair: no choice to make
            for s in states:
                lock_sequence(s, gx, gy, ctx.report)
            continue
        if spent is None:
            left = max(0, RANKED_PAIRS_STATE_LIMIT - explored)
            if time.monotonic() > deadline:
                found, spent = None, "the time budget"
            else:
                found, steps, spent = _search(states, gx, gy, m, left, deadline)
                explored += steps
            ctx.report("search", b, len(mg))
            if found is not None:
                states = found
                continue
        # Past a bound: the fixed order. A group none of whose pairs closes a
        # cycle locks the same in every order, so it stays exact.
        if fallback_rank is None:
            fallback_rank = np.empty(m, np.int64)
            fallback_rank[tie_break_order(p, 0)] = np.arange(m)
        o = np.lexsort((-fallback_rank[gy], fallback_rank[gx]))
        skipped = sum(lock_sequence(s, gx[o], gy[o], ctx.report) for s in states)
        if len(states) > 1:
            states = _dedupe(states)
        if skipped and exact:
            exact = False
            notes.append(
                f"{b - a} pairs of margin {float(mg[a]):g} exceeded the search "
                f"bound of {spent}; they and every later group of equal margins "
                "that needed a choice were locked in the order of Borda score, "
                "then seed 0."
            )
    above, sources = _combine(states, m)
    tiers = layer_relation(above)
    if len(states) > 1:
        notes.append(
            f"Equal margins gave {len(states)} different outcomes depending on "
            "the locking order; options ordered differently by them are tied."
        )
    details = {
        "universes": len(states),
        "search_states": explored,
        "universe_winners": [int(i) for i in np.flatnonzero(sources)],
    }
    if m <= MAJORITIES_UP_TO:
        details["majorities"] = [
            (int(x), int(y), float(v)) for x, y, v in zip(xs, ys, mg, strict=True)
        ]
    return Outcome(
        tiers,
        below_counts(tiers, m),
        details=details,
        notes=notes,
        exact=exact,
        winner_proven=not exact and condorcet_winner(p) is not None,
    )


def _runs(starts, ends):
    """``(start, end, single)``: runs of one-pair groups merged into one."""
    runs = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        single = b - a == 1
        if single and runs and runs[-1][2]:
            runs[-1][1] = b
        else:
            runs.append([a, b, single])
    return runs


def _digest(s):
    return hashlib.blake2b(s.tobytes(), digest_size=16).digest()


def _dedupe(states):
    out = {}
    for s in states:
        out.setdefault(_digest(s), s)
    return list(out.values())


def _search(starts, gx, gy, m, limit, deadline):
    """Every state reachable by locking the group's pairs in any order.

    Returns ``(states, steps, None)`` or ``(None, steps, bound)`` when the
    state, time or memory bound (named in ``bound``) is reached first.
    """
    state_bytes = m * ((m + 63) // 64) * 8
    finals, seen, steps = {}, set(), 0
    held, live_bytes = len(starts), 0

    def open_pairs(s):
        live = np.flatnonzero(~(has(s, gx, gy) | has(s, gy, gx)))
        if not len(live):
            finals.setdefault(_digest(s), s)
            return None
        t = s.copy()
        if lock_sequence(t, gx[live], gy[live]) == 0:  # no conflict: lock all
            finals.setdefault(_digest(t), t)
            return None
        return live

    for s0 in starts:
        live = open_pairs(s0)
        stack = [] if live is None else [[s0, live, 0]]
        while stack:
            frame = stack[-1]
            s, live, i = frame
            if i == len(live):
                stack.pop()
                live_bytes -= live.nbytes
                continue
            frame[2] = i + 1
            child = s.copy()
            lock(child, int(gx[live[i]]), int(gy[live[i]]))
            steps += 1  # every child made counts, repeated or not
            if steps > limit:
                return None, steps, f"{RANKED_PAIRS_STATE_LIMIT} states"
            if not steps % 64 and time.monotonic() > deadline:
                return None, steps, "the time budget"
            key = _digest(child)
            if key in seen:
                continue
            seen.add(key)
            used = (held + len(stack) + len(finals) + 1) * state_bytes + live_bytes
            if used > RANKED_PAIRS_MEMORY:
                mb = RANKED_PAIRS_MEMORY // 2**20
                return None, steps, f"{mb} MB of search states"
            nxt = open_pairs(child)
            if nxt is not None:
                stack.append([child, nxt, 0])
                live_bytes += nxt.nbytes
    return list(finals.values()), steps, None


def _combine(states, m):
    """``above[x, y]`` in every universe; options heading some universe."""
    acc = states[0].copy()
    sources = np.zeros(m, dtype=bool)
    for k, s in enumerate(states):
        if k:
            acc &= s
        col = np.bitwise_or.reduce(s, axis=0)
        sources |= ~_unpack(col[None, :], m)[0]
    above = _unpack(acc, m)
    np.fill_diagonal(above, False)
    return above, sources


def _unpack(words, m):
    b = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")
    return b[:, :m].astype(bool)
