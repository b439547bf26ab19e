"""``flask delegate-link``: reissue a delegate's personal link."""

from __future__ import annotations

import click

from .. import audit, links
from ..extensions import db
from ..models import Participant
from ..setup import people
from . import bp


def find_participant(ref: str) -> Participant:
    """A participant by id or e-mail address; a clear error otherwise."""
    ref = ref.strip()
    if ref.isdigit():
        participant = people.find(Participant, int(ref))
        if participant is None:
            raise click.ClickException(f"No participant has id {ref}.")
        return participant
    matches = people.with_email(ref)
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
    audit.record(
        audit.CLI, "delegate_link_issued", found.event_id, participant_id=found.id
    )
    db.session.commit()
    click.echo(links.personal_link(token))
