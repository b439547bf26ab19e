"""The result type every method returns, and its JSON / text renderings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Tally:
    """One method's result on one profile.

    ``ranking`` is a list of tiers (best first), each a list of option ids; an
    option tied with others shares their tier. ``winner`` is the single option
    of the first tier, or ``None`` when the first tier holds several, or when
    the result is inexact and its top is not proven (``winner_proven``);
    :attr:`winner_reason` says which.
    ``scores`` maps each option id to the method's score (its meaning is in
    ``params["score"]``). ``pairwise`` is the profile's ``P`` matrix with rows
    and columns in ``options`` order. ``exact`` is False only when a method
    had to approximate (Kemeny above its exact limit, Ranked Pairs past its
    search bound); ``notes`` says why.
    """

    method: str
    label: str
    options: tuple
    ranking: list
    scores: dict
    pairwise: np.ndarray
    params: dict
    notes: list = field(default_factory=list)
    exact: bool = True
    details: dict = field(default_factory=dict)
    consensus: dict = field(default_factory=dict)
    #: With ``exact=False``: the top option is proven all the same.
    winner_proven: bool = False

    @property
    def winner(self):
        """The single top option, or None (see :attr:`winner_reason`)."""
        if self.winner_reason is None:
            return self.ranking[0][0]
        return None

    @property
    def winner_reason(self):
        """Why no winner is given (None when there is one)."""
        if not self.ranking:
            return "no options"
        if len(self.ranking[0]) > 1:
            return "tie: " + ", ".join(map(str, self.ranking[0])) + " share first place"
        if not self.exact and not self.winner_proven:
            return (
                "the result is approximate (see the notes) and does not prove "
                "which option is first"
            )
        return None

    @property
    def ties(self):
        """Whether any tier holds more than one option."""
        return any(len(t) > 1 for t in self.ranking)

    def position(self):
        """``{id: 1-based rank}`` where tied options share the best rank."""
        pos, out = 1, {}
        for tier in self.ranking:
            for o in tier:
                out[o] = pos
            pos += len(tier)
        return out

    def to_dict(self, matrices=True):
        """JSON-able dict in the DESIGN.md shape (plus params, notes, details).

        ``matrices=False`` leaves out the m x m pairwise matrix (``null``).
        """
        return {
            "method": self.method,
            "label": self.label,
            "ranking": [list(t) for t in self.ranking],
            "scores": {_key(o): _num(v) for o, v in self.scores.items()},
            "winner": self.winner,
            "winner_reason": self.winner_reason,
            "ties": self.ties,
            "exact": self.exact,
            "consensus": {k: _num(v) for k, v in self.consensus.items()},
            "params": jsonable(self.params),
            "notes": list(self.notes),
            "details": jsonable(self.details),
            "options": list(self.options),
            "pairwise": jsonable(self.pairwise) if matrices else None,
        }


def _key(o):
    return o if isinstance(o, (str, int)) else str(o)


def _num(v):
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    if not math.isfinite(v):
        return None
    return int(v) if v.is_integer() and abs(v) < 2**53 else v


def jsonable(x):
    """Convert numpy values, tuples and non-finite floats for ``json.dumps``."""
    if isinstance(x, dict):
        return {_key(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (float, int, np.floating, np.integer, np.bool_)):
        return _num(x)
    return x


def format_ranking(ranking, names=None, top=None):
    """``"1. A  2. B = C  4. D"`` style text; ``top`` keeps the first positions."""
    names = names or {}
    parts, pos = [], 1
    for tier in ranking:
        if top is not None and pos > top:
            break
        parts.append(f"{pos}. " + " = ".join(str(names.get(o, o)) for o in tier))
        pos += len(tier)
    return "  ".join(parts)


def format_tally_text(t, names=None, labels=None, translate=None):
    """Human-readable block for one tally (the CLI's ``--format text``).

    The whole ranking, ties marked, scores exact (:func:`format_number`), and
    every convention the JSON states: the score's meaning, the unranked
    options' rule, Schulze's link strength, the tie rule and declared
    tie-break, exactness and why no winner is given. ``labels`` translates
    the line captions (a dict; English by default) and ``translate`` the
    package's own sentences (method label, why no winner, score meaning, tie
    rule, notes; a function of the English text), so that the pure package
    needs no translation machinery.
    """
    names = names or {}
    lab = dict(TEXT_LABELS, **(labels or {}))
    tr = translate or str
    lines = [f"{tr(t.label)} ({t.method})"]
    pos = t.position()
    for tier in t.ranking:
        tied = f" ({lab['tied']})" if len(tier) > 1 else ""
        for o in tier:
            lines.append(
                f"  {pos[o]:>3}. {names.get(o, o)!s:<30} "
                f"{lab['score']} {format_number(t.scores.get(o))}{tied}"
            )
    winner = t.winner
    lines.append(
        f"  {lab['winner']}: "
        + (
            str(names.get(winner, winner))
            if winner is not None
            else f"{lab['none']} ({tr(t.winner_reason)})"
        )
    )
    lines.append(f"  {lab['exact']}: {lab['yes'] if t.exact else lab['no']}")
    lines.append(f"  {lab['score_meaning']}: {tr(t.params.get('score', ''))}")
    unranked = t.params.get("unranked", "")
    lines.append(
        f"  {lab['unranked']}: {unranked} ({lab.get('unranked_' + unranked, '')})"
    )
    if "strength" in t.params:
        strength = t.params["strength"]
        lines.append(
            f"  {lab['strength']}: {strength} ({lab.get('strength_' + strength, '')})"
        )
    tie_break = t.params.get("tie_break", "none")
    about = lab.get("tie_break_" + tie_break)
    lines.append(
        f"  {lab['tie_break']}: {tie_break}" + (f" ({about})" if about else "")
    )
    if "seed" in t.params:
        lines.append(f"  {lab['seed']}: {t.params['seed']}")
    if t.consensus.get("kendall_w") is not None:
        lines.append(f"  Kendall's W: {format_number(t.consensus['kendall_w'])}")
    lines.append(f"  {lab['tie_rule']}: {tr(t.params.get('tie_rule', ''))}")
    for n in t.notes:
        lines.append(f"  {lab['note']}: {tr(n)}")
    return "\n".join(lines)


def N_(text):
    """Marks a caption for the catalogues' extraction (pybabel's ``N_``
    keyword); returns it unchanged: the translating is the caller's."""
    return text


