"""Setting up an event: every mutation of the set-up, with its audit entry.

Views and CLI commands call the functions of :mod:`.events`, :mod:`.polls`,
:mod:`.people`, :mod:`.imports` and :mod:`.badges`; each one checks its input,
changes the database, appends an :class:`AuditEntry` naming the actor
(``account:<id>`` or ``cli``) and commits — or raises :class:`ServiceError`
having stored nothing. Round transitions live in :mod:`voting.rounds`.

This module holds what they share: the error, the actor and the audit entry.
"""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import Account, AuditEntry


class ServiceError(Exception):
    """Input that cannot be applied; nothing was stored."""

    def __init__(self, message: str, status: int = 400, errors=None):
        super().__init__(message)
        self.message = message
        self.status = status
        #: Per-line messages ``[(line number, message)]`` (CSV import).
        self.errors: list[tuple[int, str]] = list(errors or [])


def actor_of(account: Account | None) -> str:
    """The audit actor string for a staff account (``cli`` without one)."""
    return f"account:{account.id}" if account is not None else "cli"


def audit(actor: str, action: str, event_id: int | None, **details: Any) -> None:
    """Append an audit entry to the current transaction."""
    db.session.add(
        AuditEntry(actor=actor, action=action, event_id=event_id, details=details)
    )


def fail(message: str, status: int = 400, errors=None):
    """Roll back the session and raise :class:`ServiceError`."""
    db.session.rollback()
    raise ServiceError(message, status, errors)
