"""How much the ballots agree, and how much the methods agree.

Conventions: Kendall's W and the spread read every ballot as a complete weak
order with unranked options tied last (their mid-rank), whatever the profile's
``unranked`` setting, because both need a rank for every option on every
ballot. The two-thirds share reads the profile's own pairwise matrix. Weights
count as numbers of judges (a weight 0.5 ballot is half a judge).
"""

from __future__ import annotations

import math

import numpy as np


def kendall_w(p):
    """Kendall's coefficient of concordance W with the tie correction.

    ``W = 12 S / (m^2 (n^3 - n) - m sum_j T_j)`` where n is the number of
    options, m the total weight of the ballots (judges), S the sum of squared
    deviations of the options' rank sums from their mean, and
    ``T_j = sum (t^3 - t)`` over the groups of t tied options on ballot j
    (the unranked tail being one group). Rank sums use mid-ranks. The
    chi-square statistic ``m (n - 1) W`` with ``n - 1`` degrees of freedom
    gives the p-value (Kendall & Babington Smith, Ann. Math. Statist. 10,
    1939; Siegel & Castellan, Nonparametric Statistics, 2nd ed., §9.4).
    Returns ``{"w", "chi2", "df", "p_value", "S"}``; the values are None when
    W is undefined (one option, no weight, or every ballot ties everything).
    """
    cache = p.cache
    if "kendall_w" not in cache:
        cache["kendall_w"] = _kendall_w(p)
    return dict(cache["kendall_w"])


def _kendall_w(p):
    n = p.m
    w = p.weights
    mw = float(w.sum())
    out = {"w": None, "chi2": None, "df": n - 1, "p_value": None, "S": None}
    if n < 2 or mw <= 0:
        return out
    ranks = p.positions + 1.0
    R = w @ ranks
    S = float(((R - mw * (n + 1) / 2.0) ** 2).sum())
    # sum over tie groups of t^3 - t = sum over options of (t_x^2 - 1),
    # t_x being the size of x's group on that ballot
    sizes = p.tier_sizes.astype(float)
    T = (sizes**2 - 1).sum(axis=1)
    denom = mw**2 * (n**3 - n) - mw * float(w @ T)
    out["S"] = S
    if denom <= 1e-12 * mw**2 * (n**3 - n):
        return out
    W = min(1.0, max(0.0, 12.0 * S / denom))
    chi2 = mw * (n - 1) * W
    out.update(w=W, chi2=chi2, p_value=chi2_sf(chi2, n - 1))
    return out


def supermajority_share(p, threshold=2 / 3):
    """Share of option pairs decided by at least a two-thirds majority.

    A pair {x, y} counts when, among the ballots that prefer one to the other,
    at least ``threshold`` of the weight prefers the same one. The denominator
    is all m(m-1)/2 pairs (a pair nobody separates is not decided).
    """
    m = p.m
    if m < 2:
        return None
    P = p.pairwise
    decided = 0
    for i in range(0, m, _BLOCK):  # blocks of rows: O(block * m) memory
        a, b = P[i : i + _BLOCK], P[:, i : i + _BLOCK].T
        tot = a + b
        big = np.maximum(a, b)
        d = (tot > 0) & (big >= threshold * tot - 1e-12 * np.maximum(tot, 1))
        rows = np.arange(i, i + len(a))[:, None]
        decided += int(np.count_nonzero(d & (np.arange(m)[None, :] > rows)))
    return decided / (m * (m - 1) / 2)


