"""The record's text: one language's column of a section, already translated.

Phrased like the "Agreements" section of the 2005 executive report: the
issues of highest and high priority, turnout, the method and its tie
convention, the consensus reading, the method-agreement line and the ranking
chart, all read from the projector's view model (:func:`voting.presentation.build`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .. import presentation
from ..presentation import labels
from ..presentation.poll import ranking_bars, ranking_chart
from . import record_agreements
from .record_adoption import adoption_text
from .section import Section

METHOD_SENTENCES = {
    "schulze": _l(
        "The list was computed with the Schulze method, which compares every "
        "pair of options; options that neither beats the other by a stronger "
        "chain of majorities share a rank."
    ),
    "ranked_pairs": _l(
        "The list was computed with Ranked Pairs, which locks in the largest "
        "majorities first; options whose order depends on how equal majorities "
        "are taken share a rank."
    ),
    "copeland": _l(
        "The list was computed with Copeland's method, which counts the "
        "head-to-head contests each option wins (a draw counts half); options "
        "with equal counts share a rank."
    ),
    "borda": _l(
        "The list was computed with the Borda count; options with equal points "
        "share a rank, and tied or unranked options share the points of the "
        "places they occupy."
    ),
    "irv": _l(
        "The list was computed by instant-runoff, eliminating round by round "
        "the option with the fewest first preferences; options tied for "
        "elimination are eliminated together, and a tie is reported as a tie."
    ),
    "kemeny": _l(
        "The list was computed with the Kemeny–Young method, the ranking that "
        "disagrees least with the ballots; options that equally good rankings "
        "order differently share a rank."
    ),
    "mean_rank": _l(
        "The list was computed by mean rank; options with equal mean rank share a rank."
    ),
}
WEIGHTING_SENTENCES = {
    "delegate": _l("Each delegate's ballot counts once."),
    "delegation": _l(
        "Each delegation's ballots share one vote (one country, one vote)."
    ),
    "national": _l(
        "Each delegation's ballots were first combined into one national "
        "ranking, which counts once."
    ),
    "pooled": _l(
        "The final rounds of the workshops were pooled, each ballot with the "
        "weight its workshop gave it."
    ),
}


@dataclass
class Column:
    """One language's text of a record section, already translated."""

    lang: str
    event: str
    workshop: str
    poll: str
    heading: str
    round_line: str
    shown: bool
    hidden_reason: str = ""
    #: Whether the list below was adopted (and by which proposal), or not yet.
    status: str = ""
    status_class: str = ""
    highest_intro: str = ""
    highest: list[str] = field(default_factory=list)
    high_intro: str = ""
    high: list[str] = field(default_factory=list)
    tie_note: str = ""
    #: Supporting data of an adopted list: the tally it was proposed from.
    tally_title: str = ""
    tally_intro: str = ""
    tally: list[str] = field(default_factory=list)
    tally_note: str = ""
    turnout_title: str = ""
    turnout: str = ""
    method_title: str = ""
    method: str = ""
    consensus_title: str = ""
    consensus: str = ""
    agreement: str = ""
    explanation_title: str = ""
    #: The projector's sentences explaining the result (presentation/explain.py).
    explanation: list[str] = field(default_factory=list)
    chart: Markup = Markup("")
    #: ``(label, sublabel, share, value text, highlight)`` for the PDF's bars.
    bars: list[tuple] = field(default_factory=list)
    adoption_title: str = ""
    adoption: str = ""
    adoption_rule: str = ""
    #: One line per proposal: its number, outcome and counts.
    adoption_history: list[str] = field(default_factory=list)

    def paragraphs(self) -> list[tuple[str, str]]:
        """The column as ``(style, text)`` blocks, in reading order."""
        out = [("small", self.event), ("h1", self.poll), ("small", self.round_line)]
        out.append(("h2", self.heading))
        if not self.shown:
            return [*out, ("p", self.hidden_reason)]
        out.append(("status", self.status))
        out.append(("p", self.highest_intro))
        out.append(("list", "\n".join(f"• {t}" for t in self.highest)))
        if self.high:
            out.append(("p", self.high_intro))
            out.append(("list", "\n".join(f"• {t}" for t in self.high)))
        if self.tie_note:
            out.append(("small", self.tie_note))
        if self.tally:
            out += [("h3", self.tally_title), ("p", self.tally_intro)]
            out.append(("list", "\n".join(f"• {t}" for t in self.tally)))
            if self.tally_note:
                out.append(("small", self.tally_note))
        out += [("h3", self.turnout_title), ("p", self.turnout)]
        out += [("h3", self.method_title), ("p", self.method)]
        out += [("h3", self.consensus_title), ("p", self.consensus)]
        if self.agreement:
            out.append(("p", self.agreement))
        if self.explanation:
            out += [("h3", self.explanation_title), ("p", " ".join(self.explanation))]
        if self.adoption:
            out += [("h3", self.adoption_title), ("p", self.adoption)]
            out.append(("small", self.adoption_rule))
            out.append(("list", "\n".join(f"• {t}" for t in self.adoption_history)))
        return out


