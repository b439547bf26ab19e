"""The ranking methods, their registry, and :func:`tally`.

Every method reads a :class:`~voting.aggregation.profile.Profile` (mostly
through its pairwise matrix, computed once) and returns tiers of option
indices; :func:`tally` turns them into a :class:`Tally` with option ids, the
parameters, the tie convention and notes. Each method is registered with the
:func:`method` decorator under the name used everywhere (CLI, config,
exports): ``schulze``, ``ranked_pairs``, ``copeland``, ``borda``, ``irv``,
``kemeny``, ``mean_rank``.

Ties are never broken silently. A method that cannot separate options puts
them in one tier. A caller may *declare* a tie-break, ``tie_break="borda"``:
tied options are then ordered by Borda score, and options still tied on Borda
by a shuffle drawn from ``random.Random(seed)`` (the seed is public and
recorded); the tally records the rule, the seed and the resulting order.

Equality of weight sums uses ``Profile.tolerance`` (1e-9 of the total weight),
so fractional weights such as 1/3 per delegate do not create spurious wins.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from .consensus import kendall_w
from .kemeny import EXACT_LIMIT, kemeny_exact, kemeny_local, layer_relation
from .kemeny import order_cost as _order_cost
from .profile import AggregationError, Profile
from .report import Tally

STRENGTHS = ("winning", "margin", "ratio")
TIE_BREAKS = (None, "none", "borda")
#: Ranked Pairs explores at most this many search states per equal-margin group
#: before falling back to the tie-break order (see :func:`ranked_pairs`).
RANKED_PAIRS_STATE_LIMIT = 10000


@dataclass(frozen=True)
class Method:
    """A registered method: machine name, display label, tie convention."""

    name: str
    label: str
    tie_convention: str
    score: str
    func: object
    description: str

    def __call__(self, profile, **kwargs):
        return tally(profile, self.name, **kwargs)


METHODS: dict[str, Method] = {}


def method(name, label, tie_convention, score):
    """Register a method function under ``name`` (decorator)."""

    def wrap(func):
        doc = (func.__doc__ or "").strip().split("\n\n")[0]
        METHODS[name] = Method(
            name, label, tie_convention, score, func, " ".join(doc.split())
        )
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


@dataclass
class Context:
    """Per-call options handed to a method function."""

    strength: str = "winning"
    tie_order: list | None = None  # indices, best first, when a tie-break is declared
    seed: int | None = None


# -- helpers ---------------------------------------------------------------------


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


def below_counts(tiers, m):
    """Score used by relation-based methods: options ranked strictly below."""
    out = np.zeros(m)
    placed = 0
    for tier in tiers:
        placed += len(tier)
        out[tier] = m - placed
    return out


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


def _split_by(tiers, order):
    rank = {x: i for i, x in enumerate(order)}
    return [[x] for tier in tiers for x in sorted(tier, key=rank.__getitem__)]


# -- methods ---------------------------------------------------------------------


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
    repeats, so options the relation leaves unordered share a tier.

    Example: the 45-voter example of Schulze's paper ranks E > A > C > B > D.
    """
    P, tol = p.pairwise, p.tolerance
    win = P > P.T + tol
    if ctx.strength == "winning":
        d = np.where(win, P, 0.0)
    elif ctx.strength == "margin":
        d = np.where(win, P - P.T, 0.0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(win, np.divide(P, P.T), 0.0)
    s = d.copy()
    np.fill_diagonal(s, 0.0)
    for k in range(p.m):  # Floyd–Warshall for widest paths
        np.maximum(s, np.minimum(s[:, k : k + 1], s[k : k + 1, :]), out=s)
    np.fill_diagonal(s, 0.0)
    rel_tol = tol if ctx.strength != "ratio" else 1e-9
    with np.errstate(invalid="ignore"):
        beats = s > s.T + rel_tol * np.maximum(1.0, np.where(np.isinf(s.T), 0, s.T))
    tiers = layer_relation(beats)
    return Outcome(
        tiers,
        beats.sum(axis=1).astype(float),
        details={"strongest_paths": s, "link_strength": ctx.strength},
        params={"strength": ctx.strength},
    )


@method(
    "ranked_pairs",
    "Ranked Pairs",
    "Pairs with equal margins are locked in every possible order (parallel "
    "universes); options whose order depends on that choice share a rank. A "
    "pair with margin zero is never locked.",
    "number of options ranked below",
)
def ranked_pairs(p, ctx):
    """Ranked Pairs (T. N. Tideman, "Independence of clones as a criterion for
    voting rules", Social Choice and Welfare 4, 1987): take the majorities x→y
    by decreasing margin ``P[x,y]-P[y,x]`` and lock each one unless it would
    close a cycle with those already locked; the locked graph orders the
    options. When several pairs have the same margin the result may depend on
    the order in which they are locked; we follow "parallel universe"
    semantics (Brill & Fischer, "The Price of Neutrality for the Ranked Pairs
    Method", AAAI 2012): every order is explored, x is ranked above y only if x
    precedes y in *every* resulting locked graph, and the ranking layers that
    relation, so the options concerned share a tier. The search runs group by
    group over the distinct reachability states (memoised); equal-margin pairs
    that cannot conflict are locked at once. If a group needs more than
    ``RANKED_PAIRS_STATE_LIMIT`` states (counted over all the states it
    starts from), its pairs are locked in the tie-break order of Borda score
    then seed 0, the tally is marked ``exact: false`` and a note says so.
    With a declared tie-break the equal-margin pairs are ordered by it from
    the start (Tideman's tie-breaking ranking): the pair whose winner ranks
    higher first, then the one whose loser ranks lower.
    """
    m, tol = p.m, p.tolerance
    M = p.margins
    xs, ys = np.nonzero(M > tol)
    notes, exact = [], True
    order = np.lexsort((ys, xs, -M[xs, ys]))
    pairs = [(int(xs[i]), int(ys[i]), float(M[xs[i], ys[i]])) for i in order]
    groups = []
    for x, y, mg in pairs:
        if groups and abs(groups[-1][0] - mg) <= tol:
            groups[-1][1].append((x, y))
        else:
            groups.append((mg, [(x, y)]))

    def tb_sort(edges, tie_order):
        rank = {c: i for i, c in enumerate(tie_order)}
        return sorted(edges, key=lambda e: (rank[e[0]], -rank[e[1]]))

    states = {tuple([0] * m)}
    explored = 0
    for mg, edges in groups:
        if ctx.tie_order is not None:
            states = {_lock_sequence(s, tb_sort(edges, ctx.tie_order)) for s in states}
            continue
        # The bound holds per group, over all the states the group starts from.
        new_states, budget = set(), RANKED_PAIRS_STATE_LIMIT
        for s in states:
            result = _lock_all_orders(s, edges, budget)
            if result is None:
                break
            new_states |= result[0]
            budget -= result[1]
            explored += result[1]
        else:
            states = new_states
            continue
        fallback = tb_sort(edges, tie_break_order(p, 0))
        states = {_lock_sequence(s, fallback) for s in states}
        exact = False
        notes.append(
            f"{len(edges)} pairs of margin {mg:g} exceeded the search bound of "
            f"{RANKED_PAIRS_STATE_LIMIT} states; they were locked in the order of "
            "Borda score, then seed 0."
        )
    above = np.ones((m, m), dtype=bool)
    sources = set()
    for s in states:
        reach = np.array([[(r >> y) & 1 for y in range(m)] for r in s], dtype=bool)
        above &= reach
        has_parent = reach.any(axis=0)
        sources.update(int(i) for i in np.flatnonzero(~has_parent))
    np.fill_diagonal(above, False)
    tiers = layer_relation(above)
    if len(states) > 1:
        notes.append(
            f"Equal margins gave {len(states)} different outcomes depending on "
            "the locking order; options ordered differently by them are tied."
        )
    return Outcome(
        tiers,
        below_counts(tiers, m),
        details={
            "universes": len(states),
            "search_states": explored,
            "universe_winners": sorted(sources),
            "majorities": [(x, y, mg) for x, y, mg in pairs],
        },
        notes=notes,
        exact=exact,
    )


def _lock(state, x, y):
    """Lock x→y in a reachability state (tuple of bitmasks); None if a cycle."""
    if (state[y] >> x) & 1:
        return None
    if (state[x] >> y) & 1:
        return state
    add = (1 << y) | state[y]
    bx = 1 << x
    return tuple(r | add if (i == x or r & bx) else r for i, r in enumerate(state))


def _lock_sequence(state, edges):
    for x, y in edges:
        new = _lock(state, x, y)
        if new is not None:
            state = new
    return state


def _lock_all_orders(state, edges, limit):
    """Every reachability state reachable by locking ``edges`` in any order.

    Returns ``(set of final states, states explored)`` or None past ``limit``.
    Memoised on (state, remaining edges); edges already implied or already
    impossible are settled without branching, and a set of edges that can all
    be locked together (no cycle) is locked at once.
    """
    finals = set()
    seen = set()
    frontier = [(state, frozenset(edges))]
    explored = 0
    while frontier:
        s, rem = frontier.pop()
        if (s, rem) in seen:
            continue
        seen.add((s, rem))
        explored += 1
        if explored > limit:
            return None
        live = frozenset(
            (x, y) for x, y in rem if not (s[y] >> x) & 1 and not (s[x] >> y) & 1
        )
        if not live:
            finals.add(s)
            continue
        t = s
        for x, y in live:
            t = _lock(t, x, y)
            if t is None:
                break
        if t is not None:
            finals.add(t)
            continue
        for e in live:
            frontier.append((_lock(s, *e), live - {e}))
    return finals, explored


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
    variant); options are ranked by score. Wins minus losses, as some sources
    report, is ``2 * score - (m - 1)``. Under ``unranked="ignore"`` a pair no
    ballot compares counts as a tie.
    """
    M, tol = p.margins, p.tolerance
    wins = (M > tol).sum(axis=1)
    ties = (np.abs(M) <= tol).sum(axis=1) - 1  # minus the diagonal
    scores = wins + 0.5 * ties
    return Outcome(tiers_from_scores(scores, 1e-9), scores.astype(float))


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
    add the number of ballots to every score.
    """
    scores = borda_scores(p)
    return Outcome(tiers_from_scores(scores, p.tolerance * p.m), scores)


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
                rank = {x: i for i, x in enumerate(ctx.tie_order)}
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


