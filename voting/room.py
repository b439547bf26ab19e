"""``flask serve-room``: serve the workshop to the phones in the room.

The development server (``flask run``, ``make demo``) listens on this machine
only. A room needs the app on the local network, served by gunicorn, with
every printed link, QR code and badge naming the address phones reach: this
command finds the machine's LAN address (or takes ``--host``), prints the
links of the room against it, and replaces itself with gunicorn bound to every
interface, ``PUBLIC_URL`` set to ``http://<address>:<port>`` unless the
environment gives one (a reverse proxy with TLS in front).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

import config as settings
from config import BASE_DIR, DEV_SECRET_KEY

from . import links
from .extensions import db
from .models import Poll


def room_links() -> list[tuple[str, str]]:
    """(label, URL) of what the room opens: sign-in, the join page, each projector."""
    rows = [
        (_("Staff sign-in (console, secretariat)"), links.public_url("auth.login")),
        (
            _("Delegates without a badge: the event code at"),
            links.public_url("main.index"),
        ),
    ]
    polls = db.session.scalars(sa.select(Poll).order_by(Poll.event_id, Poll.id))
    lang = str(get_locale())
    for poll in polls:
        if poll.rounds:
            title = poll.title(lang)
            if poll.workshop is not None:
                title = f"{poll.workshop.title(lang)} · {title}"
            rows.append(
                (_("Projector, %(title)s", title=title), links.display_link(poll))
            )
    return rows


def gunicorn_command(bind: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(BASE_DIR / "gunicorn.conf.py"),
        "--bind",
        f"{bind}:{port}",
        "--chdir",
        str(BASE_DIR),
        "wsgi:app",
    ]


@click.command("serve-room")
@click.option(
    "--host",
    default=None,
    help="Address phones reach this machine at (default: found on the LAN).",
)
@click.option("--port", type=int, default=None, help="Port (default: PORT or 5000).")
@click.option(
    "--bind", default="0.0.0.0", show_default=True, help="Interface(s) to listen on."
)
@click.option("--lang", default=None, help="Language of this output: es, en, pt, fr.")
@with_appcontext
def serve_room(host: str | None, port: int | None, bind: str, lang: str | None):
    """Serve the app to the room's phones with gunicorn, on the LAN address."""
    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        environ = prepare(host, port)
        command = gunicorn_command(bind, int(environ["PORT"]))
        db.session.remove()
    sys.stdout.flush()
    os.execve(command[0], command, environ)


def prepare(host: str | None, port: int | None) -> dict[str, str]:
    """Print the room's links; the environment gunicorn is started with."""
    port = port or int(os.environ.get("PORT") or 5000)
    found = host or links.lan_address()
    if found is None:
        click.echo(
            _(
                "No local network found: phones cannot reach this machine. Join "
                "the venue's Wi-Fi (or start a hotspot), or give the address "
                "with --host."
            ),
            err=True,
        )
        found = "127.0.0.1"
    environ = dict(os.environ, HOST=found, PORT=str(port))
    environ["PUBLIC_URL"] = settings.public_url(environ)
    current_app.config["PUBLIC_URL"] = environ["PUBLIC_URL"]
    click.echo(_("Serving the room on %(url)s", url=environ["PUBLIC_URL"]))
    for label, url in room_links():
        click.echo(f"  {label}: {url}")
    if links.loopback_public_url():
        click.echo(
            _(
                "Warning: %(url)s opens on this machine only, not on a phone.",
                url=environ["PUBLIC_URL"],
            ),
            err=True,
        )
    public = urlsplit(environ["PUBLIC_URL"])
    if public.scheme == "http":
        click.echo(
            _(
                "Phones on the same network open these links. Allow incoming "
                "TCP connections on port %(port)s in this machine's firewall.",
                port=port,
            )
        )
    if current_app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        click.echo(
            _(
                "Warning: SECRET_KEY is the development value; set a random one "
                "before a real meeting (see the README)."
            ),
            err=True,
        )
    return environ
