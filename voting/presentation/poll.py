"""What the projector shows for a poll or a plenary: built once, rendered by
the templates.

Also used by the secretariat's record, so that the screen and the record
cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import adoption, charts, disclosure, publication, tallies
from ..aggregation.explain import head_to_head
from ..aggregation.weighting import group_breakdown
from ..extensions import db
from ..models import Delegation, Poll, Round, RoundStatus
from . import explain
from .consent import ConsentView, build_consent, poll_proposal
from .labels import method_label, tie_break_rule

#: Reading of Kendall's W, after Schmidt (1997), "Managing Delphi surveys using
#: nonparametric statistical techniques", Decision Sciences 28(3), Table 3.
W_READINGS = [
    (0.1, _l("very weak agreement")),
    (0.3, _l("weak agreement")),
    (0.5, _l("moderate agreement")),
    (0.7, _l("strong agreement")),
    (1.01, _l("very strong agreement")),
]


def w_reading(w: float | None) -> str:
    """Plain-language reading of Kendall's W."""
    if w is None:
        return _("not enough ballots to measure agreement")
    return str(next(text for limit, text in W_READINGS if w < limit))


@dataclass
class Row:
    option_id: int
    title: str
    subtitle: str
    position: int
    score: float | None
    tier: str  # "highest", "high"
    tied: bool
    change: int | None = None  # positive: moved up since the previous round
    #: "▲ 2" / "▼ 1" / "→" and its spoken label ("up 2 places", "unchanged").
    arrow: str = ""
    arrow_label: str = ""
    #: The bar's length and its label in the method's terms ("wins 3 of 4 …").
    bar_value: float = 0.0
    bar_text: str = ""
    short: str = ""  # the matrix's axis name


@dataclass
class PollView:
    poll: Poll
    round: Round
    lang: str
    second_lang: str | None
    result: tallies.RoundResult
    show_results: bool
    hidden_reason: str = ""
    #: The batch rule of a secret open round, stated on the projector.
    batch_note: str = ""
    rows: list[Row] = field(default_factory=list)
    previous: tallies.RoundResult | None = None
    w_change: float | None = None
    agreement_line: str = ""
    delegation_rankings: list[dict[str, Any]] = field(default_factory=list)
    charts: dict[str, Any] = field(default_factory=dict)
    #: The consent check on this round's list, if one was proposed.
    consent: ConsentView | None = None
    #: One or two sentences explaining the closed result (see :mod:`.explain`).
    explanation: list[str] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.round.status == RoundStatus.CLOSED

    @property
    def w(self) -> float | None:
        return self.result.consensus["kendall_w"] if self.result.consensus else None

    @property
    def w_reading(self) -> str:
        return w_reading(self.w)

    @property
    def method_label(self) -> str:
        """The method's name in the current language."""
        return method_label(self.result.tally.method) if self.result.tally else ""

    @property
    def tie_break_note(self) -> str:
        """The declared tie-break (the poll's), named; "" when none is."""
        return tie_break_note(self.result.tally)


def _rows(poll: Poll, result: tallies.RoundResult, lang: str, second: str | None):
    tally = result.tally
    by_id = {option.id: option for option in poll.options}
    position = tally.position()
    contests = head_to_head(result.profile) if result.profile is not None else {}
    last_round = max(tally.scores.values(), default=0) if tally.scores else 0
    rows = []
    for tier in tally.ranking:
        for option_id in tier:
            option = by_id[option_id]
            rows.append(
                Row(
                    option_id=option_id,
                    title=option.title_in(lang),
                    subtitle=option.title_in(second) if second else "",
                    position=position[option_id],
                    score=tally.scores.get(option_id),
                    tier="highest" if position[option_id] <= poll.top_k else "high",
                    tied=len(tier) > 1,
                    short=explain.short_title(option.title_in(lang)),
                )
            )
            rows[-1].bar_value, rows[-1].bar_text = explain.bar_words(
                tally.method,
                rows[-1].score,
                contests.get(option_id, (0, 0)),
                len(by_id) - 1,
                last_round,
            )
    return rows


