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
    of the first tier, or ``None`` when the first tier holds several.
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

    @property
    def winner(self):
        """The single top option, or None if the top tier is shared."""
        if self.ranking and len(self.ranking[0]) == 1:
            return self.ranking[0][0]
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

    def to_dict(self):
        """JSON-able dict in the DESIGN.md shape (plus params, notes, details)."""
        return {
            "method": self.method,
            "label": self.label,
            "ranking": [list(t) for t in self.ranking],
            "scores": {_key(o): _num(v) for o, v in self.scores.items()},
            "winner": self.winner,
            "ties": self.ties,
            "exact": self.exact,
            "consensus": {k: _num(v) for k, v in self.consensus.items()},
            "params": jsonable(self.params),
            "notes": list(self.notes),
            "details": jsonable(self.details),
            "options": list(self.options),
            "pairwise": jsonable(self.pairwise),
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


def format_tally_text(t, names=None, top=None):
    """Human-readable block for one tally (the CLI's ``--format text``)."""
    names = names or {}
    lines = [f"{t.label} ({t.method})"]
    pos = t.position()
    shown = 0
    for tier in t.ranking:
        for o in tier:
            if top is not None and pos[o] > top:
                continue
            tied = " (tied)" if len(tier) > 1 else ""
            lines.append(
                f"  {pos[o]:>3}. {names.get(o, o)!s:<30} "
                f"score {_fmt(t.scores.get(o))}{tied}"
            )
            shown += 1
    winner = t.winner
    lines.append(
        "  winner: "
        + (str(names.get(winner, winner)) if winner is not None else "none (tie)")
    )
    if t.consensus.get("kendall_w") is not None:
        lines.append(f"  Kendall's W: {_fmt(t.consensus['kendall_w'])}")
    lines.append(f"  tie rule: {t.params.get('tie_rule', '')}")
    for n in t.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def _fmt(v):
    v = _num(v)
    if v is None:
        return "-"
    if isinstance(v, int):
        return str(v)
    return f"{v:.4g}"
