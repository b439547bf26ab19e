"""One country, one vote: weighting ballots by delegation, and breakdowns.

Input records are ``(ranking, group)`` pairs: a ballot and the key of its
delegation (any hashable). Three modes, each giving a :class:`Profile` that
every method and measure then reads:

- ``"delegate"``: every ballot weighs 1.
- ``"delegation"``: each delegation's ballots share one unit of weight
  (a delegation of 4 gives each ballot 1/4).
- ``"national"``: each delegation's ballots are first aggregated, with the
  same method and options as the final count, into one national weak order
  (the delegation tally's ranking, ties kept as ties); the national orders
  then weigh 1 each.
"""

from __future__ import annotations

from collections import defaultdict

from .profile import AggregationError, Profile, iter_pairs
from .tallying import tally

MODES = ("delegate", "delegation", "national")
_TAG_TYPES = (list, tuple, set, frozenset)


def _groups(records, tags=False):
    """``{group: [ranking, ...]}``; with ``tags`` a list/tuple/set key is a
    set of groups, the ballot counting in each of them."""
    groups = defaultdict(list)
    for ranking, key in iter_pairs(records, "record", "(ranking, group)"):
        keys = key if tags and isinstance(key, _TAG_TYPES) else [key]
        for k in keys:
            groups[k].append(ranking)
    return groups


def _unit_profile(options, rankings, unranked):
    """A :class:`Profile` in which each ranking weighs 1."""
    return Profile(options, [(r, 1.0) for r in rankings], unranked)


def weighted_ballots(
    records, options, mode="delegate", method="schulze", unranked="last", **kwargs
):
    """The :class:`Profile` for ``records`` under a weighting ``mode``.

    ``method`` and ``kwargs`` (``strength``, ``tie_break``, ``seed``) are only
    used by ``"national"``, to build each delegation's national order.
    """
    if mode not in MODES:
        raise AggregationError(
            f"unknown weighting {mode!r}; choose delegate, delegation or national"
        )
    if mode == "national":
        return national_ballots(records, options, method, unranked, **kwargs)
    records = list(records)
    if mode == "delegate":
        return Profile(options, [(r, 1.0) for r, _ in records], unranked)
    groups = _groups(records)
    ballots = [(r, 1.0 / len(rs)) for rs in groups.values() for r in rs]
    return Profile(options, ballots, unranked)


def national_ballots(records, options, method="schulze", unranked="last", **kwargs):
    """One weak order per delegation (its own tally with ``method``), weight 1.

    The national order ranks every option (the delegation's tally ranks them
    all), so ``unranked`` only matters inside each delegation's count.
    """
    ballots = []
    for _key, rankings in _groups(records).items():
        sub = _unit_profile(options, rankings, unranked)
        ballots.append((tally(sub, method, **kwargs).ranking, 1.0))
    return Profile(options, ballots, unranked)


def weighted_tally(
    records, options, method="schulze", mode="delegate", unranked="last", **kwargs
):
    """Tally ``records`` with ``method`` under weighting ``mode``."""
    p = weighted_ballots(records, options, mode, method, unranked, **kwargs)
    t = tally(p, method, **kwargs)
    t.params["weighting"] = mode
    return t


def group_breakdown(
    records, options, method="schulze", unranked="last", min_ballots=1, **kwargs
):
    """The tally restricted to each group: ``{group: Tally}``.

    ``group`` may be a single key or a list/tuple/set of tags, in which case
    the ballot counts in each of them. Each ballot weighs 1 within its group.
    Groups with fewer than ``min_ballots`` ballots are left out (to keep small
    groups' ballots from being identifiable, raise it).
    """
    out = {}
    for key, rankings in _groups(records, tags=True).items():
        if len(rankings) < min_ballots:
            continue
        sub = _unit_profile(options, rankings, unranked)
        t = tally(sub, method, **kwargs)
        t.params["group"] = key
        out[key] = t
    return out
