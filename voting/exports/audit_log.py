"""The audit log export: a summary per round, every entry, the chain's head.

Entries are listed in chain order with their links (``seq``, ``prev_hash``,
``details_sha256``, ``entry_hash``; see :mod:`voting.audit`), then the head
hash and whether the chain verified when the file was made.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from ..models import Account, AuditEntry, Event, Poll, Round
from . import MIMETYPES, Export, writers


def audit_log(event: Event) -> Export:
    """The event's audit log as CSV: a summary per round, then every entry."""
    rounds = db.session.scalars(
        sa.select(Round).join(Poll).where(Poll.event_id == event.id)
    ).all()
    chain = audit.verify(event.id)
    head = [
        ["audit_chain_head_sha256", chain.head],
        ["audit_chain_entries", chain.entries],
        ["audit_chain_intact", "yes" if chain.ok else "no"],
    ]
    accounts = dict(db.session.execute(sa.select(Account.id, Account.email)).all())
    summary = _audit_summary(event, rounds)
    query = (
        sa.select(AuditEntry)
        .where(AuditEntry.chain == event.id)
        .order_by(AuditEntry.seq, AuditEntry.id)
        .execution_options(yield_per=2000)
    )

    def entries() -> Iterator[list]:
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

    headers = ["at", "actor", "account", "action", "round_id", "details"]
    headers += ["seq", "prev_hash", "details_sha256", "entry_hash"]
    name = f"{event.slug}-audit.csv"
    return Export(
        name,
        MIMETYPES["csv"],
        writers.csv_chunks([summary, (headers, entries()), (["field", "value"], head)]),
        "csv",
        event_id=event.id,
        details={
            "format": "csv",
            "scope": "audit",
            "file": name,
            "audit_head_sha256": chain.head,
        },
    )


def _audit_summary(event: Event, rounds: list[Round]):
    """Per round: opened, closed, ballots cast and revised (first, last), exports."""
    stats = {
        (round_id, action): (count, first, last)
        for round_id, action, count, first, last in db.session.execute(
            sa.select(
                AuditEntry.round_id,
                AuditEntry.action,
                sa.func.count(),
                sa.func.min(AuditEntry.at),
                sa.func.max(AuditEntry.at),
            )
            .where(AuditEntry.round_id.in_([r.id for r in rounds] or [-1]))
            .group_by(AuditEntry.round_id, AuditEntry.action)
        )
    }
    lang = event.default_language

    def stamp(value):
        return value.replace(microsecond=0).isoformat() + "Z" if value else ""

    headers = [
        "poll_id",
        "poll",
        "round",
        "round_id",
        "status",
        "opened_at",
        "closed_at",
        "ballots_cast",
        "first_cast",
        "last_cast",
        "ballots_revised",
        "last_revised",
        "exports",
    ]
    rows = []
    for r in sorted(rounds, key=lambda r: (r.poll.position, r.poll_id, r.number)):
        cast = stats.get((r.id, "ballot_cast"), (0, None, None))
        revised = stats.get((r.id, "ballot_revised"), (0, None, None))
        exported = stats.get((r.id, "export"), (0, None, None))
        rows.append(
            [
                r.poll_id,
                r.poll.title(lang),
                r.number,
                r.id,
                r.status,
                stamp(r.opened_at),
                stamp(r.closed_at),
                cast[0],
                stamp(cast[1]),
                stamp(cast[2]),
                revised[0],
                stamp(revised[2]),
                exported[0],
            ]
        )
    return headers, rows
