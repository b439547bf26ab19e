"""Instant-runoff voting, extended to a full ranking.

Counting goes round by round over the ballots' top remaining tiers, so it
reads the tier indices (:attr:`Profile.ranks`), not the pairwise matrix.
"""

from __future__ import annotations

import numpy as np

from .registry import Outcome, method, rank_of


@method(
    "irv",
    "Instant-runoff",
    "A tie for elimination is broken by the latest earlier round in which the "
    "tied options' counts differ; if it persists they are eliminated together "
    "and share a rank.",
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
    which changes no comparison, so both conventions rank alike. A tie for
    last place is broken by the counts of earlier rounds, the latest round
    where they differ first; if they are tied in every round they are
    eliminated together (and share a rank), unless a tie-break is declared,
    in which case the option lowest in the tie-break order goes.
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
    while remaining.sum() > 1:
        top = rr.min(axis=1)
        live = top < big
        if not live.all():  # exhausted ballots count for nobody
            rr, w, top = rr[live], w[live], top[live]
        first = rr == top[:, None]
        k = np.count_nonzero(first, axis=1)
        rows, cidx = np.nonzero(first)
        counts = np.zeros(m)
        counts[cols] = np.bincount(cidx, weights=(w / k)[rows], minlength=len(cols))
        rounds.append(counts)
        round_counts.append(
            {int(i): float(counts[i]) for i in np.flatnonzero(remaining)}
        )
        low = counts[remaining].min()
        cand = np.flatnonzero(remaining & (counts <= low + tol))
        if len(cand) > 1:
            tied = cand
            for back, prev in enumerate(reversed(rounds[:-1]), start=1):
                vals = prev[cand]
                keep = vals <= vals.min() + tol
                if not keep.all():
                    cand = cand[keep]
                    if len(cand) == 1:
                        names = ", ".join(str(p.options[i]) for i in tied)
                        notes.append(
                            f"Round {len(rounds)}: {names} tied for elimination; "
                            f"round {len(rounds) - back} counts eliminated "
                            f"{p.options[cand[0]]}."
                        )
                        break
        if len(cand) > 1:
            names = ", ".join(str(p.options[i]) for i in cand)
            if ctx.tie_order is not None:
                rank = rank_of(ctx.tie_order)
                worst = max(cand, key=rank.__getitem__)
                notes.append(
                    f"Round {len(rounds)}: {names} tied for elimination in "
                    f"every round; the declared tie-break eliminated "
                    f"{p.options[worst]}."
                )
                cand = np.array([worst])
            else:
                notes.append(
                    f"Round {len(rounds)}: {names} tied for elimination in "
                    "every round and were eliminated together."
                )
        eliminated.append([int(i) for i in cand])
        remaining[cand] = False
        keep = remaining[cols]
        rr, cols = rr[:, keep], cols[keep]
    if remaining.any():
        eliminated.append([int(i) for i in np.flatnonzero(remaining)])
    scores = np.zeros(m)
    for r, group in enumerate(eliminated, start=1):
        scores[group] = r
    return Outcome(
        eliminated[::-1],
        scores,
        details={
            "rounds": round_counts,
            "eliminated": eliminated,
        },
        notes=notes,
    )
