"""Secretariat exports: priority list, ballots, record — one code path for all.

Views and ``flask export`` both call the ``export_*`` functions, which return
an :class:`Export` (file name, media type, body chunks) and never touch the
request; :func:`log_export` appends the audit entry. Formats:

- ``csv``, ``xlsx``, ``json``: the priority list, scores per method, the
  pairwise matrix, turnout and metadata (tables from :mod:`.tables`); a CSV
  file holds one table: ``csv`` the priority list (its metadata CSV as a
  companion), ``metadata`` the metadata;
- ``toi``, ``soi``, ``soc``, ``toc``: the anonymised ballots as that PrefLib
  type (refused when they do not fit it), ``preflib``: in the most restrictive
  type they fit, the extension saying which (the file the record hashes), and
  ``weights``: its weights companion CSV;
- ``html``, ``pdf``, ``docx``: the agreements record in one language or two
  side by side (``es+en``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..models import Event, Poll, Round
from . import record, tables, writers
from .ballots import named_ballots
from .tables import Section

__all__ = [
    "FORMATS",
    "Export",
    "audit_log",
    "audit_log_tables",
    "catalogue",
    "export_named_ballots",
    "export_plenary",
    "export_poll",
    "export_round",
    "log_export",
    "parse_languages",
]

PREFLIB = ("toi", "soi", "soc", "toc", "preflib")
TABLE_FORMATS = ("csv", "xlsx", "json")
RECORD_FORMATS = ("html", "pdf", "docx")
FORMATS = (*TABLE_FORMATS, "metadata", *PREFLIB, "weights", *RECORD_FORMATS)
#: Whole Content-Type values (a text type names its charset): send them as
#: ``content_type=``, which werkzeug keeps as given.
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "preflib": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": record.DOCX_MIMETYPE,
}


@dataclass
class Export:
    """A file ready to send or save: name, media type and body in chunks."""

    filename: str
    mimetype: str
    chunks: Iterable[bytes]
    fmt: str
    #: What the audit entry records.
    event_id: int | None = None
    round_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    #: Extra files (``{name: bytes}``) that belong with this one.
    companions: dict[str, bytes] = field(default_factory=dict)

    def read(self) -> bytes:
        """The whole body (for small files, tests and the CLI)."""
        return b"".join(self.chunks)


def parse_languages(value: str | None, event: Event) -> list[str]:
    """``"es"`` or ``"es+en"`` → a list of one or two known language codes.

    A typed ``?lang=es+en`` arrives as ``"es en"`` (a ``+`` in a query is a
    space): both spellings are accepted."""
    if not value:
        return [event.default_language]
    codes = value.replace(" ", "+").split("+")
    known = current_app.config["LANGUAGES"]
    if len(codes) > 2 or len(set(codes)) != len(codes) or not set(codes) <= set(known):
        raise UserError(
            _(
                "Unknown language %(value)s: use one of %(known)s, or two joined "
                "by + (e.g. es+en).",
                value=value,
                known=", ".join(known),
            ),
            400,
        )
    return codes


def _format(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise UserError(
            _(
                "Unknown format %(fmt)s: use one of %(known)s.",
                fmt=fmt,
                known=", ".join(FORMATS),
            ),
            400,
        )
    return fmt


def _stem(sections: list[Section], scope: str) -> str:
    first = sections[0]
    base = f"{first.event.slug}-poll{first.poll.id}"
    if scope == "round":
        return f"{base}-round{first.label}"
    return f"{base}-{scope}"


def _sections_export(
    sections: list[Section], fmt: str, langs: list[str], scope: str, embed_css: bool
) -> Export:
    stem = _stem(sections, scope)
    if fmt in (*PREFLIB, "weights"):
        if len(sections) != 1:
            raise UserError(
                _("A ballot file holds one round: export the rounds one by one."), 400
            )
        ballots = sections[0].ballots
        if fmt == "weights":
            if not ballots.weights_text:
                raise UserError(
                    _("Every ballot weighs one here: there is no weights file."), 404
                )
            return Export(
                ballots.weights_name,
                MIMETYPES["csv"],
                writers.text_chunks(ballots.weights_text),
                fmt,
            )
        companions = {}
        if ballots.weights_text:
            companions[ballots.weights_name] = ballots.weights_text.encode("utf-8")
        name, text = ballots.as_type(fmt)
        return Export(
            name,
            MIMETYPES["preflib"],
            writers.text_chunks(text),
            fmt,
            companions=companions,
        )
    if fmt in ("csv", "metadata"):  # one table per file
        meta = f"{stem}-metadata.csv", tables.metadata_table(sections)
        if fmt == "metadata":
            return Export(meta[0], MIMETYPES["csv"], writers.csv_chunks(meta[1]), fmt)
        chunks = writers.csv_chunks(tables.priorities(sections))
        companions = {meta[0]: b"".join(writers.csv_chunks(meta[1]))}
        return Export(
            f"{stem}-priorities.csv",
            MIMETYPES["csv"],
            chunks,
            fmt,
            companions=companions,
        )
    if fmt == "xlsx":
        sheets = {name: build(sections) for name, build in tables.SHEETS.items()}
        chunks = writers.xlsx_chunks(sheets)
        return Export(f"{stem}-priorities.xlsx", MIMETYPES["xlsx"], chunks, fmt)
    if fmt == "json":
        body = writers.json_bytes(tables.as_json(sections))
        return Export(f"{stem}-priorities.json", MIMETYPES["json"], [body], fmt)
    body = record.render(sections, fmt, langs, embed_css=embed_css)
    name = f"{stem}-record-{'-'.join(langs)}.{fmt}"
    return Export(name, MIMETYPES[fmt], [body], fmt)


def _describe(export: Export, poll: Poll, scope: str, **details) -> Export:
    """What the audit entry of an export of ``poll`` says: format, scope, poll,
    ``details`` and the file."""
    export.event_id = poll.event_id
    export.details = {
        "format": export.fmt,
        "scope": scope,
        "poll_id": poll.id,
        **details,
        "file": export.filename,
    }
    return export


def export_round(
    round_: Round, fmt: str, lang: str | None = None, embed_css: bool = True
) -> Export:
    """Export a closed round in ``fmt`` (record in ``lang``, e.g. ``es+en``)."""
    fmt = _format(fmt)
    langs = parse_languages(lang, round_.poll.event)
    export = _sections_export(
        [tables.round_section(round_)], fmt, langs, "round", embed_css
    )
    export.round_id = round_.id
    _describe(export, round_.poll, "round", round=round_.number)
    if fmt in RECORD_FORMATS:
        export.details["lang"] = "+".join(langs)
    return export


def export_poll(
    poll: Poll, fmt: str, lang: str | None = None, embed_css: bool = True
) -> Export:
    """Export every closed round of a poll together."""
    fmt = _format(fmt)
    langs = parse_languages(lang, poll.event)
    sections = tables.poll_sections(poll)
    export = _sections_export(sections, fmt, langs, "rounds", embed_css)
    return _describe(export, poll, "poll", rounds=[s.label for s in sections])


def export_plenary(
    poll: Poll, fmt: str, lang: str | None = None, embed_css: bool = True
) -> Export:
    """Export the event-level pooling of the workshops for a plenary poll."""
    fmt = _format(fmt)
    langs = parse_languages(lang, poll.event)
    export = _sections_export(
        [tables.plenary_section(poll)], fmt, langs, "plenary", embed_css
    )
    return _describe(export, poll, "plenary")


def export_named_ballots(round_: Round, fmt: str = "csv", lang: str | None = None):
    """Who ranked what in a round of a named poll (refused for secret polls)."""
    poll = round_.poll
    if poll.secret:
        raise UserError(
            _("This poll is secret: no export links a ballot to a person."), 403
        )
    if fmt not in ("csv", "xlsx"):
        raise UserError(_("Named ballots are exported as csv or xlsx."), 400)
    langs = parse_languages(lang, poll.event)
    table = named_ballots(round_, langs[0])
    stem = f"{poll.event.slug}-poll{poll.id}-round{round_.number}-named-ballots"
    chunks = (
        writers.csv_chunks(table)
        if fmt == "csv"
        else writers.xlsx_chunks({"ballots": table})
    )
    export = Export(f"{stem}.{fmt}", MIMETYPES[fmt], chunks, fmt, round_id=round_.id)
    return _describe(export, poll, "named_ballots", round=round_.number)


def log_export(export: Export, actor: str) -> None:
    """Append the audit entry of an export (who, what format, which round)."""
    audit.record(
        actor, "export", export.event_id, round_id=export.round_id, **export.details
    )
    db.session.commit()


def catalogue() -> list[Event]:
    """Every event, newest first, for the secretariat's page."""
    return list(db.session.scalars(sa.select(Event).order_by(Event.id.desc())))


def get(model, ident: int):
    """A row by primary key, or ``None``."""
    return db.session.get(model, ident)


from .audit_log import TABLES as audit_log_tables  # noqa: E402  (it needs Export)
from .audit_log import audit_log  # noqa: E402
