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
- :mod:`.methods` — the registry :data:`METHODS` and the methods
  (``schulze``, ``ranked_pairs``, ``copeland``, ``borda``, ``irv``,
  ``kemeny``, ``mean_rank``), :func:`tally`, :func:`tally_all`.
- :mod:`.kemeny` — exact Kemeny by dynamic programming over subsets.
- :mod:`.consensus` — Kendall's W, two-thirds share, spread, method agreement.
- :mod:`.weighting` — per delegate / per delegation / national ballots,
  per-group breakdowns.
- :mod:`.preflib` — PrefLib ``.soc/.soi/.toc/.toi`` reading and writing.
- :mod:`.report` — :class:`Tally` and its JSON/text renderings.
"""

from .methods import METHODS, Method, disagreement, tally, tally_all
from .profile import AggregationError, Profile
from .report import Tally

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