def spread(p):
    """Per-option interquartile range of positions (1 = first), weighted.

    Quartiles use the inverted empirical CDF (numpy's ``inverted_cdf``, the
    only rule defined for weighted data): with integer weights this is the
    same as repeating each ballot. Unranked options sit at their mid-rank.
    """
    if not len(p.weights) or p.weights.sum() <= 0:
        return {o: None for o in p.options}
    # Positions are multiples of 1/2: a weighted histogram per option over the
    # 2m half-steps gives the inverted-CDF quartiles without sorting.
    m = p.m
    half = np.rint(p.positions * 2).astype(np.int64)  # 0 .. 2(m-1)
    nb = 2 * m
    flat = (half + np.arange(m) * nb).ravel()
    wts = np.repeat(p.weights, m)
    hist = np.bincount(flat, weights=wts, minlength=m * nb).reshape(m, nb)
    cum = np.cumsum(hist, axis=1)
    total = cum[:, -1:]
    tol = 1e-12 * total
    q1 = (cum < 0.25 * total - tol).sum(axis=1)
    q3 = (cum < 0.75 * total - tol).sum(axis=1)
    return {o: float(q3[i] - q1[i]) / 2.0 for i, o in enumerate(p.options)}


def consensus_report(p):
    """Kendall's W (+ p-value), the two-thirds share and the per-option spread."""
    kw = kendall_w(p)
    return {
        "kendall_w": kw["w"],
        "chi2": kw["chi2"],
        "df": kw["df"],
        "p_value": kw["p_value"],
        "supermajority_share": supermajority_share(p),
        "spread": spread(p),
    }


def _positions(t):
    pos = t.position()
    return np.array([pos[o] for o in t.options], dtype=float)


def top_k_set(t, k):
    """Options whose rank is at most k (ties share the best rank, so a tie
    across position k makes the set larger than k)."""
    pos = t.position()
    return {o for o in t.options if pos[o] <= k}


def kendall_tau_b(a, b):
    """Kendall's tau-b between two position vectors (ties allowed).

    None when either ranking ties every option.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    # Over ordered pairs, in blocks of rows: every unordered pair counts
    # twice in each sum, which cancels, and memory stays O(block * m).
    num = na = nb = 0
    for i in range(0, len(a), _BLOCK):
        da = np.sign(a[i : i + _BLOCK, None] - a[None, :])
        db = np.sign(b[i : i + _BLOCK, None] - b[None, :])
        num += int(np.count_nonzero(da * db > 0)) - int(np.count_nonzero(da * db < 0))
        na += int(np.count_nonzero(da))
        nb += int(np.count_nonzero(db))
    den = math.sqrt(float(na) * float(nb))
    return num / den if den > 0 else None


_BLOCK = 256


def method_agreement(tallies, k=3):
    """For each pair of methods: do their top k coincide, and Kendall's tau-b.

    Returns ``{"k", "methods", "top_k_same", "kendall_tau", "pairs"}``: the two
    matrices follow ``methods`` order; ``pairs`` lists each unordered pair once.
    """
    names = list(tallies)
    pos = {n: _positions(tallies[n]) for n in names}
    tops = {n: top_k_set(tallies[n], k) for n in names}
    same = [[tops[a] == tops[b] for b in names] for a in names]
    tau = [[1.0 if a == b else None for b in names] for a in names]
    for i, a in enumerate(names):  # symmetric: each pair once
        for j in range(i, len(names)):
            tau[i][j] = tau[j][i] = kendall_tau_b(pos[a], pos[names[j]])
    pairs = [
        {"a": a, "b": b, "top_k_same": same[i][j], "kendall_tau": tau[i][j]}
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if i < j
    ]
    return {
        "k": k,
        "methods": names,
        "top_k_same": same,
        "kendall_tau": tau,
        "pairs": pairs,
    }


def chi2_sf(x, df):
    """Chi-square survival function ``P(X >= x)`` (no SciPy needed).

    Regularised upper incomplete gamma ``Q(df/2, x/2)`` by its series or its
    continued fraction (Numerical Recipes, 3rd ed., §6.2), to ~1e-14.
    """
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    lg = math.lgamma(a)
    if z < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10000):
            ap += 1.0
            term *= z / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(-z + a * math.log(z) - lg))
    tiny = 1e-300
    b = z + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return min(1.0, math.exp(-z + a * math.log(z) - lg) * h)