def agreement_line(result: tallies.RoundResult, poll: Poll) -> str:
    """ "The top 2 are the same under Schulze, Borda …" (and where they differ)."""
    agreement = result.agreement
    if not agreement:
        return ""
    names = agreement["methods"]
    main = names.index(poll.method)
    same = [
        method_label(n) for i, n in enumerate(names) if agreement["top_k_same"][main][i]
    ]
    differ = [
        method_label(n)
        for i, n in enumerate(names)
        if not agreement["top_k_same"][main][i]
    ]
    line = _(
        "The top %(k)d are the same under %(methods)s.",
        k=poll.top_k,
        methods=", ".join(same),
    )
    if differ:
        line += " " + _("They differ under %(methods)s.", methods=", ".join(differ))
    return line


def _delegation_rankings(poll: Poll, round_: Round, lang: str) -> list[dict]:
    """How each delegation ranked the top options (named polls only)."""
    records = tallies.ballot_records(round_)
    options = [o.id for o in poll.options]
    breakdown = group_breakdown(records, options, method=poll.method)
    names = dict(
        db.session.execute(
            db.select(Delegation.id, Delegation.name).where(
                Delegation.event_id == poll.event_id
            )
        ).all()
    )
    by_id = {o.id: o for o in poll.options}
    out = []
    for key, tally in breakdown.items():
        top = [by_id[o].title_in(lang) for tier in tally.ranking for o in tier]
        out.append({"delegation": names.get(key, "—"), "top": top[: poll.top_k]})
    return sorted(out, key=lambda d: d["delegation"])


def build(
    poll: Poll, lang: str, round_: Round | None = None, *, projector: bool = False
) -> PollView:
    """Everything the display shows for ``poll`` (its latest round by default).

    ``projector``: for the room's screen, which never shows the results of a
    poll that keeps them on the console (:func:`voting.disclosure.projector`),
    and whose charts are laid out for its canvas (room-sized type); the
    record keeps the printed sizes.
    """
    round_ = round_ or poll.rounds[-1]
    result = publication.public_result(round_)
    second = poll.event.second_language(lang)
    view = PollView(
        poll=poll,
        round=round_,
        lang=lang,
        second_lang=second,
        result=result,
        show_results=False,
    )
    view.consent = build_consent(
        poll_proposal(poll, round_), lang, second, projector=projector
    )
    shown = (disclosure.projector if projector else disclosure.results)(
        poll, round_, result.turnout.ballots if result.tally is not None else 0
    )
    view.show_results, view.hidden_reason = shown.allowed, shown.reason
    if disclosure.batched(poll, round_):
        view.batch_note = disclosure.batch_note(poll)
    view.charts["turnout"] = charts.progress(
        result.turnout.ballots, result.turnout.participants, _("Turnout")
    )
    if not view.show_results:
        return view
    view.rows = _rows(poll, result, lang, second)
    earlier = [
        r
        for r in poll.rounds
        if r.number < round_.number and r.status == RoundStatus.CLOSED
    ]
    if earlier:
        view.previous = tallies.for_round(earlier[-1])
        if view.previous.tally is not None:
            before = view.previous.tally.position()
            for row in view.rows:
                row.change = before[row.option_id] - row.position
                row.arrow, row.arrow_label = explain.change_arrow(row.change)
            if view.previous.consensus and view.w is not None:
                view.w_change = view.w - view.previous.consensus["kendall_w"]
    view.charts["ranking"] = ranking_chart(view.rows)
    if view.closed:
        view.agreement_line = agreement_line(result, poll)
        view.explanation = explain.sentences(result, _names(poll, lang), poll.top_k)
        view.charts["w"] = charts.gauge(view.w, _("Agreement between delegates"))
        view.charts["pairwise"] = _matrix(result, view.rows, projector)
        if not poll.secret:
            view.delegation_rankings = _delegation_rankings(poll, round_, lang)
    return view


def ranking_bars(rows: list[Row]) -> tuple[list[charts.Bar], float]:
    """The bars of the list, labelled in the method's terms, and the value of
    a full bar (the largest, at least 1)."""
    bars = [
        charts.Bar(
            label=f"{row.position}. {row.title}",
            sublabel=row.subtitle,
            value=row.bar_value,
            value_text=row.bar_text,
            highlight=row.tier == "highest",
        )
        for row in rows
    ]
    return bars, max((abs(r.bar_value) for r in rows), default=1) or 1


def ranking_chart(rows: list[Row]):
    """The chart of the list's bars (:func:`ranking_bars`)."""
    bars, peak = ranking_bars(rows)
    return charts.bar_chart(bars, title=_("Current ranking"), max_value=peak)


