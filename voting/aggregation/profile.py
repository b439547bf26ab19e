"""Weighted weak-order ballots and the pairwise matrix every method reads.

A ballot is a weak order over a subset of the options, written as a list of
tiers, best first: ``[[a], [b, c], [d]]`` means a > b = c > d. Options a ballot
does not list are *unranked*; how they count is the profile's ``unranked``
convention, recorded in every tally:

- ``"last"`` (default): unranked options are tied with each other below every
  ranked option (Debian constitution A.6, Schulze 2011 §2, Condorcet PHP's
  implicit ranking, PrefLib's "imbued" ``.toc`` files).
- ``"ignore"``: an unranked option takes part in no comparison on that ballot.

Identical ballots are grouped (their weights added) before anything is
computed, so the cost of every method depends on the number of *distinct*
ballots, not on the number of voters.
"""

from __future__ import annotations

from functools import cached_property
from itertools import chain

import numpy as np

from .pairwise import pairwise_matrix

UNRANKED_MODES = ("last", "ignore")
_TIER_TYPES = (list, tuple, set, frozenset)


class AggregationError(ValueError):
    """Invalid input to the aggregation engine; the message names the problem."""


class Profile:
    """Grouped weighted ballots over a fixed list of options.

    Arguments: ``options`` (hashable ids, in display order), ``ballots`` (an
    iterable of ``(ranking, weight)``, a ranking being a list of tiers, each a
    list of option ids) and ``unranked`` (``"last"`` or ``"ignore"``).

    Validation raises :class:`AggregationError` naming the ballot (1-based) and
    the problem: unknown option, option listed twice, empty ballot or tier,
    negative, non-numeric or non-finite weight. A weight of 0 is allowed (the
    ballot then changes nothing).

    Internal arrays (one row per distinct ballot, one column per option, in
    ``options`` order):

    - ``ranks``: tier index (0 = best); an unranked option holds ``m``;
    - ``positions``: the 0-based average position, i.e. the mean of the
      positions a tier occupies (ties and the unranked tail share them);
    - ``weights``: total weight of the identical ballots; ``counts``: how many.
    """

    def __init__(self, options, ballots, unranked="last"):
        options = tuple(options)
        if not options:
            raise AggregationError("a profile needs at least one option")
        try:
            index = {o: i for i, o in enumerate(options)}
        except TypeError as exc:
            raise AggregationError(f"option ids must be hashable: {exc}") from None
        if len(index) != len(options):
            seen = set()
            dup = next(o for o in options if o in seen or seen.add(o))
            raise AggregationError(f"option {dup!r} is listed twice in the options")
        _check_unranked(unranked)
        self.options = options
        self.index = index
        self.unranked = unranked
        ranks, weights = _encode(options, index, ballots)
        self._set_grouped(ranks, weights, np.ones(len(weights)))

    @classmethod
    def from_arrays(
        cls, options, ranks, weights, unranked="last", counts=None, distinct=False
    ):
        """Build from a tier-index matrix (``ranks[u, i]``; ``m`` = unranked).

        Tiers must be compact (0..k-1) on every row; rows need not be distinct,
        unless ``distinct`` says they are (then they are not grouped again).
        """
        self = cls.__new__(cls)
        self.options = tuple(options)
        self.index = {o: i for i, o in enumerate(self.options)}
        _check_unranked(unranked)
        self.unranked = unranked
        m = len(self.options)
        ranks = np.asarray(ranks, dtype=_rank_dtype(m)).reshape(-1, m)
        weights = _check_weights(np.asarray(weights, dtype=float).reshape(-1))
        if len(weights) != len(ranks):
            raise AggregationError("ranks and weights have different lengths")
        if ranks.size and ((ranks < 0) | (ranks > m)).any():
            raise AggregationError("tier indices must lie in 0..m")
        self._set_grouped(
            ranks,
            weights,
            np.ones(len(weights)) if counts is None else np.asarray(counts, float),
            distinct,
        )
        return self

    def _set_grouped(self, ranks, weights, counts, distinct=False):
        m = len(self.options)
        if len(ranks) > 1 and not distinct:
            view = np.ascontiguousarray(ranks).view(
                np.dtype((np.void, ranks.dtype.itemsize * m))
            )[:, 0]
            _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
            inverse = inverse.reshape(-1)
            ranks = ranks[first]
            weights = np.bincount(inverse, weights=weights, minlength=len(first))
            counts = np.bincount(inverse, weights=counts, minlength=len(first))
        self.ranks = ranks
        self.positions = _positions_from_ranks(ranks)
        self.weights = weights
        self.counts = counts
        self.ranked = ranks < m
        self.cache = {}  # results that do not depend on ``unranked``

    def with_unranked(self, unranked):
        """The same ballots read with another unranked convention."""
        if unranked == self.unranked:
            return self
        other = Profile.__new__(Profile)
        other.__dict__.update(
            {k: v for k, v in self.__dict__.items() if k in _BASE_ATTRS}
        )
        _check_unranked(unranked)
        other.unranked = unranked
        return other

    # -- sizes -----------------------------------------------------------------
    @property
    def m(self):
        """Number of options."""
        return len(self.options)

    @property
    def n_distinct(self):
        """Number of distinct ballots."""
        return len(self.weights)

    @property
    def n_ballots(self):
        """Number of ballots given (before grouping)."""
        return int(round(float(self.counts.sum())))

    @property
    def total_weight(self):
        """Sum of all ballot weights."""
        return float(self.weights.sum())

    @property
    def tolerance(self):
        """Absolute tolerance under which two weight sums count as equal.

        Weights such as 1/3 make sums that should be equal differ in the last
        bits; comparisons of pairwise totals and scores use this tolerance.
        """
        return 1e-9 * max(1.0, self.total_weight)

    # -- the pairwise matrix -------------------------------------------------
    @cached_property
    def pairwise(self):
        """``P[x, y]``: total weight of ballots ranking x strictly above y.

        Under ``"ignore"`` a ballot counts for (x, y) only if it ranks both.
        """
        return self.build_pairwise()

    def build_pairwise(self, progress=None, report_from=None):
        """Build :attr:`pairwise` now (kept for every later read), reporting
        ``progress("pairwise matrix", done, total)`` for a large profile
        (:mod:`.pairwise`: from ``report_from`` comparisons)."""
        if "pairwise" not in self.__dict__:
            self.__dict__["pairwise"] = pairwise_matrix(
                self.ranks,
                self.ranked,
                self.weights,
                self.unranked,
                progress,
                report_from,
            )
        return self.__dict__["pairwise"]

    @cached_property
    def support(self):
        """``N[x, y]``: weight of ballots on which x and y are compared at all."""
        m = self.m
        if self.unranked == "last":
            N = np.full((m, m), self.total_weight)
        else:
            r = self.ranked.astype(float)
            N = (r * self.weights[:, None]).T @ r
        np.fill_diagonal(N, 0.0)
        return N

    @property
    def tier_sizes(self):
        """``S[u, x]``: size of the group x shares on ballot u (1 if alone).

        The unranked tail counts as one group.
        """
        if "tier_sizes" not in self.cache:
            U, m = self.ranks.shape
            flat = (np.arange(U)[:, None] * (m + 1) + self.ranks).ravel()
            counts = np.bincount(flat, minlength=U * (m + 1))
            self.cache["tier_sizes"] = counts[flat].reshape(U, m)
        return self.cache["tier_sizes"]

    @property
    def margins(self):
        """``P - P.T``."""
        P = self.pairwise
        return P - P.T

    def rankings(self):
        """The distinct ballots as ``(tiers, weight)`` with option ids."""
        out = []
        for row, w in zip(self.ranks, self.weights, strict=True):
            tiers = {}
            for i, r in enumerate(row.tolist()):
                if r < self.m:
                    tiers.setdefault(r, []).append(self.options[i])
            out.append(([tiers[r] for r in sorted(tiers)], float(w)))
        return out

    def __repr__(self):
        return (
            f"Profile({self.m} options, {self.n_ballots} ballots, "
            f"{self.n_distinct} distinct, unranked={self.unranked!r})"
        )


