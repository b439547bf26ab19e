"""Corrections to option texts once a poll has ballots: a reason, and the log.

Ballots hold option ids, so an option's title or description can still be
fixed after voting started; but the delegates ranked the text they saw. Once
the poll has a ballot, a change of text needs a reason, and the audit entry
keeps the old text, the new one and the reason. The record lists them, read
back from the log by :func:`for_poll`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import AuditEntry, Ballot, Option, Poll, Round
from . import refuse

#: Audit actions whose entries may carry corrections (see :func:`changes`).
ACTIONS = ("option_updated", "options_translated")
MAX_REASON = 500
FIELDS = ("title", "description")


def has_ballots(poll: Poll) -> bool:
    """Whether any round of the poll has a ballot."""
    return bool(
        db.session.scalar(
            sa.select(Ballot.id)
            .join(Round, Ballot.round_id == Round.id)
            .where(Round.poll_id == poll.id)
            .limit(1)
        )
    )


def texts_of(option: Option) -> dict[str, dict[str, str]]:
    """The option's texts as the log keeps them: ``{field: {lang: text}}``."""
    return {f: dict(getattr(option, f) or {}) for f in FIELDS}


def changed(old: dict, new: dict) -> bool:
    """Whether two :func:`texts_of` differ in any field and language."""
    return any((old.get(f) or {}) != (new.get(f) or {}) for f in FIELDS)


def reason_for(poll: Poll, reason: str | None, needed: bool) -> str | None:
    """The stripped reason of a text change; refused (400) when the poll has
    ballots, the texts change (``needed``) and no reason is given. ``None``
    when no reason is needed (nothing to log as a correction)."""
    if not needed or not has_ballots(poll):
        return None
    reason = (reason or "").strip()
    if not reason:
        refuse(
            _(
                "Ballots have been cast in this poll: give the reason for "
                "changing the option text (the record lists the correction)."
            )
        )
    if len(reason) > MAX_REASON:
        refuse(_("The reason may have at most %(n)d characters.", n=MAX_REASON))
    return reason


@dataclass
class Correction:
    """One option's text as it was and as it became, and why."""

    at: datetime
    option_id: int
    key: str
    field: str
    lang: str
    old: str
    new: str
    reason: str


def changes(details: dict) -> list[dict]:
    """``[{option_id, key, old, new}]`` of one audit entry's details."""
    if "reason" not in details:
        return []
    if "changes" in details:
        return list(details["changes"])
    return [details]


def for_poll(poll: Poll) -> list[Correction]:
    """Every correction of the poll's option texts, oldest first, one per
    field and language that changed."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == poll.event_id, AuditEntry.action.in_(ACTIONS))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    out = []
    for entry in entries:
        details = entry.details or {}
        if details.get("poll_id") != poll.id:
            continue
        for change in changes(details):
            old, new = change.get("old") or {}, change.get("new") or {}
            for field in FIELDS:
                before, after = old.get(field) or {}, new.get(field) or {}
                for lang in sorted(set(before) | set(after)):
                    if before.get(lang) != after.get(lang):
                        out.append(
                            Correction(
                                at=entry.at,
                                option_id=change.get("option_id"),
                                key=change.get("key", ""),
                                field=field,
                                lang=lang,
                                old=before.get(lang, ""),
                                new=after.get(lang, ""),
                                reason=details["reason"],
                            )
                        )
    return out
