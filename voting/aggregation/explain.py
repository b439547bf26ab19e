"""Why a tally came out as it did: facts a room can be told, and only exact ones.

:func:`explain` reads a :class:`~.report.Tally` and its
:class:`~.profile.Profile` and returns :class:`Facts` (option ids, numbers;
no words, no Flask). :mod:`voting.presentation.explain` turns them into
translated sentences.

The facts and their conventions:

- **Condorcet winner**: the option that beats every other head to head,
  ``P[x, y] > P[y, x]`` beyond ``Profile.tolerance`` (a pairwise tie is not a
  win). Unranked options count through ``P`` as the profile's ``unranked``
  rule says.
- **Cycle**: when there is no Condorcet winner, a three-way majority cycle
  a > b > c > a inside the Smith set (the smallest set of options that each
  beat every option outside it), the one best placed in the ranking. Its
  *broken* link is the weakest of the three under the measure the method
  drops first: Schulze's link strength (winning votes, margin or ratio, as
  the tally's ``strength``), the margin for Ranked Pairs and Kemeny–Young. It
  is reported only if it is the unique weakest and the final ranking really
  reverses it while keeping the other two links; otherwise no claim is made.
- **Ties**: one fact per shared place of the method itself, i.e. *before*
  any declared tie-break (the tally is recomputed without it). With the
  Borda tie-break declared, the fact says whether Borda points or the
  seeded draw settled it and in which order the options came out.
- **Cut**: how close the top-k cut is, between the single options at places
  k and k+1, claimed only where the number is exact and only when every
  ballot weighs 1 (group weights equal group counts; Prioriza's weightings
  give each ballot at most 1, so this means the per-delegate weighting or
  national orders):

  * Borda, and mean rank under ``unranked="last"`` (an affine function of
    Borda, so the same order): a ballot's contribution to
    ``points(b) - points(a)`` lies in ``[-(m-1), m-1]`` and rewriting it as
    "b first, a last" reaches ``m-1``, so its largest possible swing is
    ``(m-1) - (current difference)``; ballots add up independently, so the
    least number of changed ballots that puts b strictly above a is the
    smallest n whose n largest swings exceed the gap. This is exact: no n-1
    ballots can do it, these n do.
  * The Condorcet-type methods (Schulze, Ranked Pairs, Copeland,
    Kemeny–Young), when a beats b head to head by margin ``d``: a ballot
    switching from a > b to b > a moves the margin by 2, any other change
    by at most 1, so ``d // 2 + 1`` ballots reverse that contest and no fewer
    can. This is a fact about the head-to-head contest, not a claim that the
    places would swap (that depends on the other contests).
  * Instant-runoff: no claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from .report import Tally
from .scoring import borda_scores
from .tallying import tally as run_tally

CONDORCET_TYPE = ("schulze", "ranked_pairs", "copeland", "kemeny")


@dataclass(frozen=True)
class Link:
    """``winner`` beats ``loser`` head to head, ``won`` to ``lost`` (weights)."""

    winner: object
    loser: object
    won: float
    lost: float

    @property
    def margin(self) -> float:
        return self.won - self.lost


@dataclass(frozen=True)
class Cycle:
    links: tuple[Link, Link, Link]
    #: The weakest link, which the method overrides (None: no claim).
    broken: Link | None = None


@dataclass(frozen=True)
class Tie:
    """Options sharing ``place`` under the method; ``value`` the shared score
    where it explains the tie (Borda points, Copeland wins, mean rank, the
    Schulze strongest path of a pair, the IRV round of elimination)."""

    options: tuple
    place: int
    value: float | None = None
    #: With a declared tie-break: ``"borda"``, ``"draw"`` or
    #: ``"earlier_rounds"``, and the order out; ``"kept"`` when the declared
    #: tie-break does not separate them.
    settled_by: str | None = None
    order: tuple = ()
    seed: int | None = None


@dataclass(frozen=True)
class Cut:
    """The top-k cut between ``above`` (place k) and ``below`` (place k+1)."""

    k: int
    above: object
    below: object
    kind: str  # "points" (Borda / mean rank) or "pairwise"
    ballots: int
    won: float = 0.0
    lost: float = 0.0


@dataclass
class Facts:
    method: str
    options: tuple
    #: The option the method puts first alone (None when the first place is shared).
    first: object | None
    #: The method's first place (one option, or the options sharing it).
    top: tuple
    condorcet_winner: object | None
    cycle: Cycle | None = None
    ties: list[Tie] = field(default_factory=list)
    cut: Cut | None = None


def explain(tally: Tally, profile, top_k: int) -> Facts:
    """The facts of ``tally`` (computed on ``profile``) for a top-``top_k`` list."""
    opts = tuple(profile.options)
    tol = profile.tolerance
    M = profile.margins
    beats = M > tol
    np.fill_diagonal(beats, False)
    facts = Facts(
        method=tally.method,
        options=opts,
        first=tally.winner,
        top=tuple(tally.ranking[0]) if tally.ranking else (),
        condorcet_winner=None,
    )
    winners = [i for i in range(len(opts)) if beats[i].sum() == len(opts) - 1]
    if winners and len(opts) > 1:
        facts.condorcet_winner = opts[winners[0]]
    elif len(opts) > 2:
        facts.cycle = _cycle(tally, profile, beats)
    facts.ties = _ties(tally, profile)
    facts.cut = _cut(tally, profile, top_k)
    return facts


def head_to_head(profile) -> dict:
    """``{id: (options it beats, options it draws with)}`` head to head."""
    M, tol = profile.margins, profile.tolerance
    beats = M > tol
    draws = np.abs(M) <= tol
    np.fill_diagonal(beats, False)
    np.fill_diagonal(draws, False)
    return {
        o: (int(beats[i].sum()), int(draws[i].sum()))
        for i, o in enumerate(profile.options)
    }


def link(profile, x, y) -> Link:
    """The head-to-head contest of ids x and y, x first."""
    i, j = profile.index[x], profile.index[y]
    P = profile.pairwise
    return Link(x, y, float(P[i, j]), float(P[j, i]))


def smith_set(beats) -> list[int]:
    """Indices of the Smith set of a strict majority relation ``beats``."""
    m = beats.shape[0]
    # Copeland-style order: the Smith set is a prefix of the options sorted
    # by wins + ties/2 (Laffond et al.); grow the prefix until it is dominant.
    score = beats.sum(axis=1) + 0.5 * (~beats & ~beats.T).sum(axis=1)
    order = sorted(range(m), key=lambda i: -score[i])
    for size in range(1, m + 1):
        inside, outside = order[:size], order[size:]
        if all(beats[i, j] for i in inside for j in outside):
            return sorted(inside)
    return list(range(m))


def _cycle(tally, profile, beats) -> Cycle | None:
    smith = smith_set(beats)
    pos = tally.position()
    opts = profile.options
    best = None
    for a, b, c in combinations(smith, 3):
        for x, y, z in ((a, b, c), (a, c, b)):
            if beats[x, y] and beats[y, z] and beats[z, x]:
                key = sum(pos[opts[i]] for i in (x, y, z)), (x, y, z)
                if best is None or key < best:
                    best = key
    if best is None:
        return None
    x, y, z = best[1]
    # Start the cycle at the best placed option.
    trio = sorted((x, y, z), key=lambda i: (pos[opts[i]], i))[0]
    ring = [x, y, z]
    while ring[0] != trio:
        ring = ring[1:] + ring[:1]
    links = tuple(
        link(profile, opts[ring[n]], opts[ring[(n + 1) % 3]]) for n in range(3)
    )
    return Cycle(links, _broken(tally, links, profile.tolerance))


def _strength(tally, lk: Link) -> float:
    if tally.method == "schulze":
        strength = tally.params.get("strength", "winning")
        if strength == "winning":
            return lk.won
        if strength == "ratio":
            return lk.won / lk.lost if lk.lost else float("inf")
    return lk.margin


def _broken(tally, links, tol) -> Link | None:
    if tally.method not in ("schulze", "ranked_pairs", "kemeny"):
        return None
    values = [_strength(tally, lk) for lk in links]
    low = min(values)
    if sum(1 for v in values if abs(v - low) <= tol) != 1:
        return None
    weakest = links[values.index(low)]
    pos = tally.position()
    for lk in links:
        reversed_ = pos[lk.loser] < pos[lk.winner]
        kept = pos[lk.winner] < pos[lk.loser]
        if (lk is weakest and not reversed_) or (lk is not weakest and not kept):
            return None
    return weakest


def _untied(tally, profile) -> Tally:
    """The method's own ranking, before any declared tie-break."""
    if tally.params.get("tie_break", "none") == "none":
        return tally
    return run_tally(
        profile, tally.method, strength=tally.params.get("strength", "winning")
    )


