"""The entry points: :func:`tally`, :func:`tally_all`, :func:`disagreement`.

:func:`tally` validates the options, runs one registered method (see
:mod:`.registry`) and turns its tiers of indices into a :class:`Tally` with
option ids, the parameters, the tie convention and notes.

Ties are never broken silently. A method that cannot separate options puts
them in one tier. A caller may *declare* a tie-break, ``tie_break="borda"``:
tied options are then ordered by Borda score, and options still tied on Borda
by a shuffle drawn from ``random.Random(seed)`` (the seed is public and
recorded); the tally records the rule, the seed and the resulting order.
``tie_break="earlier_rounds"`` is instant-runoff's traditional rule (a tie for
elimination goes to the option with fewer votes in the latest earlier round
where the counts differ); it applies to ``irv`` only, other methods report
their ties, and the tally names the rule either way.

Long methods report progress through ``progress(step, done, total)`` when
given one (the package prints nothing itself); ``time_budget`` (seconds,
default 10) bounds Kemeny's local search and Ranked Pairs' search.

Equality of weight sums uses ``Profile.tolerance`` (1e-9 of the total weight),
so fractional weights such as 1/3 per delegate do not create spurious wins.
"""

from __future__ import annotations

from .consensus import kendall_w
from .kemeny import order_cost as _order_cost
from .profile import AggregationError, Profile
from .registry import METHODS, Context, rank_of
from .report import Tally
from .scoring import tie_break_order

STRENGTHS = ("winning", "margin", "ratio")
ABOVE_EXACT_LIMIT = ("approximate", "refuse")
TIE_BREAKS = (None, "none", "borda", "earlier_rounds")


def _split_by(tiers, order):
    rank = rank_of(order)
    return [[x] for tier in tiers for x in sorted(tier, key=rank.__getitem__)]


def tally(
    profile,
    method="schulze",
    strength="winning",
    tie_break=None,
    seed=None,
    progress=None,
    time_budget=10.0,
    above_exact_limit="approximate",
):
    """Run one method on a profile and return a :class:`Tally`.

    ``strength`` only affects Schulze. ``tie_break`` is ``None``/``"none"``
    (ties reported), ``"borda"`` (Borda, then ``random.Random(seed)``; no
    seed means seed 0, recorded like any other) or ``"earlier_rounds"``
    (instant-runoff only, see the module doc). ``progress`` and
    ``time_budget``: see the module doc. ``above_exact_limit``: Kemeny
    above its exact limit approximates (``"approximate"``) or raises
    :class:`AggregationError` naming the methods that apply (``"refuse"``).
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
        raise AggregationError(
            f"unknown tie-break {tie_break!r}; use none, borda or earlier_rounds"
        )
    if above_exact_limit not in ABOVE_EXACT_LIMIT:
        raise AggregationError(
            f"unknown above_exact_limit {above_exact_limit!r}; use approximate "
            "or refuse"
        )
    tie_break = None if tie_break == "none" else tie_break
    if seed is not None and not isinstance(seed, int):
        raise AggregationError(f"seed must be an integer, not {seed!r}")
    spec = METHODS[method]
    borda_break = tie_break == "borda"
    if borda_break and seed is None:
        seed = 0  # a missing seed must not mean "random": 0, and recorded
    tie_order = tie_break_order(profile, seed) if borda_break else None
    ctx = Context(
        strength=strength,
        tie_order=tie_order,
        seed=seed,
        tie_break=tie_break,
        progress=progress,
        time_budget=time_budget,
        above_exact_limit=above_exact_limit,
    )
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
    if tie_break == "earlier_rounds":
        tie_rule += (
            " Declared tie-break: earlier rounds (a tie for elimination goes "
            "to the option with fewer votes in the latest earlier round where "
            "the counts differ)."
            if method == "irv"
            else " The declared earlier-rounds tie-break applies to "
            "instant-runoff only; ties here are reported."
        )
    if borda_break:
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
        winner_proven=out.winner_proven,
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
        if "majorities" in details:
            out["majorities"] = [
                [opts[x], opts[y], mg] for x, y, mg in details["majorities"]
            ]
    elif name == "kemeny":
        out["order"] = [opts[i] for i in details["order"]]
    return out
