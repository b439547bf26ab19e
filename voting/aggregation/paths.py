"""Graph kernels behind Schulze and Ranked Pairs, sized for thousands of options.

Both methods only compare link strengths, so :func:`strength_codes` replaces
the strengths by their rank among the distinct values (0 = no link): small
integers (int16 up to 32,766 distinct strengths, else int32), one m×m matrix
updated in place, and equality within the tolerance decided once.

:func:`widest_paths` is Floyd–Warshall for bottleneck paths on that matrix.
Above :data:`COMPILED_FROM` options it runs a compiled kernel (numba, which
skips the rows that cannot reach the pivot and vectorises the rest: about
twice numpy's speed; locking millions of pairs one by one needs it anyway); below it
a numpy loop avoids the compile time. Both compute the same integers.

:func:`lock` and :func:`lock_sequence` keep a reachability relation as rows of
bits (``uint64``, m × ceil(m/64)) for Ranked Pairs: locking x→y ORs row y into
every row that reaches x.
"""

from __future__ import annotations

import numpy as np

#: From this many options Floyd–Warshall runs compiled: below, the in-place
#: int16 numpy loop is faster than loading numba (0.5-3 s, ~150 MB of address
#: space). Locking uses the compiled kernel from 64 options and 16 pairs.
COMPILED_FROM = 1500
#: Progress is reported every this many pivots / edges.
CHUNK = 64


def link_codes(P, tol, strength, report=None):
    """The m x m matrix of link strength codes, built in blocks of rows.

    A link x→y exists when ``P[x,y] > P[y,x] + tol``; its strength is, by
    ``strength``, ``P[x,y]`` (winning), ``P[x,y] - P[y,x]`` (margin) or
    ``P[x,y] / P[y,x]`` (ratio, infinite when ``P[y,x]`` is 0). Codes are
    1..K in the order of the strengths, strengths within ``tol`` (relative,
    1e-9, for ratios) sharing a code; 0 = no link. Returns ``(S, table)``,
    ``table[c]`` the smallest strength of code ``c``. Working memory beyond
    ``S`` is O(block * m).
    """
    m = P.shape[0]
    blocks = range(0, m, 256)

    def strengths(i):
        a, b = P[i : i + 256], P[:, i : i + 256].T
        win = a > b + tol
        if strength == "winning":
            v = a
        elif strength == "margin":
            v = a - b
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.divide(a, b)
        return win, v

    parts = [np.unique(v[w]) for w, v in map(strengths, blocks)]
    vals = np.unique(np.concatenate(parts)) if parts else np.zeros(0)
    if not len(vals):
        return np.zeros((m, m), dtype=np.int16), np.zeros(1)
    relative = strength == "ratio"
    tol = 1e-9 if relative else tol
    with np.errstate(invalid="ignore"):
        thr = tol * np.maximum(1.0, np.where(np.isinf(vals[:-1]), 0, vals[:-1]))
        step = np.diff(vals) > (thr if relative else tol)
    step |= np.isinf(vals[1:]) & ~np.isinf(vals[:-1])
    group = np.concatenate([[1], 1 + np.cumsum(step)])
    dtype = np.int16 if len(vals) < 32767 else np.int32
    table = np.concatenate([[0.0], vals[np.concatenate([[True], step])]])
    S = np.zeros((m, m), dtype=dtype)
    for i in blocks:
        win, v = strengths(i)
        S[i : i + 256][win] = group[np.searchsorted(vals, v[win])]
        if report is not None:
            report("links", min(m, i + 256), m)
    return S, table


def widest_paths(S, report=None):
    """Strongest (widest) path codes, in place: ``S[x, y]`` becomes the best
    over all paths x→y of the weakest link; 0 = no path. Diagonal ignored."""
    m = S.shape[0]
    np.fill_diagonal(S, 0)
    compiled = _compiled() if m >= COMPILED_FROM else None
    if compiled is None:
        buf = np.empty_like(S)
    for k0 in range(0, m, CHUNK):
        k1 = min(m, k0 + CHUNK)
        if compiled is not None:
            compiled[0](S, k0, k1)
        else:
            for k in range(k0, k1):
                np.minimum(S[:, k : k + 1], S[k : k + 1, :], out=buf)
                np.maximum(S, buf, out=S)
        if report is not None:
            report("strongest paths", k1, m)
    np.fill_diagonal(S, 0)
    return S


# -- reachability as bit rows ------------------------------------------------------


