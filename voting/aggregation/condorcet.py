"""Condorcet methods read off the pairwise matrix: Schulze and Copeland.

Ranked Pairs, which needs a search, lives in :mod:`.ranked_pairs`.

Each one looks only at ``P[x, y]``, the weight of the ballots ranking x
strictly above y (see :attr:`Profile.pairwise`), so unranked options count as
the profile's ``unranked`` rule says: under ``"last"`` below every ranked
option and tied with each other, under ``"ignore"`` in no comparison on that
ballot. Equality of weight sums uses ``Profile.tolerance``.
"""

from __future__ import annotations

import numpy as np

from .paths import link_codes, widest_paths
from .registry import (
    Outcome,
    layer_relation,
    method,
    pairwise_counts,
    tiers_from_scores,
)

#: Up to this many options the details keep m x m matrices (strongest paths);
#: above, they would dwarf the result (5,904 options: 35 million numbers).
MATRIX_DETAILS_UP_TO = 500


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
    # One m x m integer matrix, updated in place (see :mod:`.paths`).
    S, table = link_codes(P, tol, ctx.strength, ctx.report)
    widest_paths(S, ctx.report)
    beats = S > S.T
    tiers = layer_relation(beats)
    details = {"link_strength": ctx.strength}
    if p.m <= MATRIX_DETAILS_UP_TO:
        details["strongest_paths"] = table[S]
    return Outcome(
        tiers,
        np.count_nonzero(beats, axis=1).astype(float),
        details=details,
        params={"strength": ctx.strength},
    )


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
    wins, ties = pairwise_counts(p)
    scores = wins + 0.5 * ties
    return Outcome(tiers_from_scores(scores, 1e-9), scores.astype(float))
