"""Importing participants from a CSV file, all lines or none."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from .. import audit
from ..extensions import db
from ..inputs import refuse_bad_text
from ..models import Delegation, Event, Participant, Workshop
from . import refuse
from .people import check_belongs, delegation_code

MAX_IMPORT_ROWS = 2000
HEADER_WORDS = {"name", "nombre", "nom", "nome"}


@dataclass
class ImportReport:
    participants: list[Participant] = field(default_factory=list)
    new_delegations: list[Delegation] = field(default_factory=list)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel writes it;
    then the text check of every input (:mod:`voting.inputs`: no NUL …)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return refuse(_("The file is not a text CSV file (UTF-8 expected)."))
    refuse_bad_text(text)
    return text


def _rows(text: str) -> list[tuple[int, list[str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    if "\t" in sample and sample.count("\t") > sample.count(delimiter):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        refuse(
            _(
                "The file could not be read as CSV (line %(line)d).",
                line=reader.line_num,
            ),
            errors=[(reader.line_num, str(error))],
        )
    if rows and rows[0][1][0].lower() in HEADER_WORDS:
        rows = rows[1:]
    return rows


def import_participants(
    event: Event, text: str, actor: str, workshop: Workshop | None = None
) -> ImportReport:
    """Import ``name, delegation[, e-mail[, language]]`` lines, all or nothing.

    The delegation is matched by code or name (case-insensitive); an unknown
    one is created. Any bad line aborts the import and every line's error is
    reported as ``(line number, message)``.
    """
    check_belongs(event, None, workshop)
    rows = _rows(text)
    if not rows:
        refuse(_("The file has no participants."))
    if len(rows) > MAX_IMPORT_ROWS:
        refuse(_("At most %(n)d lines can be imported at once.", n=MAX_IMPORT_ROWS))
    languages = current_app.config["LANGUAGES"]
    by_key: dict[str, Delegation] = {}
    for delegation in event.delegations:
        by_key[delegation.code.casefold()] = delegation
        by_key.setdefault(delegation.name.casefold(), delegation)
    existing = {(p.name.casefold(), p.delegation_id) for p in event.participants}
    taken_codes = {d.code for d in event.delegations}
    errors: list[tuple[int, str]] = []
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    for line, cells in rows:
        if len(cells) < 2 or len(cells) > 4:
            errors.append(
                (
                    line,
                    _("Expected 2 to 4 columns: name, delegation, e-mail, language."),
                )
            )
            continue
        name, delegation_name = cells[0], cells[1]
        email = cells[2] if len(cells) > 2 else ""
        language = (cells[3] if len(cells) > 3 else "").lower()
        if not name:
            errors.append((line, _("The name is missing.")))
            continue
        if len(name) > 200 or len(delegation_name) > 120:
            errors.append((line, _("A value is too long.")))
            continue
        if not delegation_name:
            errors.append((line, _("The delegation is missing.")))
            continue
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized
            except EmailNotValidError:
                errors.append(
                    (line, _("The e-mail address %(email)s is not valid.", email=email))
                )
                continue
        if language and language not in languages:
            errors.append(
                (
                    line,
                    _(
                        "Unknown language %(code)s: use %(allowed)s.",
                        code=language,
                        allowed=", ".join(languages),
                    ),
                )
            )
            continue
        key = (name.casefold(), delegation_name.casefold())
        if key in seen:
            errors.append((line, _("%(name)s appears twice in the file.", name=name)))
            continue
        seen.add(key)
        delegation = by_key.get(delegation_name.casefold())
        if delegation is None:
            delegation = Delegation(
                event=event,
                name=delegation_name,
                code=delegation_code(delegation_name, taken_codes),
            )
            taken_codes.add(delegation.code)
            by_key[delegation_name.casefold()] = delegation
            report.new_delegations.append(delegation)
        elif (name.casefold(), delegation.id) in existing:
            errors.append((line, _("%(name)s is already registered.", name=name)))
            continue
        report.participants.append(
            Participant(
                event=event,
                name=name,
                delegation=delegation,
                workshop_id=workshop.id if workshop else None,
                email=email or None,
                language=language or None,
            )
        )
    if errors:
        refuse(
            ngettext(
                "Nothing was imported: %(num)d line has an error.",
                "Nothing was imported: %(num)d lines have errors.",
                len(errors),
            ),
            errors=errors,
        )
    db.session.add_all([*report.new_delegations, *report.participants])
    db.session.flush()
    audit.record(
        actor,
        "participants_imported",
        event.id,
        participant_ids=[p.id for p in report.participants],
        delegation_ids=[d.id for d in report.new_delegations],
    )
    db.session.commit()
    return report