#: Captions of :func:`format_tally_text` (callers pass translations; the
#: msgids of the catalogues, which the command line looks up).
TEXT_LABELS = {
    "tied": N_("tied"),
    "score": N_("score"),
    "winner": N_("winner"),
    "none": N_("none"),
    "exact": N_("exact"),
    "yes": N_("yes"),
    "no": N_("no"),
    "score_meaning": N_("scores"),
    "unranked": N_("unranked options"),
    "unranked_last": N_("tied with each other below every ranked option"),
    "unranked_ignore": N_("left out of that ballot's comparisons"),
    "strength": N_("Schulze link strength"),
    "strength_winning": N_("winning votes, P[x,y]"),
    "strength_margin": N_("margins, P[x,y] - P[y,x]"),
    "strength_ratio": N_("ratio, P[x,y] / P[y,x]"),
    "tie_break": N_("declared tie-break"),
    "tie_break_none": N_("ties are reported"),
    "tie_break_borda": N_("Borda score, then a shuffle drawn from the seed"),
    "tie_break_earlier_rounds": N_(
        "the latest earlier round where the tied options' counts differ"
    ),
    "seed": N_("tie-break seed"),
    "tie_rule": N_("tie rule"),
    "note": N_("note"),
}


def format_number(v):
    """A score printed exactly: integers as such, other floats by ``repr``
    (the shortest text that reads back as the same float), so 449315.5 is
    ``449315.5``, never ``4.493e+05``."""
    v = _num(v)
    if v is None:
        return "-"
    return str(v) if isinstance(v, int) else repr(v)
