"""``flask delegate-link``: reissue a delegate's personal link."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import AuditEntry, Participant
from . import bp


def personal_url(token: str) -> str:
    """The full personal link, on the public base URL (badges, mail, QR)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/j/{token}"


def find_participant(ref: str) -> Participant:
    """A participant by id or e-mail address; a clear error otherwise."""
    ref = ref.strip()
    if ref.isdigit():
        participant = db.session.get(Participant, int(ref))
        if participant is None:
            raise click.ClickException(f"No participant has id {ref}.")
        return participant
    matches = db.session.scalars(
        sa.select(Participant).where(sa.func.lower(Participant.email) == ref.lower())
    ).all()
    if not matches:
        raise click.ClickException(f"No participant has the e-mail address {ref}.")
    if len(matches) > 1:
        ids = ", ".join(str(p.id) for p in matches)
        raise click.ClickException(
            f"Several participants have the e-mail address {ref} (ids {ids}): "
            "give the id instead."
        )
    return matches[0]


@bp.cli.command("delegate-link")
@click.argument("participant")
def delegate_link(participant: str):
    """Reissue PARTICIPANT's personal link (id or e-mail) and print its URL.

    The previous link stops working, and sessions opened with it end.
    """
    found = find_participant(participant)
    token = found.issue_token()
    db.session.add(
        AuditEntry(
            actor="cli",
            action="delegate_link_issued",
            event_id=found.event_id,
            details={"participant_id": found.id},
        )
    )
    db.session.commit()
    click.echo(personal_url(token))
