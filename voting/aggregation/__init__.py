"""Prioriza's aggregation engine: ranked ballots in, a priority list out.

Pure Python + numpy; no Flask, no SQLAlchemy. Typical use::

    from voting.aggregation import Profile, tally, tally_all

    p = Profile(options=[11, 12, 13],
                ballots=[([[11], [12, 13]], 1.0), ([[13]], 0.5)],
                unranked="last")
    t = tally(p, "schulze", strength="winning", tie_break=None, seed=None)
    t.ranking, t.scores, t.winner, t.ties, t.params["tie_rule"], t.to_dict()

Other entry points::

    from voting.aggregation.consensus import kendall_w, consensus_report, \
        method_agreement
    from voting.aggregation.weighting import weighted_ballots, \
        national_ballots, weighted_tally, group_breakdown
    from voting.aggregation.preflib import read_preflib, write_preflib, \
        PreflibError

Modules:

- :mod:`.profile` — :class:`Profile` (validation, grouping, pairwise matrix)
  and :class:`AggregationError`.
- :mod:`.registry` — the registry :data:`METHODS`, the :func:`method`
  decorator, :class:`Method` and the contract of a method function.
- :mod:`.condorcet` — ``schulze``, ``copeland``.
- :mod:`.ranked_pairs` — ``ranked_pairs`` (search bounded in states and bytes).
- :mod:`.paths` — widest paths and reachability kernels (numba above a size).
- :mod:`.scoring` — ``borda``, ``mean_rank`` and the Borda tie-break order.
- :mod:`.runoff` — ``irv`` (instant-runoff).
- :mod:`.kemeny` — ``kemeny``: exact Kemeny by dynamic programming over
  subsets, local search above the exact limit.
- :mod:`.tallying` — :func:`tally`, :func:`tally_all`, :func:`disagreement`.
- :mod:`.consensus` — Kendall's W, two-thirds share, spread, method agreement.
- :mod:`.weighting` — per delegate / per delegation / national ballots,
  per-group breakdowns.
- :mod:`.preflib` — PrefLib ``.soc/.soi/.toc/.toi`` reading and writing
  (:mod:`.preflib_header`, :mod:`.preflib_body`: the bulk reader and its
  limits, :mod:`.preflib_write`).
- :mod:`.report` — :class:`Tally` and its JSON/text renderings.
- :mod:`.explain` — :func:`~.explain.explain`: the exact facts behind a
  result (Condorcet winner, a cycle and the link the method breaks, ties and
  the declared tie-break, how close the top-k cut is).
"""

from . import condorcet, kemeny, ranked_pairs, runoff, scoring  # noqa: F401
from .profile import AggregationError, Profile
from .registry import METHODS, Method
from .report import Tally
from .tallying import disagreement, tally, tally_all

__all__ = [
    "METHODS",
    "AggregationError",
    "Method",
    "Profile",
    "Tally",
    "disagreement",
    "tally",
    "tally_all",
]
