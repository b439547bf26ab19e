"""The end of an event: its personal data removed, the event read-only.

:func:`purge` removes the participants' names, e-mails and personal-link
hashes, the ballots' receipt codes, the stored answers of the ballot API
(they repeat the receipt codes) and the event code (a new random salt and a
lookup hash that no code matches). It keeps the anonymised ballots, the
tallies, the proposals and consent answers, the delegations (countries, not
people), the staff accounts and the whole audit chain. Audit entries whose
details named a person (e.g. a refused walk-in's name) have those values
replaced by ``"[redacted]"``; the purge's own entry, appended to the chain,
lists the SHA-256 of each rewritten entry's new details, which
:func:`voting.audit.verify` accepts in place of the original digest (see
:mod:`voting.audit`).

After the purge the event is read-only: a session flush that would change
anything of the event, and a ballot, are refused with a translated 409.
Audit entries are still appended (an export of the archive is audited).
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .. import audit
from ..errors import UserError
from ..extensions import db
from ..models import (
    AuditEntry,
    Ballot,
    Event,
    IdempotencyKey,
    Participant,
    Poll,
    Proposal,
    Round,
    RoundStatus,
    utcnow,
)

REDACTED = "[redacted]"
#: Detail keys whose values are personal whatever they hold.
PERSONAL_KEYS = frozenset({"name", "email", "receipt", "receipt_code", "token"})


def read_only_message() -> str:
    return _(
        "The personal data of this event was purged: the event is read-only. "
        "Nothing was changed."
    )


def confirmation_matches(event: Event, typed: str) -> bool:
    """The typed confirmation: the event's name in one of its languages, or its slug."""
    typed = " ".join((typed or "").split()).casefold()
    names = [event.slug, *(v for v in (event.name or {}).values() if v)]
    return bool(typed) and typed in {" ".join(n.split()).casefold() for n in names}


def _redact(value: Any, personal: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: REDACTED if k in PERSONAL_KEYS and v else _redact(v, personal)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact(v, personal) for v in value]
    if isinstance(value, str) and any(p in value for p in personal):
        return REDACTED
    return value


def purge(event: Event, actor: str) -> dict[str, int]:
    """Remove the event's personal data; return what was removed (counts)."""
    if event.purged_at is not None:
        raise UserError(read_only_message(), 409)
    open_rounds = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Round)
        .join(Poll)
        .where(Poll.event_id == event.id, Round.status == RoundStatus.OPEN)
    )
    if open_rounds:
        raise UserError(_("Close every open round of the event before the purge."), 409)
    participants = db.session.scalars(
        sa.select(Participant).where(Participant.event_id == event.id)
    ).all()
    person_ids = [p.id for p in participants]
    round_ids = sa.select(Round.id).join(Poll).where(Poll.event_id == event.id)
    receipts = db.session.scalars(
        sa.select(Ballot.receipt_code).where(
            Ballot.round_id.in_(round_ids), Ballot.receipt_code.is_not(None)
        )
    ).all()
    personal = {
        value
        for p in participants
        for value in (p.name, p.email)
        if value and len(value) >= 3
    } | set(receipts)
    db.session.info["purging"] = True
    try:
        redacted = _redact_log(event, personal)
        for p in participants:
            p.name, p.email, p.token_hash = "", None, None
        db.session.execute(
            sa.update(Ballot)
            .where(Ballot.round_id.in_(round_ids))
            .values(receipt_code=None)
        )
        keys = db.session.execute(
            sa.delete(IdempotencyKey).where(
                IdempotencyKey.participant_id.in_(person_ids or [-1])
            )
        ).rowcount
        event.code_salt = secrets.token_hex(16)
        event.join_code_hash = secrets.token_hex(32)  # the HMAC of no code
        event.purged_at = utcnow()
        counts = {
            "participants": len(participants),
            "receipts": len(receipts),
            "stored_answers": keys,
            "log_entries_redacted": len(redacted),
        }
        audit.record(
            actor,
            audit.PURGE_ACTION,
            event.id,
            redacted={str(seq): digest for seq, digest in sorted(redacted.items())},
            **counts,
        )
        db.session.commit()
    finally:
        db.session.info.pop("purging", None)
    return counts


def _redact_log(event: Event, personal: set[str]) -> dict[int, str]:
    """Rewrite the details that name a person; position → new details' digest.

    A Core UPDATE: the ORM refuses to change an audit entry, and this is the
    one place allowed to (the chain keeps the original hashes, see above).
    """
    out: dict[int, str] = {}
    table = AuditEntry.__table__
    rows = db.session.execute(
        sa.select(table.c.id, table.c.seq, table.c.details).where(
            table.c.chain == event.id
        )
    ).all()
    for ident, seq, details in rows:
        if not details:
            continue
        new = _redact(details, personal)
        if new != details:
            db.session.execute(
                table.update().where(table.c.id == ident).values(details=new)
            )
            out[seq] = audit.details_digest(new)
    return out


# -- read-only guard ---------------------------------------------------------------


def _targets(objects) -> dict[str, set[int]]:
    """What each object changed belongs to: events, polls, rounds, participants."""
    out: dict[str, set[int]] = {"event": set(), "poll": set(), "round": set()}
    out["participant"], out["proposal"] = set(), set()
    for obj in objects:
        if isinstance(obj, AuditEntry):
            continue  # the log is append-only and stays open (exports are audited)
        if isinstance(obj, Event):
            kind, ident = "event", obj.id
        else:
            kind = next(
                (k for k in out if getattr(obj, f"{k}_id", None) is not None), None
            )
            ident = getattr(obj, f"{kind}_id", None) if kind else None
        if kind and ident is not None:
            out[kind].add(ident)
    return out


@sa_event.listens_for(Session, "before_flush")
def _refuse_writes_to_purged_events(session: Session, flush_context, instances):
    if session.info.get("purging"):
        return
    targets = _targets([*session.new, *session.dirty, *session.deleted])
    if not any(targets.values()):
        return
    by = {
        "poll": sa.select(Poll.event_id).where(Poll.id.in_(targets["poll"])),
        "round": sa.select(Poll.event_id)
        .join(Round)
        .where(Round.id.in_(targets["round"])),
        "participant": sa.select(Participant.event_id).where(
            Participant.id.in_(targets["participant"])
        ),
        "proposal": sa.select(Poll.event_id)
        .join(Proposal)
        .where(Proposal.id.in_(targets["proposal"])),
    }
    clauses = [Event.id.in_(targets["event"])] if targets["event"] else []
    clauses += [Event.id.in_(query) for kind, query in by.items() if targets[kind]]
    query = sa.select(Event.id).where(Event.purged_at.is_not(None), sa.or_(*clauses))
    purged = session.connection().execute(query.limit(1)).first()
    if purged is not None:
        raise UserError(read_only_message(), 409)