def _ties(tally, profile) -> list[Tie]:
    own = _untied(tally, profile)
    final = tally.position()
    declared = own is not tally
    out, place = [], 1
    for tier in own.ranking:
        if len(tier) > 1:
            tie = Tie(tuple(tier), place, _tie_value(own, profile, tier))
            if declared:
                tie = _settled(tally, profile, tie, final)
            out.append(tie)
        place += len(tier)
    return out


def _tie_value(own, profile, tier):
    if own.method in ("borda", "copeland", "mean_rank"):
        return float(own.scores[tier[0]])
    if own.method == "schulze" and len(tier) == 2 and _winning(own):
        s = own.details["strongest_paths"]
        path = float(s[profile.index[tier[0]], profile.index[tier[1]]])
        return path or None  # 0: no majority either way, nothing to quote
    if own.method == "irv":
        return float(own.scores[tier[0]])  # the elimination group's number
    return None


def _winning(own) -> bool:
    """Schulze paths are quoted as votes only under winning-votes strength."""
    return own.params.get("strength", "winning") == "winning"


def _settled(tally, profile, tie, final) -> Tie:
    order = tuple(sorted(tie.options, key=lambda o: (final[o], str(o))))
    if tally.params.get("tie_break") == "earlier_rounds":
        kept = len({final[o] for o in tie.options}) == 1
        by = "kept" if kept else "earlier_rounds"
        return Tie(tie.options, tie.place, tie.value, settled_by=by, order=order)
    points = borda_scores(profile)
    values = [points[profile.index[o]] for o in tie.options]
    by = "borda" if max(values) - min(values) > profile.tolerance * profile.m else ""
    return Tie(
        tie.options,
        tie.place,
        tie.value,
        settled_by=by or "draw",
        order=order,
        seed=tally.params.get("seed"),
    )


