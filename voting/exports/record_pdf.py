"""The record as an A4 PDF (FPDF): columns side by side, bars as rectangles."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF

from ..errors import UserError

if TYPE_CHECKING:
    from .record_text import Column, RecordSection

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def font_paths() -> tuple[Path, Path]:
    """The regular and bold TTF files; a 503 if either is missing."""
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
    "status": ("B", 10, 5.0, (29, 78, 137)),
    "list": ("", 10, 5.5, (27, 31, 36)),
    "small": ("", 8.5, 4.5, (91, 100, 112)),
}


def render(
    records: list[RecordSection], langs: list[str], fonts: tuple[Path, Path]
) -> bytes:
    """The built ``records`` as an A4 PDF, in the ``fonts`` of :func:`font_paths`."""
    regular, bold = fonts
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
    pdf.set_font("DejaVu", "", 9)  # room for the widest label ("wins 3 of 4 …")
    reserve = max(25, max(pdf.get_string_width(b[3]) for b in bars) + 5)
    track = pdf.epw - reserve
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
        pdf.cell(reserve - 3, 5, value_text)
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
