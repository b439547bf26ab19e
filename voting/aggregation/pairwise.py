"""The pairwise matrix ``P[x, y]`` of a profile, with progress for large ones.

:meth:`Profile.pairwise <voting.aggregation.profile.Profile.pairwise>` calls
:func:`pairwise_matrix`; a caller that wants a progress bar builds it first
through :meth:`~voting.aggregation.profile.Profile.build_pairwise`. The work
is ``m * m * distinct ballots`` comparisons; from :data:`PROGRESS_FROM` of
them the build reports ``progress("pairwise matrix", done, total)`` about a
hundred times (the caller decides what to show, and when).
"""

from __future__ import annotations

import numpy as np

#: Comparisons (options x options x distinct ballots) from which the build
#: reports its progress; smaller profiles take a small fraction of a second.
PROGRESS_FROM = 20_000_000
STEP = "pairwise matrix"


def pairwise_matrix(ranks, ranked, w, unranked, progress=None, report_from=None):
    """``P[x, y]``: total weight of ballots ranking x strictly above y.

    ``ranks`` are the tier indices (``m`` = unranked), ``ranked`` their mask
    and ``w`` the weights of the distinct ballots. Under ``"ignore"`` a
    ballot counts for (x, y) only if it ranks both.
    """
    m = ranks.shape[1]
    P = np.zeros((m, m))
    if not len(w):
        return P
    if report_from is None:
        report_from = PROGRESS_FROM
    if progress is not None and m * m * len(w) < report_from:
        progress = None
    if m < 127:
        ranks = ranks.astype(np.int8)
    # Right-hand side: under "ignore" an unranked y compares as -1, so
    # "x above y" can only hold when y is ranked.
    rhs = np.where(ranked, ranks, -1) if unranked == "ignore" else ranks
    # Counting booleans is several times faster than a float
    # matrix-vector product, so rows are grouped by weight (most ballots
    # share a few weights: counts of identical ballots) and each large
    # group is counted, then scaled; the remaining rows use the product.
    values, klass, sizes = np.unique(w, return_inverse=True, return_counts=True)
    big = [k for k in np.argsort(-sizes)[:8] if sizes[k] * 32 >= len(w)]
    rest = np.ones(len(w), dtype=bool)
    for k in big:
        rest &= klass != k
    big = [k for k in big if values[k] != 0]
    passes = len(big) + bool(rest.any())
    total, every, done = m * passes, max(1, m // 100), 0

    def tick(x):
        if progress is not None and ((x + 1) % every == 0 or x + 1 == m):
            progress(STEP, done + x + 1, total)

    for k in big:
        rows = klass == k
        r, rr = (ranks, rhs) if rows.all() else (ranks[rows], rhs[rows])
        for x in range(m):
            P[x] += values[k] * np.count_nonzero(r[:, x : x + 1] < rr, axis=0)
            tick(x)
        done += m
    if rest.any():
        r, rr, wr = ranks[rest], rhs[rest], w[rest]
        buf = np.empty(r.shape)
        for x in range(m):
            np.less(r[:, x : x + 1], rr, out=buf)
            P[x] += wr @ buf
            tick(x)
    return P
