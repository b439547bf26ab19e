"""The append-only audit log, kept as one hash chain per event.

Each entry stores its place in its event's chain (``chain`` = the event id
at write time, 0 for entries of no event; ``seq`` = 1, 2, …), the hash of
the entry before it (``prev_hash``), the SHA-256 of its canonical details
(``details_hash``) and the SHA-256 of its own canonical content, which
covers all of these (``entry_hash``). :class:`AuditHead` holds each chain's
last position and hash: appending locks that row. :mod:`voting.audit`
computes and verifies the hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class AuditEntry(db.Model):
    """Append-only log of every state change: who, what, when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: ``account:<id>``, ``participant`` (anonymous for secret polls) or ``cli``.
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(60))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL")
    )
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The chain: the event id when written (no foreign key: it never changes).
    chain: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    details_hash: Mapped[str] = mapped_column(sa.String(64))
    entry_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.UniqueConstraint("chain", "seq"),)


class AuditHead(db.Model):
    """The last link of a chain: its position and hash (locked to append)."""

    chain: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(sa.String(64))


@sa_event.listens_for(AuditEntry, "before_update")
@sa_event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(mapper, connection, target):
    raise ValueError("audit entries are append-only")
