"""The audit log export, one table per CSV file: every entry, a summary per
round, the chain's head.

Entries are listed in chain order with their links (``seq``, ``prev_hash``,
``details_sha256``, ``entry_hash``; see :mod:`voting.audit`); the ``chain``
table gives the head hash and whether the chain verified when it was made.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..models import Account, AuditEntry, Event, Poll, Round
from . import MIMETYPES, Export, writers
from .audit_summary import audit_summary

#: The tables of the audit log, one CSV file each.
TABLES = ("entries", "summary", "chain")


def audit_log(event: Event, table: str = "entries") -> Export:
    """One table of the event's audit log as CSV: ``entries`` (every entry, in
    chain order, with its links), ``summary`` (one row per round) or
    ``chain`` (the head hash, the number of entries, whether it verified)."""
    if table not in TABLES:
        raise UserError(_("Unknown table %(table)s.", table=table), 400)
    chain = audit.verify(event.id)
    if table == "summary":
        rounds = db.session.scalars(
            sa.select(Round).join(Poll).where(Poll.event_id == event.id)
        ).all()
        rows = audit_summary(event, rounds)
    elif table == "chain":
        rows = (
            ["field", "value"],
            [
                ["audit_chain_head_sha256", chain.head],
                ["audit_chain_entries", chain.entries],
                ["audit_chain_intact", "yes" if chain.ok else "no"],
            ],
        )
    else:
        rows = (ENTRY_HEADERS, _entries(event))
    name = (
        f"{event.slug}-audit.csv"
        if table == "entries"
        else (f"{event.slug}-audit-{table}.csv")
    )
    return Export(
        name,
        MIMETYPES["csv"],
        writers.csv_chunks(rows),
        "csv",
        event_id=event.id,
        details={
            "format": "csv",
            "scope": "audit",
            "file": name,
            "audit_head_sha256": chain.head,
        },
    )


ENTRY_HEADERS = ["at", "actor", "account", "action", "round_id", "details"]
ENTRY_HEADERS += ["seq", "prev_hash", "details_sha256", "entry_hash"]


def _entries(event: Event) -> Iterator[list]:
    accounts = dict(db.session.execute(sa.select(Account.id, Account.email)).all())
    query = (
        sa.select(AuditEntry)
        .where(AuditEntry.chain == event.id)
        .order_by(AuditEntry.seq, AuditEntry.id)
        .execution_options(yield_per=2000)
    )
    for entry in db.session.scalars(query):
        who = accounts.get(audit.account_id(entry.actor), "")
        yield [
            entry.at.replace(microsecond=0).isoformat() + "Z",
            entry.actor,
            who,
            entry.action,
            entry.round_id or "",
            writers.json_bytes(entry.details or {}).decode().replace("\n", " ")
            if entry.details
            else "",
            entry.seq,
            entry.prev_hash,
            entry.details_hash,
            entry.entry_hash,
        ]
