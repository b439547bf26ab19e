"""``flask verify-audit``, ``flask archive`` and ``flask purge-personal-data``.

Each takes an EVENT (its slug or id) and speaks the configured default
language, or ``--lang``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from . import archive, audit
from .errors import UserError
from .extensions import db
from .models import Event
from .setup import purge

LANG = click.option(
    "--lang", default=None, help="Language of the output: es, en, pt, fr."
)


def _event(ident: str) -> Event:
    query = db.select(Event).where(Event.slug == ident)
    if ident.isdigit():
        query = db.select(Event).where((Event.slug == ident) | (Event.id == int(ident)))
    event = db.session.scalars(query).first()
    if event is None:
        raise click.ClickException(_("No event %(event)s.", event=ident))
    return event


def _locale(lang: str | None):
    return force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"])


def report(event: Event) -> tuple[bool, str]:
    """Whether the event's chain holds, and the sentence that says so."""
    result = audit.verify(event.id)
    if result.ok:
        return True, _(
            "Audit log of %(event)s: %(n)d entries, intact; head %(head)s",
            event=event.slug,
            n=result.entries,
            head=result.head,
        )
    return False, _(
        "Audit log of %(event)s: %(problem)s",
        event=event.slug,
        problem=result.broken.describe(),
    )


@click.command("verify-audit")
@click.argument("event")
@LANG
def verify_audit(event: str, lang: str | None):
    """Check the hash chain of EVENT's audit log (exit 2 at the first break)."""
    with _locale(lang):
        ok, line = report(_event(event))
        click.echo(line)
    if not ok:
        raise SystemExit(2)


@click.command("archive")
@click.argument("event")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The ZIP to write (default: EVENT-archive.zip).",
)
@LANG
def archive_command(event: str, out: Path | None, lang: str | None):
    """Write EVENT's archive: every export, the records, the audit log, a manifest."""
    with _locale(lang):
        found = _event(event)
        path = out or Path(archive.filename(found))
        with path.open("wb") as handle:
            manifest = archive.build(found, handle, audit.CLI, progress=click.echo)
        click.echo(
            _(
                "%(path)s: %(files)d files, %(omitted)d left out; audit head %(head)s",
                path=path,
                files=len(manifest["files"]),
                omitted=len(manifest["omitted"]),
                head=manifest["audit_head_sha256"],
            )
        )


@click.command("purge-personal-data")
@click.argument("event")
@click.option("--yes", is_flag=True, help="Do not ask to type the event's slug.")
@LANG
def purge_command(event: str, yes: bool, lang: str | None):
    """Remove EVENT's names, e-mails, personal links, receipts and event code.

    Keeps the anonymised ballots, tallies, records and the audit chain; the
    event becomes read-only. Write the archive first (`flask archive`).
    """
    with _locale(lang):
        found = _event(event)
        if not yes:
            typed = click.prompt(
                _("Type the event's slug (%(slug)s) to confirm", slug=found.slug)
            )
            if not purge.confirmation_matches(found, typed):
                raise click.ClickException(
                    _("The confirmation does not match: nothing was changed.")
                )
        try:
            counts = purge.purge(found, audit.CLI)
        except UserError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            _(
                "%(event)s: personal data of %(people)d participants and %(receipts)d "
                "receipts removed; %(entries)d audit entries redacted; the event is "
                "read-only.",
                event=found.slug,
                people=counts["participants"],
                receipts=counts["receipts"],
                entries=counts["log_entries_redacted"],
            )
        )


COMMANDS = (verify_audit, archive_command, purge_command)
