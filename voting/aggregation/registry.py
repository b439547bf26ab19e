"""The method registry and the contract every method function follows.

A method function takes a :class:`~voting.aggregation.profile.Profile` and a
:class:`Context` and returns an :class:`Outcome` (tiers of option indices,
best first, and one score per option); :func:`~voting.aggregation.tallying.tally`
attaches ids, parameters, the tie convention and notes. Each method is
registered with the :func:`method` decorator under the name used everywhere
(CLI, config, exports). :data:`METHODS` keeps the display order of
:data:`ORDER` whatever the order in which the family modules
(:mod:`.condorcet`, :mod:`.scoring`, :mod:`.runoff`, :mod:`.kemeny`) register.

The helpers turn scores or a strict partial order into tiers; equal scores
(within a tolerance) and options the relation leaves unordered share a tier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Display order of the methods (CLI, config, exports, :func:`tally_all`).
ORDER = ("schulze", "ranked_pairs", "copeland", "borda", "irv", "kemeny", "mean_rank")


@dataclass(frozen=True)
class Method:
    """A registered method: machine name, display label, tie convention."""

    name: str
    label: str
    tie_convention: str
    score: str
    func: object
    description: str


METHODS: dict[str, Method] = {}


def _position(name):
    return (ORDER.index(name), "") if name in ORDER else (len(ORDER), name)


def method(name, label, tie_convention, score):
    """Register a method function under ``name`` (decorator)."""

    def wrap(func):
        doc = (func.__doc__ or "").strip().split("\n\n")[0]
        METHODS[name] = Method(
            name, label, tie_convention, score, func, " ".join(doc.split())
        )
        for key in sorted(METHODS, key=_position):  # keep the display order
            METHODS[key] = METHODS.pop(key)
        return func

    return wrap


@dataclass
class Outcome:
    """What a method function returns (indices, before ids are attached)."""

    tiers: list
    scores: np.ndarray
    details: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    exact: bool = True
    params: dict = field(default_factory=dict)
    #: With ``exact=False``: whether the top of the ranking is proven anyway
    #: (e.g. a Condorcet winner heads every Ranked Pairs universe and every
    #: Kemeny ranking), so that :attr:`Tally.winner` may still be given.
    winner_proven: bool = False


@dataclass
class Context:
    """Per-call options handed to a method function."""

    strength: str = "winning"
    tie_order: list | None = None  # indices, best first, when a tie-break is declared
    seed: int | None = None
    tie_break: str | None = None  # the declared rule's name ("borda", ...)
    #: ``progress(step, done, total)``, called now and then by long methods
    #: (the caller names the method); None = silent. Keeps this package free
    #: of any terminal or UI code.
    progress: object = None
    #: Seconds an approximation may run (Kemeny above its exact limit).
    time_budget: float = 10.0
    #: Kemeny above its exact limit: ``"approximate"`` (the local search
    #: within ``time_budget``, marked inexact) or ``"refuse"``.
    above_exact_limit: str = "approximate"

    def report(self, step, done, total):
        """Forward progress to the callback, if any."""
        if self.progress is not None:
            self.progress(step, done, total)


# -- tiers -----------------------------------------------------------------------


def tiers_from_scores(scores, tol, higher_is_better=True):
    """Group options by score: equal scores (within ``tol``) share a tier.

    NaN scores (no data) go to a last tier.
    """
    scores = np.asarray(scores, dtype=float)
    nan = np.isnan(scores)
    idx = np.flatnonzero(~nan)
    key = -scores[idx] if higher_is_better else scores[idx]
    idx = idx[np.argsort(key, kind="stable")]
    tiers = []
    for i in idx:
        if tiers and abs(scores[i] - scores[tiers[-1][-1]]) <= tol:
            tiers[-1].append(int(i))
        else:
            tiers.append([int(i)])
    if nan.any():
        tiers.append([int(i) for i in np.flatnonzero(nan)])
    return [sorted(t) for t in tiers]


def layer_relation(above):
    """Tiers from a strict partial order ``above[x, y]`` (x over y).

    Tier 1 holds the options nothing is above; remove them and repeat. Within a
    tier options keep index order. A cycle (never produced here) would put all
    remaining options in one tier rather than loop.
    """
    m = above.shape[0]
    remaining = np.ones(m, dtype=bool)
    # Number of remaining options above each one; removing a tier subtracts
    # its rows, so the whole layering costs O(m^2), not O(m^2) per tier.
    indeg = np.count_nonzero(above, axis=0).astype(np.int64)
    tiers = []
    while remaining.any():
        idx = np.flatnonzero(remaining)
        tier = idx[indeg[idx] == 0]
        if not len(tier):
            tier = idx
        tiers.append([int(i) for i in tier])
        remaining[tier] = False
        indeg -= np.count_nonzero(above[tier], axis=0)
    return tiers


def pairwise_counts(p, block=256):
    """Per option: pairwise wins and pairwise ties (itself excluded), from
    the margins taken in blocks of rows (O(block * m) working memory)."""
    P, tol = p.pairwise, p.tolerance
    wins, ties = np.zeros(p.m, np.int64), np.zeros(p.m, np.int64)
    for i in range(0, p.m, block):
        M = P[i : i + block] - P[:, i : i + block].T
        wins[i : i + block] = np.count_nonzero(M > tol, axis=1)
        ties[i : i + block] = np.count_nonzero(np.abs(M) <= tol, axis=1) - 1
    return wins, ties


def condorcet_winner(p):
    """Index of the option beating every other head to head, or None."""
    wins, _ = pairwise_counts(p)
    best = np.flatnonzero(wins == p.m - 1)
    return int(best[0]) if len(best) else None


def below_counts(tiers, m):
    """Score used by relation-based methods: options ranked strictly below."""
    out = np.zeros(m)
    placed = 0
    for tier in tiers:
        placed += len(tier)
        out[tier] = m - placed
    return out


def rank_of(order):
    """``{index: position}`` for an order of indices (best first)."""
    return {x: i for i, x in enumerate(order)}