@method(
    "kemeny",
    "Kemeny–Young",
    "Options whose relative order differs between optimal Kemeny rankings "
    "share a rank.",
    "number of options ranked below",
)
def kemeny(p, ctx):
    """Kemeny–Young (J. G. Kemeny, "Mathematics without numbers", Daedalus
    88, 1959; H. P. Young & A. Levenglick, SIAM J. Appl. Math. 35, 1978): the
    ranking that minimises the total number (weight) of pairwise
    disagreements with the ballots, ``sum over x before y of P[y,x]``.
    Computed exactly up to 20 options by dynamic programming over subsets
    (see :mod:`voting.aggregation.kemeny`); options whose relative order
    differs between optimal rankings share a tier. Above 20 options a local
    search (best-insertion moves from the Copeland and Borda orders and
    seeded random starts) returns one good strict ranking marked
    ``exact: false``. The details give the disagreement (distance) and the
    agreement (Kemeny score, ``sum over x before y of P[x,y]``).
    """
    P, m = p.pairwise, p.m
    notes = []
    if m <= EXACT_LIMIT:
        tiers, order, cost = kemeny_exact(P, p.tolerance, ctx.tie_order)
        exact = True
        if ctx.tie_order is not None:
            tiers = [[x] for x in order]
    else:
        starts = [
            [x for t in copeland(p, ctx).tiers for x in t],
            [x for t in borda(p, ctx).tiers for x in t],
        ]
        order, cost = kemeny_local(P, starts, seed=ctx.seed or 0)
        tiers = [[x] for x in order]
        exact = False
        notes.append(
            f"{m} options exceed the exact limit of {EXACT_LIMIT}: the ranking "
            "comes from a local search and may not be optimal."
        )
    agreement = float(np.triu(P[np.ix_(order, order)], 1).sum())
    return Outcome(
        tiers,
        below_counts(tiers, m),
        details={"disagreement": cost, "agreement": agreement, "order": order},
        notes=notes,
        exact=exact,
    )


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
    option nobody ranks has no score and comes last.
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


