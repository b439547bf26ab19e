"""One ZIP per event: every export, the records, the audit log, a manifest.

:func:`build` writes, for every closed round with ballots, the priority list
(CSV, XLSX, JSON), the PrefLib ballots (with their weights file when ballots
are weighted) and the record (HTML and PDF) in each of the event's
languages; for every plenary poll the same of the pooled workshops; the
event's audit log; and ``manifest.json`` with the SHA-256 and size of each
file, the audit chain's head hash (carried by every file's metadata too) and
whether the chain verified. What may not be published is left out and the
manifest says why: :mod:`voting.disclosure` decides (a secret round below
the minimum), a round not closed or without ballots is listed as such.
The archive is audited as one ``archive`` entry naming the manifest's hash.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from . import __version__, audit, disclosure, exports
from .errors import UserError
from .extensions import db
from .models import Ballot, Event, Poll, Round, RoundStatus, utcnow

#: The formats of each round (the record's come once per language).
TABLES = ("csv", "xlsx", "json", "preflib")
RECORDS = ("html", "pdf", "docx")
MANIFEST = "manifest.json"


class _Writer:
    """The ZIP being written and the manifest's list of files."""

    def __init__(self, out: IO[bytes], stamp):
        self.zip = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)
        self.stamp = stamp.timetuple()[:6]
        self.files: list[dict[str, Any]] = []

    def add(self, name: str, data: bytes, **about: Any) -> None:
        info = zipfile.ZipInfo(name, self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = hashlib.sha256(data).hexdigest()
        self.files.append({"name": name, "sha256": digest, "bytes": len(data), **about})


def _ballots(round_: Round) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Ballot).filter_by(round_id=round_.id)
    )


def _omission(round_: Round) -> str | None:
    """Why a round is left out of the archive, or None."""
    if round_.status != RoundStatus.CLOSED:
        return _("The round is not closed.")
    ballots = _ballots(round_)
    if not ballots:
        return _("The round has no ballots.")
    allowed = disclosure.ballot_file(round_.poll, ballots)
    return None if allowed else allowed.reason


def _add_exports(writer: _Writer, folder: str, make, target, langs) -> int:
    """One target's files (a round or a plenary); returns how many."""
    before = len(writer.files)
    jobs = [(fmt, None) for fmt in TABLES]
    jobs += [(fmt, lang) for lang in langs for fmt in RECORDS]
    for fmt, lang in jobs:
        export = make(target, fmt, lang)
        about = {"format": export.fmt, "lang": lang or ""}
        writer.add(f"{folder}/{export.filename}", export.read(), **about)
        for name, data in export.companions.items():
            kind = "metadata" if name.endswith("-metadata.csv") else "weights"
            writer.add(f"{folder}/{name}", data, format=kind, lang="")
    return len(writer.files) - before


def build(
    event: Event, out: IO[bytes], actor: str, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Write the event's archive to ``out``; return its manifest (audited)."""
    now = utcnow()
    head = audit.verify(event.id)
    writer = _Writer(out, now)
    omitted: list[dict[str, Any]] = []
    langs = event.language_list
    lang = str(get_locale() or event.default_language)  # of the progress lines
    for poll in event.polls:
        folder = f"poll{poll.id}"
        for round_ in poll.rounds:
            reason = _omission(round_)
            where = {"poll_id": poll.id, "round": round_.number}
            if reason:
                omitted.append({**where, "reason": reason})
                progress(
                    _(
                        "%(poll)s, round %(n)d: left out (%(reason)s)",
                        poll=poll.title(lang),
                        n=round_.number,
                        reason=reason,
                    )
                )
                continue
            n = _add_exports(writer, folder, exports.export_round, round_, langs)
            progress(
                _(
                    "%(poll)s, round %(n)d: %(files)d files",
                    poll=poll.title(lang),
                    n=round_.number,
                    files=n,
                )
            )
        if poll.workshop_id is None:
            _add_plenary(writer, poll, lang, omitted, progress)
    for table in exports.audit_log_tables:
        log = exports.audit_log(event, table)
        writer.add(f"audit/{log.filename}", log.read(), format="audit", lang="")
    manifest = {
        "event": event.slug,
        "event_name": event.name,
        "created_at": now.isoformat(timespec="seconds") + "Z",
        "software": "Prioriza",
        "software_version": __version__,
        "audit_head_sha256": head.head,
        "audit_entries": head.entries,
        "audit_chain_intact": head.ok,
        "personal_data_purged": event.purged_at is not None,
        "files": writer.files,
        "omitted": omitted,
    }
    body = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
    writer.zip.writestr(zipfile.ZipInfo(MANIFEST, writer.stamp), body)
    writer.zip.close()
    audit.record(
        actor,
        "archive",
        event.id,
        files=len(writer.files),
        omitted=len(omitted),
        manifest_sha256=hashlib.sha256(body).hexdigest(),
        audit_head_sha256=head.head,
    )
    db.session.commit()
    return manifest


def _add_plenary(writer, poll: Poll, lang: str, omitted, progress) -> None:
    langs = poll.event.language_list
    try:
        n = _add_exports(
            writer, f"poll{poll.id}/plenary", exports.export_plenary, poll, langs
        )
    except UserError as error:  # no closed workshop round, or below the minimum
        omitted.append(
            {"poll_id": poll.id, "round": "plenary", "reason": error.message}
        )
        progress(
            _(
                "%(poll)s, plenary: left out (%(reason)s)",
                poll=poll.title(lang),
                reason=error.message,
            )
        )
        return
    progress(_("%(poll)s, plenary: %(files)d files", poll=poll.title(lang), files=n))


def filename(event: Event) -> str:
    return f"{event.slug}-archive.zip"
