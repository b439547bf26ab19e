"""Paper ballots: a printable ballot per poll, and a facilitator entering one.

A delegate without a phone fills in a printed ballot; a facilitator enters it
for them with the same validation as the phone (:mod:`voting.rankings`), sees
it back, and confirms. It is stored through :func:`voting.ballots.cast`, so
it is counted once: a paper ballot is refused for someone who has voted
online, and an online ballot for someone whose paper ballot was entered.
The facilitator sees who has not voted yet (never how anyone voted).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from .ballots import CastResult, cast
from .exports.record_pdf import font_paths
from .extensions import db
from .models import Account, Ballot, Participant, Poll, Round
from .tallies import eligible_participants

#: Ballots per A4 sheet the printout offers (cut along the lines).
PER_SHEET = (1, 2)


def not_voted(round_: Round) -> list[Participant]:
    """The round's electorate who have no ballot in it yet, by name."""
    voted = sa.select(Ballot.participant_id).where(Ballot.round_id == round_.id)
    return list(
        db.session.scalars(
            eligible_participants(round_.poll)
            .where(Participant.id.not_in(voted))
            .order_by(Participant.name)
        )
    )


def participant_for(round_: Round, participant_id) -> Participant | None:
    """One of :func:`not_voted`, or None."""
    if not str(participant_id or "").isdigit():
        return None
    return next((p for p in not_voted(round_) if p.id == int(participant_id)), None)


def enter(
    participant: Participant, round_: Round, ranking, account: Account
) -> CastResult:
    """Count the paper ballot ``ranking`` of ``participant``, entered by ``account``."""
    return cast(participant, round_.id, ranking, entered_by=account)


def counts(poll: Poll) -> dict[int, int]:
    """Paper ballots entered in each round of the poll."""
    rows = db.session.execute(
        sa.select(Ballot.round_id, sa.func.count(Ballot.id))
        .where(Ballot.round_id.in_([r.id for r in poll.rounds]), Ballot.paper)
        .group_by(Ballot.round_id)
    )
    return dict(rows.all())


def printout(poll: Poll, per_sheet: int = 1) -> bytes:
    """The poll's paper ballot as an A4 PDF: the event's languages side by
    side (two at most), instructions, a rank box per option; ``per_sheet``
    copies on each page, to cut apart."""
    regular, bold = font_paths()
    langs = poll.event.language_list[:2]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_title(poll.title(langs[0]))
    pdf.set_creator("Prioriza")
    pdf.add_page()
    height = (297 - 20) / per_sheet
    for copy in range(per_sheet):
        top = 10 + copy * height
        if copy:
            pdf.set_draw_color(150)
            pdf.set_dash_pattern(dash=2, gap=2)
            pdf.line(10, top - 2, 200, top - 2)
            pdf.set_dash_pattern()
        _ballot(pdf, poll, langs, top, height - 6)
    return bytes(pdf.output())


def _ballot(pdf: FPDF, poll: Poll, langs: list[str], top: float, height: float):
    width = 190 / len(langs)
    rows = len(poll.options)
    size = 13 if height > 200 else 10 if rows <= 8 else 8
    line = size * 0.5
    bottom = top + 28
    for i, lang in enumerate(langs):
        left = 10 + i * width
        with force_locale(lang):
            pdf.set_xy(left, top)
            pdf.set_font("DejaVu", "B", size + 2)
            pdf.multi_cell(width - 4, line + 1, poll.title(lang), align="L")
            pdf.set_x(left)
            pdf.set_font("DejaVu", "", size - 1)
            pdf.multi_cell(
                width - 4,
                line,
                _(
                    "Write 1 in the box of your highest priority, 2 for the next, "
                    "and so on. Leave a box empty for an area you do not rank."
                )
                + (
                    " " + _("Equal numbers mean equal priority.")
                    if poll.allow_ties
                    else ""
                ),
                align="L",
            )
        bottom = max(bottom, pdf.get_y() + 4)
    body = bottom
    step = min(size * 1.3, (top + height - body - 12) / max(rows, 1))
    for n, option in enumerate(poll.options):
        y = body + n * step
        pdf.set_draw_color(0)
        pdf.rect(10, y, step - 2, step - 2)
        for i, lang in enumerate(langs):
            pdf.set_xy(10 + step + i * (190 - step) / len(langs), y)
            pdf.set_font("DejaVu", "", size)
            pdf.multi_cell(
                (190 - step) / len(langs) - 3, line, option.title_in(lang), align="L"
            )
    if not poll.secret:  # a secret ballot carries no name
        pdf.set_xy(10, top + height - 10)
        pdf.set_font("DejaVu", "", size - 1)
        with force_locale(langs[0]):
            pdf.cell(190, line, _("Name: ") + "_" * 40)
