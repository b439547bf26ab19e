"""A result in words a room understands: the explanation under the list, the
bars' labels, the rank-change arrows and the matrix's short names.

:func:`sentences` turns the exact facts of :mod:`voting.aggregation.explain`
into one or two translated sentences. The projector (:mod:`.poll`) and the
record read them from the same view model, so they cannot differ.
"""

from __future__ import annotations

from babel.lists import format_list
from flask_babel import force_locale, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..aggregation import explain as facts_of
from .labels import method_label

#: Why options share a place, per method (a clause after "because").
TIE_REASONS = {
    "schulze": _l("neither has a stronger chain of majorities over the other"),
    "ranked_pairs": _l(
        "their order depends on which of equal majorities is locked first"
    ),
    "copeland": _l("they win the same number of head-to-head contests (%(n)s)"),
    "borda": _l("they have the same Borda points (%(n)s)"),
    # A tie in the final count, for elimination, or among the last options
    # where the order of elimination would elect another: always equal votes
    # in the count that had to separate them (not "in every round").
    "irv": _l(
        "they had the same number of votes in the count that decided between them"
    ),
    "kemeny": _l("rankings that fit the ballots equally well order them differently"),
    "mean_rank": _l("they have the same mean rank (%(n)s)"),
}


def number(value: float) -> str:
    """A weight sum or score as the room reads it: 7, 2.5 (localised)."""
    value = round(float(value), 2)
    return str(int(value)) if value.is_integer() else format_decimal(value)


def names_list(ids, names) -> str:
    """ "A, B and C" in the current language."""
    return format_list([names[i] for i in ids], locale=get_locale())


def short_title(title: str, limit: int = 20) -> str:
    """A short name for an axis: whole words up to ``limit`` characters, then
    "…"; a trailing short lower-case word ("of", "de", "et") is dropped."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    words = []
    for word in title.split(" "):
        if len(" ".join([*words, word])) > limit - 1:
            break
        words.append(word)
    while len(words) > 1 and len(words[-1]) <= 3 and words[-1].islower():
        words.pop()
    out = " ".join(words).rstrip(" ,;:-–") or title[: limit - 1]
    return out + "…"


def change_arrow(change: int | None) -> tuple[str, str]:
    """The arrow of a rank change since the previous round and its spoken label."""
    if change is None:
        return "", ""
    if change > 0:
        return f"▲ {change}", ngettext("up %(num)d place", "up %(num)d places", change)
    if change < 0:
        return f"▼ {-change}", ngettext(
            "down %(num)d place", "down %(num)d places", -change
        )
    return "→", _("unchanged")


def bar_words(method: str, score, record: tuple, contests: int, last_round: float):
    """``(bar length, label)`` of an option's bar, in the method's own terms;
    ``record`` is the option's (wins, draws) head to head."""
    if method in facts_of.CONDORCET_TYPE:
        wins, draws = record
        if draws:
            return wins + draws / 2, _(
                "wins %(wins)d and draws %(draws)d of %(total)d head-to-head",
                wins=wins,
                draws=draws,
                total=contests,
            )
        return wins, _(
            "wins %(wins)d of %(total)d head-to-head", wins=wins, total=contests
        )
    if score is None:
        return 0, "–"
    if method == "borda":
        return score, _("%(points)s points", points=number(score))
    if method == "irv":
        if score >= last_round:
            return score, _("not eliminated")
        return score, _("eliminated in round %(n)d", n=int(score))
    if method == "mean_rank":
        return max(contests + 2 - score, 0), _("mean place %(n)s", n=number(score))
    return score, number(score)


def sentences(result, names: dict, top_k: int, lang: str | None = None) -> list[str]:
    """One or two sentences explaining ``result`` (a RoundResult with a tally)."""
    if result is None or result.tally is None or result.profile is None:
        return []
    if lang is not None:
        with force_locale(lang):
            return sentences(result, names, top_k)
    facts = facts_of.explain(result.tally, result.profile, top_k)
    label = method_label(result.tally.method)
    out = [s for s in (_headline(facts, names, label),) if s]
    high = [t for t in facts.ties if t.place <= top_k]
    low = [t for t in facts.ties if t.place > top_k]
    if high:
        out.append(_tie(high[0], facts, names, label))
    elif facts.cut is not None:
        out.append(_cut(facts.cut, names))
    elif low:
        out.append(_tie(low[0], facts, names, label))
    return out[:2]


