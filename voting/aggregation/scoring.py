"""Positional scoring methods: Borda count and mean rank.

Both score every option from its positions on the ballots (average positions
for tied and unranked options, see :attr:`Profile.positions`) and rank by
score; options with equal scores share a tier. Borda scores also drive the
declared tie-break (:func:`tie_break_order`).
"""

from __future__ import annotations

import random

import numpy as np

from .registry import Outcome, method, tiers_from_scores


def borda_scores(p):
    """Borda points per option (see :func:`borda`)."""
    m, w = p.m, p.weights
    if not len(w):
        return np.zeros(m)
    if p.unranked == "last":
        return w @ (m - 1 - p.positions)
    k = p.ranked.sum(axis=1)
    pts = np.where(p.ranked, (k[:, None] - 1) - p.positions, 0.0)
    return w @ pts


def tie_break_order(p, seed):
    """The declared tie-break order: Borda score, then a seeded shuffle."""
    rng = random.Random(seed)
    order = []
    for tier in tiers_from_scores(borda_scores(p), p.tolerance * p.m):
        tier = sorted(tier)
        if len(tier) > 1:
            rng.shuffle(tier)
        order.extend(tier)
    return order


@method(
    "borda",
    "Borda count",
    "Options with equal Borda scores share a rank; on each ballot tied and "
    "unranked options share the average of the points of the positions they "
    "occupy.",
    "Borda points (m-1 for a sole first place, 0 for a sole last)",
)
def borda(p, ctx):
    """Borda count (J.-C. de Borda, "Mémoire sur les élections au scrutin",
    1781): on each ballot an option in position i (0-based) of m gets
    ``m - 1 - i`` points; options sharing positions (a tier, or the unranked
    tail under ``unranked="last"``) share the average of those positions'
    points, so every ballot hands out m(m-1)/2 points. Equivalently the score
    is ``sum_y (P[x,y] + ties[x,y] / 2)``. Under ``unranked="ignore"`` a ballot
    ranking k options is a Borda ballot over those k (k-1 .. 0 points) and
    gives unranked options nothing. Points run m-1..0; sources that use m..1
    add the number of ballots to every score. Options with equal scores share
    a tier.
    """
    scores = borda_scores(p)
    return Outcome(tiers_from_scores(scores, p.tolerance * p.m), scores)


@method(
    "mean_rank",
    "Mean rank",
    "Options with equal mean rank share a rank; tied and unranked options "
    "take the average of the positions they occupy.",
    "mean position, 1 = first (lower is better)",
)
def mean_rank(p, ctx):
    """Mean rank: the weighted mean of each option's position (1 = first),
    tied options taking the average of the positions they share, as in
    Kendall & Babington Smith's ranking of m rankings ("The problem of m
    rankings", Ann. Math. Statist. 10, 1939). Under ``unranked="last"`` the
    unranked options share the positions after the ranked ones; under
    ``"ignore"`` the mean is over the ballots that rank the option, and an
    option nobody ranks has no score and comes last. Options with equal means
    share a tier.
    """
    w = p.weights
    if p.unranked == "last":
        tw = w.sum()
        scores = (w @ (p.positions + 1)) / tw if tw > 0 else np.full(p.m, np.nan)
    else:
        num = w @ np.where(p.ranked, p.positions + 1, 0.0)
        den = w @ p.ranked
        scores = np.divide(num, den, out=np.full(p.m, np.nan), where=den > 0)
    return Outcome(tiers_from_scores(scores, 1e-9, higher_is_better=False), scores)