# -- entry points ----------------------------------------------------------------


def tally(profile, method="schulze", strength="winning", tie_break=None, seed=None):
    """Run one method on a profile and return a :class:`Tally`.

    ``strength`` only affects Schulze. ``tie_break`` is ``None``/``"none"``
    (ties reported) or ``"borda"`` (Borda, then ``random.Random(seed)``;
    no seed means seed 0, recorded like any other).
    """
    if not isinstance(profile, Profile):
        raise AggregationError("tally() needs a Profile")
    if method not in METHODS:
        raise AggregationError(
            f"unknown method {method!r}; choose one of: " + ", ".join(METHODS)
        )
    if strength not in STRENGTHS:
        raise AggregationError(
            f"unknown strength {strength!r}; choose winning, margin or ratio"
        )
    if tie_break not in TIE_BREAKS:
        raise AggregationError(f"unknown tie-break {tie_break!r}; use none or borda")
    tie_break = None if tie_break == "none" else tie_break
    if seed is not None and not isinstance(seed, int):
        raise AggregationError(f"seed must be an integer, not {seed!r}")
    spec = METHODS[method]
    if tie_break and seed is None:
        seed = 0  # a missing seed must not mean "random": 0, and recorded
    tie_order = tie_break_order(profile, seed) if tie_break else None
    ctx = Context(strength=strength, tie_order=tie_order, seed=seed)
    out = spec.func(profile, ctx)
    tiers = out.tiers
    notes = list(out.notes)
    tie_rule = spec.tie_convention
    params = {
        "unranked": profile.unranked,
        "tie_break": tie_break or "none",
        "score": spec.score,
    }
    params.update(out.params)
    if tie_break:
        broke = any(len(t) > 1 for t in tiers)
        tiers = _split_by(tiers, tie_order)
        params["seed"] = seed
        params["tie_break_order"] = [profile.options[i] for i in tie_order]
        tie_rule += (
            " Declared tie-break: remaining ties are ordered by Borda score, "
            f"then by a shuffle seeded with {seed}."
        )
        if broke:
            notes.append("The declared tie-break separated tied options.")
    params["tie_rule"] = tie_rule
    opts = profile.options
    return Tally(
        method=spec.name,
        label=spec.label,
        options=opts,
        ranking=[[opts[i] for i in t] for t in tiers],
        scores={opts[i]: float(s) for i, s in enumerate(out.scores)},
        pairwise=profile.pairwise,
        params=params,
        notes=notes,
        exact=out.exact,
        details=_ids(out.details, opts, spec.name),
        consensus={"kendall_w": kendall_w(profile)["w"]},
    )


def tally_all(profile, methods=None, **kwargs):
    """Every method (or the named ones) on one profile: ``{name: Tally}``."""
    names = list(METHODS) if methods is None else list(methods)
    return {name: tally(profile, name, **kwargs) for name in names}


def disagreement(profile, ranking):
    """Kemeny distance of a strict ranking (list of ids) from the ballots."""
    idx = [profile.index[o] for o in ranking]
    return _order_cost(profile.pairwise, idx)


def _ids(details, opts, name):
    """Replace option indices by ids in a method's details."""
    out = dict(details)
    if name == "irv":
        out["rounds"] = [
            {opts[i]: c for i, c in sorted(r.items())} for r in details["rounds"]
        ]
        out["eliminated"] = [[opts[i] for i in g] for g in details["eliminated"]]
    elif name == "ranked_pairs":
        out["universe_winners"] = [opts[i] for i in details["universe_winners"]]
        out["majorities"] = [
            [opts[x], opts[y], mg] for x, y, mg in details["majorities"]
        ]
    elif name == "kemeny":
        out["order"] = [opts[i] for i in details["order"]]
    return out
