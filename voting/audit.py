"""The audit log: one way to write an entry, one way to say and read who acted.

An actor is ``account:<id>`` (a staff member), ``participant:<id>`` (a
delegate in a named poll), ``participant`` (a delegate in a secret poll: the
log says that a ballot was cast, never whose) or ``cli`` (the server's
command line).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from .extensions import db
from .models import Account, AuditEntry

CLI = "cli"
_ACCOUNT = "account:"


def staff(account: Account | None) -> str:
    """The actor for a staff account (``cli`` without one)."""
    return f"{_ACCOUNT}{account.id}" if account is not None else CLI


def participant(participant_id: int, secret: bool) -> str:
    """The actor for a delegate: anonymous in a secret poll."""
    return "participant" if secret else f"participant:{participant_id}"


def account_id(actor: str) -> int | None:
    """The staff account id an actor names, or None."""
    if actor.startswith(_ACCOUNT):
        return int(actor.removeprefix(_ACCOUNT))
    return None


def account_names(actors: Iterable[str]) -> dict[str, str]:
    """Actor string → the staff member's name, for the actors that are staff."""
    ids = {i for i in map(account_id, actors) if i is not None}
    if not ids:
        return {}
    accounts = db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))
    return {staff(a): a.name for a in accounts}


def record(
    actor: str,
    action: str,
    event_id: int | None = None,
    *,
    round_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an entry to the current transaction (committed with it)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        event_id=event_id,
        round_id=round_id,
        details=details,
    )
    db.session.add(entry)
    return entry