def _unit_weights(profile) -> bool:
    return bool(np.allclose(profile.weights, profile.counts, rtol=0, atol=1e-9))


def _cut(tally, profile, k) -> Cut | None:
    tiers = tally.ranking
    place, above, below = 1, None, None
    for n, tier in enumerate(tiers):
        if place + len(tier) - 1 == k and len(tier) == 1 and n + 1 < len(tiers):
            if len(tiers[n + 1]) == 1:
                above, below = tier[0], tiers[n + 1][0]
            break
        if place + len(tier) - 1 >= k:
            break
        place += len(tier)
    if above is None or not _unit_weights(profile) or not len(profile.weights):
        return None
    method = tally.method
    if method == "borda" or (method == "mean_rank" and profile.unranked == "last"):
        return _points_cut(profile, k, above, below)
    if method in CONDORCET_TYPE:
        lk = link(profile, above, below)
        if lk.margin <= profile.tolerance:
            return None
        return Cut(
            k, above, below, "pairwise", int(round(lk.margin)) // 2 + 1, lk.won, lk.lost
        )
    return None


def ballot_points(profile) -> np.ndarray:
    """Borda points per distinct ballot (rows) and option (columns)."""
    m = profile.m
    if profile.unranked == "last":
        return m - 1 - profile.positions
    k = profile.ranked.sum(axis=1)
    return np.where(profile.ranked, (k[:, None] - 1) - profile.positions, 0.0)


def _points_cut(profile, k, above, below) -> Cut | None:
    a, b = profile.index[above], profile.index[below]
    pts = ballot_points(profile)
    diff = pts[:, b] - pts[:, a]  # per ballot, in [-(m-1), m-1]
    swing = (profile.m - 1) - diff
    gap = float(profile.weights @ (pts[:, a] - pts[:, b]))
    if gap <= profile.tolerance:
        return None
    counts = np.rint(profile.counts).astype(int)
    done, n = 0.0, 0
    for i in np.argsort(-swing, kind="stable"):
        for _ in range(counts[i]):
            if swing[i] <= 0:
                return None
            done += swing[i]
            n += 1
            if done > gap + profile.tolerance:
                return Cut(k, above, below, "points", n)
    return None
