"""The agreements record: HTML (print CSS) and PDF, in one language or two.

Phrased like the "Agreements" section of the 2005 executive report: "The two
issues of highest priority are … Other issues of high priority are …", then
turnout, the method and its tie convention, the consensus reading, the
method-agreement line and the ranking chart. Each column is built from the
projector's view model (:func:`voting.presentation.build`) inside
``force_locale`` of its language, so the record and the screen cannot differ.
"""

from __future__ import annotations

from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from . import corrections, record_pdf
from .record_adoption import adoption_text
from .record_pdf import FONT_DIR, STYLES
from .record_text import (
    METHOD_SENTENCES,
    WEIGHTING_SENTENCES,
    Column,
    RecordSection,
    column,
)
from .tables import Section, metadata

__all__ = [
    "CSS",
    "FONT_DIR",
    "METHOD_SENTENCES",
    "STYLES",
    "WEIGHTING_SENTENCES",
    "Column",
    "RecordSection",
    "adoption_text",
    "build",
    "column",
    "render_html",
    "render_pdf",
]

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "record.css"


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
    rows.append((_("Audit log head (SHA-256)"), meta["audit_head_sha256"]))
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


def render_pdf(sections: list[Section], langs: list[str]) -> bytes:
    """The record as an A4 PDF: columns side by side, bars drawn as rectangles."""
    fonts = record_pdf.font_paths()
    return record_pdf.render(build(sections, langs), langs, fonts)
