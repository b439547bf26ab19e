"""Translated labels of the counting package's identifiers.

:mod:`voting.aggregation` is pure (no Flask): its methods carry English
labels, tie conventions and score descriptions for the command line and the
JSON metadata. Whatever a person reads (the projector, the record) takes
them from here instead, through the catalogues. The English msgids are the
package's own texts, so an English page reads as before; an identifier this
module does not know falls back to the package's text.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..aggregation import METHODS

METHOD_LABELS = {
    "schulze": _l("Schulze"),
    "ranked_pairs": _l("Ranked Pairs"),
    "copeland": _l("Copeland"),
    "borda": _l("Borda count"),
    "irv": _l("Instant-runoff"),
    "kemeny": _l("Kemeny–Young"),
    "mean_rank": _l("Mean rank"),
}
TIE_CONVENTIONS = {
    "schulze": _l(
        "Options that neither beats the other by strongest paths share a rank "
        "(the ranking layers the beat-path relation); unranked options follow "
        "the profile's rule."
    ),
    "ranked_pairs": _l(
        "Pairs with equal margins are locked in every possible order (parallel "
        "universes); options whose order depends on that choice share a rank. A "
        "pair with margin zero is never locked."
    ),
    "copeland": _l(
        "Options with equal Copeland scores share a rank; a pairwise tie counts "
        "half a win."
    ),
    "borda": _l(
        "Options with equal Borda scores share a rank; on each ballot tied and "
        "unranked options share the average of the points of the positions they "
        "occupy."
    ),
    "irv": _l(
        "Options tied for elimination are eliminated together and share a rank; "
        "options tied in the final count share first place, and so do the "
        "possible winners when resolving a tie among the last options otherwise "
        "would elect someone else. The earlier-rounds rule applies only when "
        "declared as the tie-break."
    ),
    "kemeny": _l(
        "Options whose relative order differs between optimal Kemeny rankings "
        "share a rank."
    ),
    "mean_rank": _l(
        "Options with equal mean rank share a rank; tied and unranked options "
        "take the average of the positions they occupy."
    ),
}
SCORES = {
    "schulze": _l("number of options beaten by strongest paths"),
    "ranked_pairs": _l("number of options ranked below"),
    "copeland": _l("pairwise wins + 1/2 per pairwise tie"),
    "borda": _l("Borda points (m-1 for a sole first place, 0 for a sole last)"),
    "irv": _l("number of rounds the option survived"),
    "kemeny": _l("number of options ranked below"),
    "mean_rank": _l("mean position, 1 = first (lower is better)"),
}
#: The poll's weighting (the same texts as the console's poll form) and the
#: plenary's pooling.
WEIGHTINGS = {
    "delegate": _l("Per delegate: every ballot weighs 1"),
    "delegation": _l("Per delegation: a delegation's ballots share one vote"),
    "national": _l("National ballot: one combined ballot per delegation"),
    "pooled": _l("Pooled: each workshop's ballots with their workshop's weights"),
}


def method_label(name: str) -> str:
    """ "Schulze", "Recuento de Borda" …: a method's name in the current language."""
    if name in METHOD_LABELS:
        return str(METHOD_LABELS[name])
    return METHODS[name].label if name in METHODS else name


def score_label(name: str) -> str:
    """What a method's score counts, in the current language."""
    if name in SCORES:
        return str(SCORES[name])
    return METHODS[name].score if name in METHODS else ""


def weighting_label(name: str) -> str:
    """How ballots were weighted, in the current language."""
    return str(WEIGHTINGS[name]) if name in WEIGHTINGS else name


def tie_rule(tally) -> str:
    """The tally's tie rule (``params["tie_rule"]``) in the current language."""
    if tally.method not in TIE_CONVENTIONS:
        return tally.params.get("tie_rule", "")
    text = str(TIE_CONVENTIONS[tally.method])
    if tally.params.get("tie_break", "none") != "none":
        text += " " + tie_break_rule(tally)
    return text


def tie_break_rule(tally) -> str:
    """The declared tie-break of a tally, in the current language."""
    if tally.params.get("tie_break") == "earlier_rounds":
        if tally.method != "irv":
            return _(
                "The declared earlier-rounds tie-break applies to instant-runoff "
                "only; ties here are reported."
            )
        return _(
            "Declared tie-break: earlier rounds (a tie for elimination goes to "
            "the option with fewer votes in the latest earlier round where the "
            "counts differ)."
        )
    return _(
        "Declared tie-break: remaining ties are ordered by Borda score, then by "
        "a shuffle seeded with %(seed)d.",
        seed=tally.params.get("seed") or 0,
    )