_BASE_ATTRS = (
    "options",
    "index",
    "ranks",
    "positions",
    "weights",
    "counts",
    "ranked",
    "cache",
)


def iter_pairs(items, label, expected):
    """Yield each item of ``items`` as a pair; name the first that is not one.

    The error reads ``"{label} {i}: expected {expected}"`` (1-based ``i``).
    """
    for i, item in enumerate(items):
        try:
            a, b = item
        except (TypeError, ValueError):
            raise AggregationError(f"{label} {i + 1}: expected {expected}") from None
        yield a, b


def _check_unranked(unranked):
    if unranked not in UNRANKED_MODES:
        raise AggregationError(f"unranked must be 'last' or 'ignore', not {unranked!r}")


def _rank_dtype(m):
    return np.int16 if m < 32000 else np.int32


def _check_weights(w):
    if w.size and not np.isfinite(w).all():
        i = int(np.flatnonzero(~np.isfinite(w))[0])
        raise AggregationError(f"ballot {i + 1}: weight {float(w[i])} is not finite")
    if w.size and (w < 0).any():
        i = int(np.flatnonzero(w < 0)[0])
        raise AggregationError(f"ballot {i + 1}: weight {float(w[i])} is negative")
    return w


def _positions_from_ranks(ranks):
    """Average 0-based positions from tier indices (row-wise, vectorised)."""
    U, m = ranks.shape
    if not U:
        return np.zeros((0, m))
    # counts[u, t] = size of tier t on ballot u (t = m is the unranked tail).
    flat = (np.arange(U)[:, None] * (m + 1) + ranks).ravel()
    counts = np.bincount(flat, minlength=U * (m + 1)).reshape(U, m + 1)
    start = np.cumsum(counts, axis=1) - counts
    # the start and size of each cell's tier, read through the same flat index
    middle = start.reshape(-1)[flat] + (counts.reshape(-1)[flat] - 1) / 2.0
    return middle.reshape(U, m)