def _headline(facts, names, label) -> str:
    winner = facts.condorcet_winner
    if winner is not None:
        if facts.top and winner not in facts.top:
            return _(
                "%(option)s beats every other option head to head (Condorcet "
                "winner), but %(method)s puts %(first)s first.",
                option=names[winner],
                method=label,
                first=names_list(facts.top, names),
            )
        return _(
            "%(option)s beats every other option head to head (Condorcet winner).",
            option=names[winner],
        )
    cycle = facts.cycle
    if cycle is None:
        return ""
    a, b, c = (names[lk.winner] for lk in cycle.links)
    if cycle.broken is None:
        return _(
            "%(a)s beats %(b)s, %(b)s beats %(c)s, %(c)s beats %(a)s: no option "
            "beats every other head to head.",
            a=a,
            b=b,
            c=c,
        )
    weak = cycle.broken
    return _(
        "%(a)s beats %(b)s, %(b)s beats %(c)s, %(c)s beats %(a)s; %(method)s "
        "breaks the cycle at its weakest link, %(x)s over %(y)s by %(won)s "
        "votes to %(lost)s.",
        a=a,
        b=b,
        c=c,
        method=label,
        x=names[weak.winner],
        y=names[weak.loser],
        won=number(weak.won),
        lost=number(weak.lost),
    )


def _reason(tie, method) -> str:
    reason = TIE_REASONS.get(method)
    if reason is None:
        return ""
    if method == "schulze" and tie.value is not None:
        return _(
            "neither has a stronger chain of majorities over the other "
            "(%(n)s votes each way)",
            n=number(tie.value),
        )
    text = str(reason)
    return text % {"n": number(tie.value)} if "%(n)s" in text else text


def _tie(tie, facts, names, label) -> str:
    options = names_list(tie.options, names)
    reason = _reason(tie, facts.method)
    if tie.settled_by is None:
        return _(
            "%(options)s share place %(place)d because %(reason)s; no tie-break "
            "is declared, so they stay tied.",
            options=options,
            place=tie.place,
            reason=reason,
        )
    if tie.settled_by == "kept":
        return _(
            "%(options)s share place %(place)d because %(reason)s; the declared "
            "tie-break does not separate them, so they stay tied.",
            options=options,
            place=tie.place,
            reason=reason,
        )
    order = " › ".join(names[o] for o in tie.order)
    if tie.settled_by == "earlier_rounds":
        return _(
            "%(options)s tie under %(method)s because %(reason)s; the declared "
            "tie-break by earlier rounds orders them: %(order)s.",
            options=options,
            method=label,
            reason=reason,
            order=order,
        )
    if tie.settled_by == "borda":
        return _(
            "%(options)s tie under %(method)s because %(reason)s; the declared "
            "tie-break orders them by Borda points: %(order)s.",
            options=options,
            method=label,
            reason=reason,
            order=order,
        )
    return _(
        "%(options)s tie under %(method)s because %(reason)s, and on Borda "
        "points too; the declared tie-break orders them by a draw with the "
        "public seed %(seed)d: %(order)s.",
        options=options,
        method=label,
        reason=reason,
        seed=tie.seed or 0,
        order=order,
    )


def _cut(cut, names) -> str:
    if cut.kind == "points":
        return ngettext(
            "Changing %(num)d ballot could lift %(below)s above %(above)s, "
            "across the top-%(k)d cut.",
            "Changing %(num)d ballots could lift %(below)s above %(above)s, "
            "across the top-%(k)d cut; no fewer could.",
            cut.ballots,
            below=names[cut.below],
            above=names[cut.above],
            k=cut.k,
        )
    return ngettext(
        "Head to head, %(above)s (place %(k)d) beats %(below)s by %(won)s votes "
        "to %(lost)s; %(num)d ballot changing sides would reverse that contest.",
        "Head to head, %(above)s (place %(k)d) beats %(below)s by %(won)s votes "
        "to %(lost)s; %(num)d ballots changing sides would reverse that contest.",
        cut.ballots,
        above=names[cut.above],
        below=names[cut.below],
        k=cut.k,
        won=number(cut.won),
        lost=number(cut.lost),
    )
