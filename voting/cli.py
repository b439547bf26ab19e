"""``flask`` commands: seed-demo, create-account, join-codes, translate, backup
(and tally)."""

from __future__ import annotations

import subprocess
import sys

import click
from flask import Flask
from flask_babel import force_locale, gettext

from config import BASE_DIR

from . import audit
from .archive_cli import COMMANDS as ARCHIVE_COMMANDS
from .errors import UserError
from .extensions import db
from .models import Event, Role, hash_join_code
from .room import serve_room
from .seed import demo_access, load_demo
from .setup import accounts
from .tally_cli import tally_command

TRANSLATIONS = BASE_DIR / "translations"
POT = TRANSLATIONS / "messages.pot"


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_account)
    app.cli.add_command(join_codes)
    app.cli.add_command(translate)
    app.cli.add_command(backup)
    app.cli.add_command(tally_command)
    app.cli.add_command(serve_room)
    for command in ARCHIVE_COMMANDS:
        app.cli.add_command(command)


@click.command("seed-demo")
def seed_demo():
    """Load the 2005 Santiago seminar as demo data (a second run changes nothing)."""
    if not load_demo():
        click.echo("Demo seminar already present.")
        return
    access = demo_access()
    click.echo("Demo seminar loaded.")
    click.echo(f"Staff sign-in (admin): {access['email']} / {access['password']}")
    click.echo("  (shown once; `flask create-account` makes more accounts)")
    for title, url in access["displays"]:
        click.echo(f"Projector, {title}: {url}")
    click.echo(f"A delegate's personal link: {access['delegate_link']}")
    click.echo(f"Event code for open polls: {access['join_code']}")


@click.command("create-account")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    prompt=True,
    default=Role.FACILITATOR.value,
)
@click.password_option()
def create_account(email: str, name: str, role: str, password: str):
    """Create a staff account (prompts for the password); the first admin's
    way in, admins add the others in the console."""
    with force_locale("en"):
        try:
            account, _link = accounts.create(
                email, name, role, audit.CLI, password=password
            )
        except UserError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            gettext(
                "Created %(role)s account %(email)s.", role=role, email=account.email
            )
        )


@click.command("join-codes")
@click.argument("slugs", nargs=-1)
@click.option(
    "--rotate",
    is_flag=True,
    help="Draw new codes: the old ones stop working (a code was leaked).",
)
def join_codes(slugs: tuple[str, ...], rotate: bool):
    """Print the event codes for open polls (of SLUGS, or of every event).

    Codes are derived from SECRET_KEY and looked up by a keyed hash, so a new
    SECRET_KEY changes every code and the old lookups stop matching: run this
    once after changing the key to store the new lookups and show the new
    codes. With --rotate, the named events get new codes whatever the key.
    """
    query = db.select(Event).order_by(Event.id)
    if slugs:
        query = query.where(Event.slug.in_(slugs))
    events = db.session.scalars(query).all()
    missing = set(slugs) - {event.slug for event in events}
    if missing:
        raise click.ClickException("No event " + ", ".join(sorted(missing)) + ".")
    for event in events:
        if event.purged_at is not None:  # read-only: its code was removed
            continue
        if rotate:
            event.rotate_join_code()
        else:
            event.join_code_hash = hash_join_code(event.join_code)
        audit.record(
            audit.CLI,
            "join_code_rotated" if rotate else "join_code_rekeyed",
            event.id,
        )
        click.echo(f"{event.slug}: {event.join_code}")
    db.session.commit()


def _pybabel(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args])
    if result.returncode:
        raise click.ClickException("pybabel " + " ".join(args) + " failed")


@click.group()
def translate():
    """Translation workflow: extract, update, compile (see the README)."""


@translate.command()
def extract():
    """Extract the source strings into translations/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        str(BASE_DIR / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "Prioriza",
        "-o",
        str(POT),
        str(BASE_DIR),
    )


@translate.command()
def update():
    """Extract, then merge new strings into every catalogue."""
    extract.callback()
    _pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate.command("compile")
def compile_():
    """Compile every catalogue to .mo (the setup commands run this)."""
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


@click.command()
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
def backup(destination: str):
    """Copy the live SQLite database to DESTINATION with SQLite's backup API.

    Safe while the app is serving (never copy the live file itself: with WAL,
    the file alone can be inconsistent). For PostgreSQL use pg_dump.
    """
    import sqlite3

    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException("backup works on SQLite; use pg_dump for PostgreSQL")
    source = sqlite3.connect(engine.url.database)
    target = sqlite3.connect(destination)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"Backed up {engine.url.database} to {destination}.")