@dataclass
class RecordSection:
    columns: list[Column]
    chart: Markup
    bars: list[tuple]
    details_title: str
    details: list[tuple[str, str]]
    corrections_title: str = ""
    #: ``(when, text)`` of each option text corrected once ballots were in.
    corrections: list[tuple[str, str]] = field(default_factory=list)


def _when(value) -> str:
    return format_datetime(value, "medium") + " UTC" if value else "–"


def _view(section: Section, lang: str):
    if section.round is None:
        return presentation.build_plenary(section.poll, lang)
    return presentation.build(section.poll, lang, section.round)


def _ranking_chart(rows) -> tuple[Markup, list]:
    """The display's ranking chart (same function, same rows, same labels)."""
    bars, peak = ranking_bars(rows)
    return (
        ranking_chart(rows),
        [
            (b.label, b.sublabel, b.value / peak, b.value_text, b.highlight)
            for b in bars
        ],
    )


def column(section: Section, lang: str) -> Column:
    """One language's text of the record (call inside ``force_locale(lang)``)."""
    poll, result = section.poll, section.result
    view = _view(section, lang)
    if section.round is None:
        round_line = _(
            "Workshops pooled; last round closed on %(date)s",
            date=_when(section.closed_at),
        )
        shown, hidden_reason = bool(view.rows), ""
    else:
        round_line = _(
            "Round %(n)d, closed on %(date)s",
            n=section.round.number,
            date=_when(section.closed_at),
        )
        shown, hidden_reason = view.show_results, view.hidden_reason
    col = Column(
        lang=lang,
        event=poll.event.title(lang),
        workshop=poll.workshop.title(lang) if poll.workshop else "",
        poll=poll.title(lang),
        heading=_("Agreements"),
        round_line=round_line,
        shown=shown,
        hidden_reason=hidden_reason,
    )
    if poll.workshop:
        col.event += " · " + col.workshop
    if not shown:
        return col
    record_agreements.fill(col, section, view.rows, lang)
    turnout = result.turnout
    col.turnout_title = _("Turnout")
    if section.round is None:
        col.turnout = ngettext(
            "%(ballots)d ballots from %(num)d workshop were pooled.",
            "%(ballots)d ballots from %(num)d workshops were pooled.",
            len(section.sources),
            ballots=turnout.ballots,
        )
    else:
        col.turnout = _(
            "%(ballots)d of %(participants)d eligible delegates voted; "
            "%(voted)d of %(total)d delegations took part.",
            ballots=turnout.ballots,
            participants=turnout.participants,
            voted=turnout.delegations_voted,
            total=turnout.delegations_total,
        )
    tally = result.tally
    sentence = METHOD_SENTENCES.get(tally.method)
    parts = [str(sentence) if sentence else presentation.tie_rule(tally)]
    parts.append(str(WEIGHTING_SENTENCES.get(section.weighting, "")))
    if tally.params.get("unranked", "last") == "last":
        parts.append(
            _("Options a delegate left unranked count as tied below the ranked ones.")
        )
    if tally.params.get("tie_break", "none") != "none":
        parts.append(labels.tie_break_rule(tally))
    col.method_title = _(
        "Method: %(method)s", method=presentation.method_label(tally.method)
    )
    col.method = " ".join(p for p in parts if p)
    col.consensus_title = _("Agreement between delegates")
    col.consensus = (
        _("Kendall's W = %(w).2f: %(reading)s.", w=view.w, reading=view.w_reading)
        if view.w is not None
        else view.w_reading
    )
    col.agreement = view.agreement_line
    col.explanation_title = _("Explanation")
    col.explanation = view.explanation
    col.adoption, col.adoption_rule, col.adoption_history = adoption_text(section, lang)
    col.adoption_title = _("Adoption")
    col.chart, col.bars = _ranking_chart(view.rows)
    if section.round is not None:
        col.chart = view.charts["ranking"]  # the projector's own SVG
    return col
