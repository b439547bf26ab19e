"""Instant-runoff voting, extended to a full ranking.

Counting goes round by round over the ballots' top remaining tiers, so it
reads the tier indices (:attr:`Profile.ranks`), not the pairwise matrix.
"""

from __future__ import annotations

import numpy as np

from .registry import Outcome, method, rank_of

#: A tie for elimination among this many remaining options or fewer is
#: checked: if another way of resolving it would elect someone else, the
#: possible winners share first place.
CHECKED_UP_TO = 12


@method(
    "irv",
    "Instant-runoff",
    "Options tied for elimination are eliminated together and share a rank; "
    "options tied in the final count share first place, and so do the "
    "possible winners when resolving a tie among the last options otherwise "
    "would elect someone else. The earlier-rounds rule applies only when "
    "declared as the tie-break.",
    "number of rounds the option survived",
)
def irv(p, ctx):
    """Instant-runoff voting, extended to a full ranking (Hare; as described
    in e.g. the Wikipedia article "Instant-runoff voting"): each ballot counts
    for its most preferred remaining option, the option with the fewest votes
    is eliminated, and counting repeats; the ranking is the reverse order of
    elimination. A ballot whose top remaining tier holds k options gives 1/k
    to each. A ballot that ranks no remaining option is exhausted; under
    ``unranked="last"`` it would give an equal share to every remaining option,
    which changes no comparison, so both conventions rank alike.

    Ties are reported, as pref_voting's ``instant_runoff`` does: options tied
    for fewest votes are eliminated together and share a rank, and options
    tied in the last count share first place. When a tie for elimination
    occurs among at most :data:`CHECKED_UP_TO` remaining options, every way of
    eliminating the tied options one at a time is also counted; if one of
    them elects another option, the possible winners share first place (the
    tie decided the winner). A declared tie-break resolves ties for
    elimination instead: ``earlier_rounds`` eliminates the option with fewer
    votes in the latest earlier round where the counts differ (together if
    they never differ), ``borda`` the option lowest in the tie-break order.
    """
    m, tol = p.m, p.tolerance
    remaining = np.ones(m, dtype=bool)
    rounds, round_counts, eliminated, notes = [], [], [], []
    # Working copy: unranked = a sentinel above every tier; eliminated
    # options' columns and exhausted ballots are dropped as counting goes.
    big = m + 1
    rr = np.where(p.ranked, p.ranks, big).astype(np.int8 if m < 120 else np.int32)
    w = p.weights
    cols = np.arange(m)
    contested = None  # possible winners when a late tie could elect another
    while remaining.sum() > 1:
        counts = _counts(rr, w, cols, m, big)
        rounds.append(counts)
        round_counts.append(
            {int(i): float(counts[i]) for i in np.flatnonzero(remaining)}
        )
        low = counts[remaining].min()
        cand = np.flatnonzero(remaining & (counts <= low + tol))
        if len(cand) > 1 and ctx.tie_break == "earlier_rounds":
            cand = _earlier_rounds(p, rounds, cand, tol, notes)
        if len(cand) > 1:
            names = ", ".join(str(p.options[i]) for i in cand)
            n_left = int(remaining.sum())
            if ctx.tie_order is not None:
                rank = rank_of(ctx.tie_order)
                worst = max(cand, key=rank.__getitem__)
                notes.append(
                    f"Round {len(rounds)}: {names} tied for elimination; the "
                    f"declared tie-break eliminated {p.options[worst]}."
                )
                cand = np.array([worst])
            elif len(cand) == n_left:
                notes.append(
                    f"Round {len(rounds)}: {names} tied in the final count and "
                    "share first place."
                )
            else:
                notes.append(
                    f"Round {len(rounds)}: {names} tied for elimination and "
                    "were eliminated together."
                )
                if contested is None and low > tol and n_left <= CHECKED_UP_TO:
                    contested = _possible_winners(rr, w, cols, big, tol)
        eliminated.append([int(i) for i in cand])
        remaining[cand] = False
        keep = remaining[cols]
        rr, cols = rr[:, keep], cols[keep]
        live = rr.min(axis=1, initial=big) < big
        if not live.all():  # exhausted ballots count for nobody
            rr, w = rr[live], w[live]
    if remaining.any():
        eliminated.append([int(i) for i in np.flatnonzero(remaining)])
    order = eliminated[::-1]
    if contested is not None and len(contested) > 1:
        names = ", ".join(str(p.options[i]) for i in sorted(contested))
        notes.append(
            f"The tie decided the winner: eliminating the tied options one at "
            f"a time elects {names} depending on the order; they share first "
            "place."
        )
        order = [sorted(contested)] + [
            t for t in ([x for x in g if x not in contested] for g in order) if t
        ]
    scores = np.zeros(m)
    for r, group in enumerate(eliminated, start=1):
        scores[group] = r
    return Outcome(
        order,
        scores,
        details={
            "rounds": round_counts,
            "eliminated": eliminated,
        },
        notes=notes,
    )


def _counts(rr, w, cols, m, big):
    """First-choice counts (a shared top tier splits the ballot)."""
    counts = np.zeros(m)
    if not len(w):
        return counts
    top = rr.min(axis=1)
    first = rr == top[:, None]
    k = np.count_nonzero(first, axis=1)
    rows, cidx = np.nonzero(first)
    counts[cols] = np.bincount(cidx, weights=(w / k)[rows], minlength=len(cols))
    return counts


def _earlier_rounds(p, rounds, cand, tol, notes):
    """The declared earlier-rounds tie-break (may leave several)."""
    tied = cand
    for back, prev in enumerate(reversed(rounds[:-1]), start=1):
        vals = prev[cand]
        keep = vals <= vals.min() + tol
        if not keep.all():
            cand = cand[keep]
            if len(cand) == 1:
                names = ", ".join(str(p.options[i]) for i in tied)
                notes.append(
                    f"Round {len(rounds)}: {names} tied for elimination; by the "
                    f"declared earlier-rounds tie-break, round "
                    f"{len(rounds) - back} counts eliminated {p.options[cand[0]]}."
                )
                break
    return cand


def _possible_winners(rr, w, cols, big, tol):
    """Options elected by some way of resolving ties for elimination, from
    the given remaining columns (eliminating the tied together, or any one of
    them first). Exponential in the worst case, so only for a few options."""
    memo = {}

    def winners(keep):
        key = keep.tobytes()
        if key in memo:
            return memo[key]
        idx = np.flatnonzero(keep)
        if len(idx) == 1:
            memo[key] = {int(cols[idx[0]])}
            return memo[key]
        sub = rr[:, idx]
        live = sub.min(axis=1, initial=big) < big
        c = _counts(sub[live], w[live], np.arange(len(idx)), len(idx), big)
        low = c.min()
        tied = np.flatnonzero(c <= low + tol)
        if len(tied) == len(idx):
            out = {int(cols[i]) for i in idx}
        else:
            out = set()
            choices = [tied] + ([[t] for t in tied] if len(tied) > 1 else [])
            for drop in choices:
                k2 = keep.copy()
                k2[idx[np.asarray(drop)]] = False
                out |= winners(k2)
        memo[key] = out
        return out

    return winners(np.ones(rr.shape[1], dtype=bool))