def empty_reach(m):
    """No pair reachable: m rows of ceil(m/64) words."""
    return np.zeros((m, (m + 63) // 64), dtype=np.uint64)


def has(reach, x, y):
    """Vectorised ``y reachable from x`` over arrays of x and y."""
    word = reach[x, y >> 6]
    return ((word >> (y & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


def lock_sequence(reach, xs, ys, report=None):
    """Lock the pairs in order (skipping those closing a cycle), in place.

    Returns the number of pairs that would have closed a cycle.
    """
    m = reach.shape[0]
    compiled = _compiled() if m >= 64 and len(xs) >= 16 else None
    if compiled is not None:
        skipped = 0
        n = len(xs)
        step = max(CHUNK, n // 100)
        for i0 in range(0, n, step):
            skipped += compiled[1](reach, xs[i0 : i0 + step], ys[i0 : i0 + step])
            if report is not None:
                report("locking pairs", min(n, i0 + step), n)
        return skipped
    return sum(not lock(reach, int(x), int(y)) for x, y in zip(xs, ys, strict=True))


def lock(reach, x, y):
    """Lock x→y in place; False (and nothing changed) if it closes a cycle."""
    if reach.shape[0] >= 64 and _compiled() is not None:
        pair = np.array([x], np.int64), np.array([y], np.int64)
        return _compiled()[1](reach, *pair) == 0
    if (int(reach[y, x >> 6]) >> (x & 63)) & 1:
        return False
    if (int(reach[x, y >> 6]) >> (y & 63)) & 1:
        return True
    every = np.arange(reach.shape[0])
    rows = has(reach, every, np.full(1, x))
    rows[x] = True
    rows &= ~has(reach, every, np.full(1, y))  # closed: they reach it all
    add = reach[y].copy()
    add[y >> 6] |= np.uint64(1) << np.uint64(y & 63)
    reach[rows] |= add
    return True


_KERNELS = []


def _compiled():
    """The numba kernels, compiled on first use (None if numba is missing)."""
    if not _KERNELS:
        try:
            _KERNELS.append(_build())
        except ImportError:  # pragma: no cover - numba is a dependency
            _KERNELS.append(None)
    return _KERNELS[0]


def _build():
    import numba

    @numba.njit(cache=True)
    def row_update(ri, rk, a):  # pragma: no cover - compiled
        for j in range(ri.shape[0]):
            c = min(a, rk[j])
            ri[j] = max(ri[j], c)

    @numba.njit(cache=True)
    def fw(S, k0, k1):  # pragma: no cover - compiled
        # The pivot row is copied so that the compiler knows it does not
        # alias the row being updated, and vectorises the inner loop; rows
        # with no path to the pivot are skipped. (Serial: threads gained
        # nothing on the 2-core target.)
        m = S.shape[0]
        rk = np.empty(m, S.dtype)
        for k in range(k0, k1):
            rk[:] = S[k]
            for i in range(m):
                a = S[i, k]
                if a != 0:
                    row_update(S[i], rk, a)

    @numba.njit(cache=True)
    def locks(R, xs, ys):  # pragma: no cover - compiled
        m, words = R.shape
        one = np.uint64(1)
        skipped = 0
        reached = np.zeros(words, np.uint64)  # options someone reaches
        for a in range(m):
            for w in range(words):
                reached[w] |= R[a, w]
        for e in range(len(xs)):
            x, y = xs[e], ys[e]
            if (R[y, x >> 6] >> np.uint64(x & 63)) & one:
                skipped += 1
                continue
            if (R[x, y >> 6] >> np.uint64(y & 63)) & one:
                continue
            bx, sx = x >> 6, np.uint64(x & 63)
            wy, sy = y >> 6, np.uint64(y & 63)
            if not (reached[bx] >> sx) & one:  # nobody reaches x: row x alone
                for w in range(words):
                    R[x, w] |= R[y, w]
                R[x, wy] |= one << sy
            else:
                for a in range(m):
                    # A row that reaches y already reaches all y reaches (the
                    # relation is closed): only the others need the OR.
                    if (a == x or (R[a, bx] >> sx) & one) and not (
                        R[a, wy] >> sy
                    ) & one:
                        for w in range(words):
                            R[a, w] |= R[y, w]
                        R[a, wy] |= one << sy
            for w in range(words):  # y and all it reaches are now reached
                reached[w] |= R[y, w]
            reached[wy] |= one << sy
        return skipped

    return fw, locks