def _names(poll: Poll, lang: str) -> dict[int, str]:
    return {o.id: o.title_in(lang) for o in poll.options}


def _matrix(result: tallies.RoundResult, rows: list[Row], projector: bool):
    """The head-to-head matrix in the order of the priority list, short names
    on both axes; on the projector, laid out in its canvas's pixels."""
    index = result.profile.index
    order = [index[row.option_id] for row in rows]
    pairwise = result.profile.pairwise[order][:, order]
    return charts.heatmap(
        pairwise.tolist(),
        [row.title for row in rows],
        _("Share of ballots ranking the row option above the column option"),
        float(result.profile.weights.sum()),
        short=[row.short for row in rows],
        projector=projector,
    )


def format_score(score: float | None) -> str:
    if score is None:
        return "–"
    return f"{score:.0f}" if float(score).is_integer() else f"{score:.2f}"


@dataclass
class PlenaryView:
    poll: Poll
    lang: str
    second_lang: str | None
    plenary: tallies.PlenaryResult
    rows: list[Row] = field(default_factory=list)
    #: ``[{"name", "ballots", "positions": {plenary option id: position}}]``
    workshops: list[dict[str, Any]] = field(default_factory=list)
    #: Whether every workshop has the same top k (as sets).
    workshops_agree: bool | None = None
    agreement_line: str = ""
    charts: dict[str, Any] = field(default_factory=dict)
    consent: ConsentView | None = None
    explanation: list[str] = field(default_factory=list)

    @property
    def w(self) -> float | None:
        consensus = self.plenary.result.consensus
        return consensus["kendall_w"] if consensus else None

    @property
    def w_reading(self) -> str:
        return w_reading(self.w)

    @property
    def method_label(self) -> str:
        tally = self.plenary.result.tally
        return method_label(tally.method) if tally else ""

    @property
    def tie_break_note(self) -> str:
        return tie_break_note(self.plenary.result.tally)


def tie_break_note(tally) -> str:
    """The tally's declared tie-break in a sentence; "" when none is."""
    if tally is None or tally.params.get("tie_break", "none") == "none":
        return ""
    return tie_break_rule(tally)


def pooled_basis(round_, why: str) -> str:
    """Which round of a workshop the plenary pools: "round 2, adopted" or
    "round 3, latest with ballots"."""
    if why == tallies.ADOPTED_ROUND:
        return _("round %(n)d, adopted", n=round_.number)
    return _("round %(n)d, latest with ballots", n=round_.number)


def build_plenary(poll: Poll, lang: str, *, projector: bool = False) -> PlenaryView:
    """The event-level view pooling the workshops' closed rounds
    (``projector``: its charts sized for the room's screen)."""
    plenary = tallies.for_plenary(poll)
    result = plenary.result
    view = PlenaryView(
        poll=poll,
        lang=lang,
        second_lang=poll.event.second_language(lang),
        plenary=plenary,
    )
    view.consent = build_consent(
        adoption.latest(poll), lang, view.second_lang, projector=projector
    )
    key_to_plenary = {o.key: o.id for o in poll.options}
    tops = []
    for source_poll, source in plenary.sources:
        positions = {}
        withheld = source_poll in plenary.withheld
        if source.tally is not None and not withheld:
            by_key = {o.id: o.key for o in source_poll.options}
            positions = {
                key_to_plenary[by_key[o]]: p for o, p in source.tally.position().items()
            }
            tops.append({o for o, p in positions.items() if p <= poll.top_k})
        view.workshops.append(
            {
                "name": source_poll.workshop.title(lang),
                "basis": pooled_basis(*plenary.basis[source_poll.id]),
                "ballots": source.turnout.ballots,
                "positions": positions,
                "withheld": _(
                    "%(workshop)s is not pooled: a secret round is shown only "
                    "from %(n)d ballots on.",
                    workshop=source_poll.workshop.title(lang),
                    n=disclosure.MIN_SECRET_BALLOTS,
                )
                if withheld
                else "",
            }
        )
    if len(tops) > 1:
        view.workshops_agree = all(top == tops[0] for top in tops)
    if result.tally is None:
        return view
    view.rows = _rows(poll, result, lang, view.second_lang)
    view.agreement_line = agreement_line(result, poll)
    view.explanation = explain.sentences(result, _names(poll, lang), poll.top_k)
    view.charts["w"] = charts.gauge(view.w, _("Agreement between delegates"))
    return view