def _encode(options, index, ballots):
    """Turn ``(ranking, weight)`` pairs into rank/position/weight arrays.

    Everything that touches each option id runs through C-level ``map`` and
    ``chain`` calls and numpy, so 100,000 ballots of 20 options take a few
    tenths of a second.
    """
    m = len(options)
    try:
        ballots = list(ballots)
        rankings = [r for r, _ in ballots]
        raw_weights = [w for _, w in ballots]
    except (TypeError, ValueError):
        for _ in iter_pairs(ballots, "ballot", "(ranking, weight)"):
            pass
        raise AggregationError("ballots must be (ranking, weight) pairs") from None
    n = len(rankings)
    if not n:
        return np.zeros((0, m), _rank_dtype(m)), np.zeros(0)
    try:
        weights = np.array(raw_weights, dtype=float)
    except (TypeError, ValueError):
        i = next(i for i, x in enumerate(raw_weights) if not _is_number(x))
        raise AggregationError(
            f"ballot {i + 1}: weight {raw_weights[i]!r} is not a number"
        ) from None
    _check_weights(weights)

    if {t for t in map(type, rankings) if t not in (list, tuple)}:
        i = next(i for i, r in enumerate(rankings) if type(r) not in (list, tuple))
        raise AggregationError(
            f"ballot {i + 1}: a ranking must be a list of tiers, "
            f"not {type(rankings[i]).__name__}"
        )
    ntiers = np.fromiter(map(len, rankings), dtype=np.int64, count=n)
    if (ntiers == 0).any():
        i = int(np.flatnonzero(ntiers == 0)[0])
        raise AggregationError(f"ballot {i + 1} is empty (it ranks no option)")
    tiers = list(chain.from_iterable(rankings))
    # A string given as a tier would be read letter by letter; check tier
    # types whenever string ids make that possible (otherwise the letters
    # fail as unknown options and the check runs then).
    if any(isinstance(o, (str, bytes)) for o in options):
        _check_tier_types(rankings, tiers)
    T = len(tiers)
    tlen = np.fromiter(map(len, tiers), dtype=np.int64, count=T)
    if (tlen == 0).any():
        i = int(np.repeat(np.arange(n), ntiers)[np.flatnonzero(tlen == 0)[0]])
        raise AggregationError(f"ballot {i + 1} has an empty tier")
    flat = list(chain.from_iterable(tiers))
    E = len(flat)
    try:
        idx = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=E)
    except (KeyError, TypeError):
        _check_tier_types(rankings, tiers)
        elem_ballot = np.repeat(np.repeat(np.arange(n), ntiers), tlen)
        for e, o in enumerate(flat):
            try:
                index[o]
            except (KeyError, TypeError):
                raise AggregationError(
                    f"ballot {int(elem_ballot[e]) + 1}: unknown option {o!r}"
                ) from None
        raise  # pragma: no cover

    first_tier = np.cumsum(ntiers) - ntiers
    tier_in_ballot = np.arange(T) - np.repeat(first_tier, ntiers)
    if E == T:  # every tier is a single option (no tier is empty)
        elem_ballot = np.repeat(np.arange(n), ntiers)
        elem_tier = tier_in_ballot
    else:
        per_ballot = np.add.reduceat(tlen, first_tier)
        elem_ballot = np.repeat(np.arange(n), per_ballot)
        elem_tier = np.repeat(tier_in_ballot, tlen)
    key = elem_ballot * m + idx
    ranks = np.full((n, m), m, dtype=_rank_dtype(m))
    ranks.reshape(-1)[key] = elem_tier
    if int(np.count_nonzero(ranks < m)) != E:
        order = np.argsort(key, kind="stable")
        dup = order[1:][np.diff(key[order]) == 0][0]
        raise AggregationError(
            f"ballot {int(elem_ballot[dup]) + 1}: option {flat[dup]!r} is listed twice"
        )
    return ranks, weights


def _check_tier_types(rankings, tiers):
    if {t for t in map(type, tiers) if t not in _TIER_TYPES}:
        for i, r in enumerate(rankings):
            for t in r:
                if type(t) not in _TIER_TYPES:
                    raise AggregationError(
                        f"ballot {i + 1}: each tier must be a list of options, "
                        f"got {t!r}"
                    )


def _is_number(x):
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True
