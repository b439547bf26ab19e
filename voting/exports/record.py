"""The agreements record: HTML (print CSS), PDF and Word, in one language or two.

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

from .. import presentation
from . import corrections, record_docx, record_pdf
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
    "DOCX_MIMETYPE",
    "FONT_DIR",
    "METHOD_SENTENCES",
    "STYLES",
    "WEIGHTING_SENTENCES",
    "Column",
    "RecordSection",
    "adoption_text",
    "build",
    "column",
    "render",
    "render_docx",
    "render_html",
    "render_pdf",
]

DOCX_MIMETYPE = record_docx.MIMETYPE
CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "record.css"


def _sources(section: Section, lang: str) -> str:
    """The pooled rounds, "Mesa 1 (encuesta 3, ronda 2); …"."""
    return "; ".join(
        _(
            "%(workshop)s (poll %(poll)d, round %(round)d)",
            workshop=poll.workshop.title(lang),
            poll=poll.id,
            round=result.round_id,
        )
        for poll, result in section.sources
    )


def _details(section: Section, lang: str) -> list[tuple[str, str]]:
    meta = metadata(section)
    tally, poll = section.tally, section.poll
    rows = [
        (_("Event"), section.event.title(lang)),
        (_("Poll"), poll.title(lang)),
        (_("Round"), meta["round"]),
        (_("Opened"), meta["opened_at"] or "–"),
        (_("Closed"), meta["closed_at"] or "–"),
        (_("Method"), f"{presentation.method_label(tally.method)} ({tally.method})"),
        (_("Weighting"), presentation.weighting_label(section.weighting)),
        (_("Tie rule"), presentation.tie_rule(tally)),
        (_("Ballots"), str(meta["ballots"])),
        (_("Software version"), f"Prioriza {meta['software_version']}"),
        (_("Ballot file"), meta["ballot_file"]),
        (_("SHA-256 of the ballot file"), meta["ballot_file_sha256"]),
    ]
    if poll.workshop:
        rows.insert(1, (_("Workshop"), poll.workshop.title(lang)))
    if meta["sources"]:
        rows.insert(3, (_("Pooled rounds"), _sources(section, lang)))
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
            details = _details(section, langs[0])
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


def render_docx(sections: list[Section], langs: list[str]) -> bytes:
    """The record as a Word document: real headings and lists, two languages
    side by side in a table."""
    with force_locale(langs[0]):
        return record_docx.render(build(sections, langs), langs)


def render(sections: list[Section], fmt: str, langs: list[str], embed_css: bool):
    """The record in ``fmt`` (``html``, ``pdf`` or ``docx``) as bytes."""
    if fmt == "html":
        return render_html(sections, langs, embed_css=embed_css).encode("utf-8")
    if fmt == "docx":
        return render_docx(sections, langs)
    return render_pdf(sections, langs)
