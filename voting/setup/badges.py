"""Badges: each participant's personal link, as a page or an A4 PDF.

Printing reuses the link a participant has (a second sheet, the PDF after the
page: every printed badge keeps working); only a participant without a link
that can be printed again gets a new one. Reissuing, which replaces the links
and stops the printed ones, is its own action.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from dataclasses import dataclass

import segno
import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from config import LANGUAGE_NAMES

from .. import audit, links
from ..extensions import db
from ..models import Event, Participant
from . import refuse

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass
class Badge:
    name: str
    delegation: str
    url: str
    svg: str
    workshop: str = ""
    language: str = ""


def issue_badges(
    event: Event, participant_ids: Iterable[int], actor: str, reissue: bool = False
) -> list[Badge]:
    """The badges of the selected participants, with their current links.

    A participant whose link cannot be printed again (none yet, or issued
    before links were reprintable) gets a new one. With ``reissue``, everyone
    selected gets a new link and the links printed before stop working.
    """
    lang = str(get_locale())
    ids = {int(i) for i in participant_ids or ()}
    if not ids:
        refuse(_("Select at least one participant."))
    participants = list(
        db.session.scalars(
            sa.select(Participant)
            .where(Participant.event_id == event.id, Participant.id.in_(ids))
            .order_by(Participant.name)
        )
    )
    if len(participants) != len(ids):
        refuse(_("Some selected participants are not part of this event."))
    participants.sort(
        key=lambda p: (
            p.delegation.name.casefold() if p.delegation else "",
            p.name.casefold(),
        )
    )
    workshops = {w.id: w.title(lang) for w in event.workshops}
    badges, new = [], []
    for participant in participants:
        token = None if reissue else participant.current_token()
        if token is None:
            token = participant.issue_token()
            new.append(participant.id)
        url = links.personal_link(token)
        qr = segno.make(url, error="m")
        badges.append(
            Badge(
                name=participant.name,
                delegation=participant.delegation.name
                if participant.delegation
                else "",
                url=url,
                svg=qr.svg_inline(scale=4, border=2, omitsize=True),
                workshop=workshops.get(participant.workshop_id, ""),
                language=LANGUAGE_NAMES.get(participant.language or "", ""),
            )
        )
    audit.record(
        actor,
        "badges_issued",
        event.id,
        participant_ids=sorted(p.id for p in participants),
        reissue=reissue,
        new_links=sorted(new),
    )
    db.session.commit()
    return badges


def fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def badges_pdf(badges: list[Badge], title: str, note: str) -> bytes:
    """An A4 PDF of badges, 2 × 4 per page, with a Unicode font and the QRs."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD if os.path.exists(FONT_BOLD) else FONT)
    width, height, margin_x, margin_y = 95.0, 66.0, 10.0, 14.0
    text_width = width - 52
    for index, badge in enumerate(badges):
        slot = index % 8
        if slot == 0:
            pdf.add_page()
            pdf.set_font("DejaVu", "", 7)
            pdf.set_xy(margin_x, 5)
            pdf.cell(190, 5, note)
        x = margin_x + (slot % 2) * width
        y = margin_y + (slot // 2) * height
        pdf.set_draw_color(180, 180, 180)
        pdf.rect(x, y, width - 2, height - 2)
        # Long names get a smaller size so that they stay above the link.
        size = 14 if len(badge.name) <= 32 else 10
        pdf.set_xy(x + 4, y + 5)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(text_width, size / 2, badge.name, align="L")
        pdf.set_xy(x + 4, pdf.get_y() + 2)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(text_width, 5.5, badge.delegation, align="L")
        if badge.language:
            pdf.set_xy(x + 4, pdf.get_y() + 1)
            pdf.set_font("DejaVu", "", 8)
            pdf.multi_cell(text_width, 4, badge.language, align="L")
        # Under the QR, across the badge: workshop and event, one line each.
        pdf.set_font("DejaVu", "", 7)
        for offset, line in ((47, badge.workshop), (50.5, title)):
            if line:
                pdf.set_xy(x + 4, y + offset)
                pdf.cell(width - 10, 3.5, fit(pdf, line, width - 10))
        png = io.BytesIO()
        segno.make(badge.url, error="m").save(png, kind="png", scale=8, border=2)
        png.seek(0)
        pdf.image(png, x=x + width - 46, y=y + 5, w=40, h=40)
        pdf.set_font("DejaVu", "", 6)
        pdf.set_xy(x + 4, y + height - 12)
        pdf.multi_cell(width - 10, 3, badge.url, align="L")
    return bytes(pdf.output())
