"""The audit log's summary table: one row per round of an event."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, Event, Round


def audit_summary(event: Event, rounds: list[Round]):
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
