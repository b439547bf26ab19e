"""The record as a Word document (python-docx), for the secretariat's report.

The same blocks as the PDF (:meth:`.record_text.Column.paragraphs`), written
with Word's own styles so that they paste into a report as such: the poll as
"Heading 1", "Agreements" as "Heading 2", the sub-sections as "Heading 3",
the lists as "List Bullet", notes in a "Record Note" paragraph style. One
language runs down the page; two sit side by side in a table, one row per
block, so that each paragraph faces its translation. Then the ranking (a
table), the technical details (method, tie rule, version, SHA-256, the
command that recomputes it) and the corrections of option texts.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Pt, RGBColor
from flask_babel import gettext as _

if TYPE_CHECKING:
    from .record_text import RecordSection

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADINGS = {"h1": "Heading 1", "h2": "Heading 2", "h3": "Heading 3"}
NOTE, STATUS = "Record Note", "Record Status"


def _styles(document) -> None:
    """The two paragraph styles Word lacks: a small grey note, a bold status."""
    note = document.styles.add_style(NOTE, WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = document.styles["Normal"]
    note.font.size = Pt(8.5)
    note.font.color.rgb = RGBColor(0x5B, 0x64, 0x70)
    status = document.styles.add_style(STATUS, WD_STYLE_TYPE.PARAGRAPH)
    status.base_style = document.styles["Normal"]
    status.font.bold = True
    status.font.color.rgb = RGBColor(0x1D, 0x4E, 0x89)


def _write(container, style: str, text: str, first=None) -> None:
    """One block into ``container`` (the document or a table cell).

    ``first`` is the empty paragraph a new cell starts with, used for the
    block's first paragraph."""
    if style == "list":
        items = [line.removeprefix("• ") for line in text.split("\n") if line]
        paragraphs = [(item, "List Bullet") for item in items]
    else:
        word = HEADINGS.get(style) or {"small": NOTE, "status": STATUS}.get(style)
        paragraphs = [(text, word or "Normal")]
    for item, word in paragraphs:
        if first is not None:
            first.text, first.style, first = item, word, None
        else:
            container.add_paragraph(item, style=word)


def _columns(document, columns) -> None:
    blocks = [column.paragraphs() for column in columns]
    if len(blocks) == 1:
        for style, text in blocks[0]:
            if text:
                _write(document, style, text)
        return
    table = document.add_table(rows=0, cols=len(blocks))
    for i in range(max(len(b) for b in blocks)):
        cells = table.add_row().cells
        for cell, block in zip(cells, blocks, strict=True):
            style, text = block[i] if i < len(block) else ("p", "")
            if text:
                _write(cell, style, text, first=cell.paragraphs[0])


def _table(document, title: str, rows, header=None) -> None:
    document.add_paragraph(title, style="Heading 2")
    table = document.add_table(rows=0, cols=len(rows[0]) if rows else 2)
    table.style = document.styles["Table Grid"]
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = str(text)


def _ranking(document, record: RecordSection) -> None:
    if not record.columns[0].shown or not record.bars:
        return
    rows = [
        (f"{label} ({sublabel})" if sublabel else label, value)
        for label, sublabel, _share, value, _highlight in record.bars
    ]
    _table(document, _("Current ranking"), rows)


def render(records: list[RecordSection], langs: list[str]) -> bytes:
    """The built ``records`` as a .docx (call inside ``force_locale(langs[0])``)."""
    document = Document()
    _styles(document)
    properties = document.core_properties
    properties.title = records[0].columns[0].poll
    properties.language = "+".join(langs)
    properties.author = "Prioriza"
    for n, record in enumerate(records):
        if n:
            document.add_page_break()
        _columns(document, record.columns)
        _ranking(document, record)
        _table(document, record.details_title, record.details)
        if record.corrections:
            _table(document, record.corrections_title, record.corrections)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
