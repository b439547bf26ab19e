"""The agreements record: HTML (print CSS) and PDF, in one language or two.

Phrased like the "Agreements" section of the 2005 executive report: "The two
issues of highest priority are … Other issues of high priority are …", then
turnout, the method and its tie convention, the consensus reading, the
method-agreement line and the ranking chart. Each column is built from the
projector's view model (:func:`voting.presentation.build`) inside
``force_locale`` of its language, so the record and the screen cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.lists import format_list
from flask import current_app, render_template
from flask_babel import force_locale, format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .. import adoption, charts, presentation
from ..errors import UserError
from . import corrections
from .tables import Section, metadata

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "record.css"

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
        "the option with the fewest first preferences; a tie for elimination "
        "is settled by the earlier rounds."
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
    highest_intro: str = ""
    highest: list[str] = field(default_factory=list)
    high_intro: str = ""
    high: list[str] = field(default_factory=list)
    tie_note: str = ""
    turnout_title: str = ""
    turnout: str = ""
    method_title: str = ""
    method: str = ""
    consensus_title: str = ""
    consensus: str = ""
    agreement: str = ""
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
        out.append(("p", self.highest_intro))
        out.append(("list", "\n".join(f"• {t}" for t in self.highest)))
        if self.high:
            out.append(("p", self.high_intro))
            out.append(("list", "\n".join(f"• {t}" for t in self.high)))
        if self.tie_note:
            out.append(("small", self.tie_note))
        out += [("h3", self.turnout_title), ("p", self.turnout)]
        out += [("h3", self.method_title), ("p", self.method)]
        out += [("h3", self.consensus_title), ("p", self.consensus)]
        if self.agreement:
            out.append(("p", self.agreement))
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


def _highest_intro(count: int) -> str:
    if count == 1:
        return _("The issue of highest priority is:")
    if count == 2:
        return _("The two issues of highest priority are:")
    if count == 3:
        return _("The three issues of highest priority are:")
    return _("The %(count)d issues of highest priority are:", count=count)


def _when(value) -> str:
    return format_datetime(value, "medium") + " UTC" if value else "–"


def _view(section: Section, lang: str):
    if section.round is None:
        return presentation.build_plenary(section.poll, lang)
    return presentation.build(section.poll, lang, section.round)


def _ranking_chart(rows) -> tuple[Markup, list]:
    """The display's ranking chart (same function, same rows, same labels)."""
    peak = max((abs(r.score or 0) for r in rows), default=1) or 1
    bars = [
        charts.Bar(
            label=f"{r.position}. {r.title}",
            sublabel=r.subtitle,
            value=r.score or 0,
            value_text=presentation.format_score(r.score),
            highlight=r.tier == "highest",
        )
        for r in rows
    ]
    return (
        charts.bar_chart(bars, title=_("Current ranking"), max_value=peak),
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
    highest = [r.title for r in view.rows if r.tier == "highest"]
    high = [r.title for r in view.rows if r.tier != "highest"]
    col.highest_intro, col.highest = _highest_intro(len(highest)), highest
    col.high_intro, col.high = _("Other issues of high priority are:"), high
    if result.tally.ties:
        col.tie_note = _(
            "Options marked = are tied: the method does not separate them."
        )
        tied = {r.option_id for r in view.rows if r.tied}
        col.highest = [
            f"{r.title} (=)" if r.option_id in tied else r.title
            for r in view.rows
            if r.tier == "highest"
        ]
        col.high = [
            f"{r.title} (=)" if r.option_id in tied else r.title
            for r in view.rows
            if r.tier != "highest"
        ]
    turnout = result.turnout
    col.turnout_title = _("Turnout")
    if section.round is None:
        col.turnout = _(
            "%(ballots)d ballots from %(workshops)d workshops were pooled.",
            ballots=turnout.ballots,
            workshops=len(section.sources),
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
    parts = [str(sentence) if sentence else tally.params.get("tie_rule", "")]
    parts.append(str(WEIGHTING_SENTENCES.get(section.weighting, "")))
    if tally.params.get("unranked", "last") == "last":
        parts.append(
            _("Options a delegate left unranked count as tied below the ranked ones.")
        )
    if tally.params.get("tie_break", "none") != "none":
        parts.append(_("Declared tie-break applied:") + " " + tally.params["tie_rule"])
    col.method_title = _("Method: %(method)s", method=tally.label)
    col.method = " ".join(p for p in parts if p)
    col.consensus_title = _("Agreement between delegates")
    col.consensus = (
        _("Kendall's W = %(w).2f: %(reading)s.", w=view.w, reading=view.w_reading)
        if view.w is not None
        else view.w_reading
    )
    col.agreement = view.agreement_line
    col.adoption, col.adoption_rule, col.adoption_history = adoption_text(section, lang)
    col.adoption_title = _("Adoption")
    col.chart, col.bars = _ranking_chart(view.rows)
    if section.round is not None:
        col.chart = view.charts["ranking"]  # the projector's own SVG
    return col


def _joined(titles: list[str]) -> str:
    """ "A, B and C" in the current language."""
    return format_list(titles, locale=get_locale()) if titles else "–"


def _proposals(section: Section) -> list:
    """The section's closed proposals: its round's, or the plenary's."""
    round_id = section.round.id if section.round is not None else None
    return [
        p
        for p in adoption.history(section.poll)
        if p.round_id == round_id and p.status == "closed"
    ]


def adoption_text(section: Section, lang: str) -> tuple[str, str, list[str]]:
    """The "Adoption" paragraph, the rule, and the history of the proposals.

    Phrased like the 2005 report: "The representatives agreed by consensus
    that …", or "… adopted with the reservations of X and Y".
    """
    proposals = _proposals(section)
    if not proposals:
        return "", "", []
    history = []
    for proposal in proposals:
        counts = adoption.summarize(proposal).counts
        history.append(
            _(
                "Proposal %(n)d: %(outcome)s (agree %(agree)d, can live with it "
                "%(aside)d, object %(object)d).",
                n=proposal.number,
                outcome=presentation.outcome_label(proposal.outcome),
                agree=counts["agree"],
                aside=counts["stand_aside"],
                object=counts["object"],
            )
        )
    final = proposals[-1]
    items = presentation.proposal_items(final, lang)
    highest = _joined([i["title"] for i in items if i["tier"] == "highest"])
    high = _joined([i["title"] for i in items if i["tier"] != "highest"])
    summary = adoption.summarize(final)
    if final.outcome == "consensus":
        text = _(
            "The representatives agreed by consensus that the issues of highest "
            "priority are %(highest)s; other issues of high priority are %(high)s.",
            highest=highest,
            high=high,
        )
        if summary.standing_aside:
            text += " " + _(
                "%(names)s stood aside.", names=_joined(summary.standing_aside)
            )
    elif final.outcome == "reservations":
        named = [o["delegation"] for o in summary.objections if o["delegation"]]
        who = (
            _joined(sorted(set(named)))
            if named
            else ngettext(
                "%(num)d delegation", "%(num)d delegations", len(summary.objections)
            )
        )
        text = _(
            "The representatives adopted, with the reservations of %(who)s, that "
            "the issues of highest priority are %(highest)s; other issues of high "
            "priority are %(high)s.",
            who=who,
            highest=highest,
            high=high,
        )
    else:
        text = _(
            "The proposed list was not adopted: %(num)d objections were raised.",
            num=summary.counts["object"],
        )
    return text, presentation.rule_sentence(final), history


def _details(section: Section) -> list[tuple[str, str]]:
    meta = metadata(section)
    rows = [
        (_("Event"), meta["event"]),
        (_("Poll"), meta["poll"]),
        (_("Round"), meta["round"]),
        (_("Opened"), meta["opened_at"] or "–"),
        (_("Closed"), meta["closed_at"] or "–"),
        (_("Method"), f"{meta['method_label']} ({meta['method']})"),
        (_("Weighting"), meta["weighting"]),
        (_("Tie rule"), meta["tie_rule"]),
        (_("Ballots"), str(meta["ballots"])),
        (_("Software version"), f"Prioriza {meta['software_version']}"),
        (_("Ballot file"), meta["ballot_file"]),
        (_("SHA-256 of the ballot file"), meta["ballot_file_sha256"]),
    ]
    if meta["workshop"]:
        rows.insert(1, (_("Workshop"), meta["workshop"]))
    if meta["sources"]:
        rows.insert(3, (_("Pooled rounds"), meta["sources"]))
    if meta["weights_file"]:
        rows += [
            (_("Weights file"), meta["weights_file"]),
            (_("SHA-256 of the weights file"), meta["weights_file_sha256"]),
        ]
    rows.append((_("To recompute"), meta["recompute"]))
    return rows


def build(sections: list[Section], langs: list[str]) -> list[RecordSection]:
    """The record's sections, each with one column per language."""
    out = []
    for section in sections:
        columns = []
        for lang in langs:
            with force_locale(lang):
                columns.append(column(section, lang))
        with force_locale(langs[0]):
            details_title = _("Technical details")
            details = _details(section)
            fixes = (_("Corrections to option texts"), corrections.rows(section.poll))
        first = columns[0]
        out.append(
            RecordSection(
                columns, first.chart, first.bars, details_title, details, *fixes
            )
        )
    return out


def render_html(sections: list[Section], langs: list[str], embed_css: bool) -> str:
    """The record as a standalone HTML page (CSS inlined when ``embed_css``)."""
    records = build(sections, langs)
    css = CSS.read_text(encoding="utf-8") if embed_css else None
    with force_locale(langs[0]):
        return render_template(
            "secretariat/record.html",
            records=records,
            langs=langs,
            css=Markup(css) if css else None,
            title=records[0].columns[0].poll,
        )


# -- PDF --------------------------------------------------------------------------


def _font_paths() -> tuple[Path, Path]:
    regular = Path(current_app.config.get("RECORD_FONT", FONT_DIR / "DejaVuSans.ttf"))
    bold = Path(
        current_app.config.get("RECORD_FONT_BOLD", FONT_DIR / "DejaVuSans-Bold.ttf")
    )
    for path in (regular, bold):
        if not path.is_file():
            current_app.logger.error(
                "PDF font %s is missing: install Debian's fonts-dejavu-core", path
            )
            raise UserError(
                _(
                    "The PDF fonts are not installed on this server; use the HTML "
                    "record or ask the administrator."
                ),
                503,
            )
    return regular, bold


STYLES = {
    "h1": ("B", 14, 7.0, (27, 31, 36)),
    "h2": ("B", 12, 6.5, (29, 78, 137)),
    "h3": ("B", 10, 5.5, (27, 31, 36)),
    "p": ("", 10, 5.0, (27, 31, 36)),
    "list": ("", 10, 5.5, (27, 31, 36)),
    "small": ("", 8.5, 4.5, (91, 100, 112)),
}


def render_pdf(sections: list[Section], langs: list[str]) -> bytes:
    """The record as an A4 PDF: columns side by side, bars drawn as rectangles."""
    from fpdf import FPDF

    regular, bold = _font_paths()
    records = build(sections, langs)
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(records[0].columns[0].poll)
    pdf.set_creator("Prioriza")
    pdf.set_lang(langs[0])
    for record in records:
        pdf.add_page()
        _columns(pdf, record.columns)
        _bars(pdf, record.bars)
        _details_table(pdf, record.details_title, record.details)
        if record.corrections:
            _details_table(pdf, record.corrections_title, record.corrections)
    return bytes(pdf.output())


def _text_height(pdf, width: float, style: str, text: str) -> float:
    weight, size, line, _colour = STYLES[style]
    pdf.set_font("DejaVu", weight, size)
    return pdf.multi_cell(width, line, text, dry_run=True, output="HEIGHT") + 1.5


def _columns(pdf, columns: list[Column]) -> None:
    gap = 8
    width = (pdf.epw - gap * (len(columns) - 1)) / len(columns)
    blocks = [c.paragraphs() for c in columns]
    pdf.set_auto_page_break(False)
    for i in range(max(len(b) for b in blocks)):
        row = [b[i] if i < len(b) else ("p", "") for b in blocks]
        height = max(_text_height(pdf, width, s, t) for s, t in row)
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        for n, (style, text) in enumerate(row):
            weight, size, line, colour = STYLES[style]
            pdf.set_font("DejaVu", weight, size)
            pdf.set_text_color(*colour)
            pdf.set_xy(pdf.l_margin + n * (width + gap), top)
            pdf.multi_cell(width, line, text, align="L")
        pdf.set_y(top + height)
    pdf.set_text_color(27, 31, 36)
    pdf.set_auto_page_break(True, pdf.b_margin)


def _bars(pdf, bars) -> None:
    """The ranking chart of the display, redrawn with rectangles."""
    if not bars:
        return
    track = pdf.epw - 25
    pdf.ln(4)
    for label, sublabel, share, value_text, highlight in bars:
        if pdf.get_y() + 16 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.set_font("DejaVu", "", 9)
        pdf.set_x(pdf.l_margin)
        pdf.cell(pdf.epw, 5, label[:110], new_x="LMARGIN", new_y="NEXT")
        if sublabel:
            pdf.set_font("DejaVu", "", 7.5)
            pdf.set_text_color(91, 100, 112)
            pdf.cell(pdf.epw, 4, sublabel[:130], new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(27, 31, 36)
            pdf.set_font("DejaVu", "", 9)
        y = pdf.get_y()
        pdf.set_fill_color(230, 233, 238)
        pdf.rect(pdf.l_margin, y, track, 4, style="F")
        if highlight:
            pdf.set_fill_color(30, 122, 60)
        else:
            pdf.set_fill_color(29, 78, 137)
        if share > 0:
            pdf.rect(pdf.l_margin, y, track * min(share, 1), 4, style="F")
        pdf.set_xy(pdf.l_margin + track + 2, y - 0.5)
        pdf.cell(20, 5, value_text)
        pdf.set_y(y + 7)


def _details_table(pdf, title: str, rows: list[tuple[str, str]]) -> None:
    pdf.ln(4)
    if pdf.get_y() + 30 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(pdf.epw, 6, title, new_x="LMARGIN", new_y="NEXT")
    label_w = 50
    for label, value in rows:
        pdf.set_font("DejaVu", "", 8)
        height = max(
            pdf.multi_cell(label_w, 4, label, dry_run=True, output="HEIGHT"),
            pdf.multi_cell(pdf.epw - label_w, 4, value, dry_run=True, output="HEIGHT"),
        )
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_text_color(91, 100, 112)
        pdf.multi_cell(label_w, 4, label, align="L")
        pdf.set_text_color(27, 31, 36)
        pdf.set_xy(pdf.l_margin + label_w, top)
        pdf.multi_cell(pdf.epw - label_w, 4, value, align="L")
        pdf.set_y(top + height + 1)
