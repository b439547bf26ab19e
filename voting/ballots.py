"""Casting a ballot: validate, upsert, idempotency, audit — one atomic step.

Rankings are checked by :mod:`voting.rankings`. A facilitator entering a
paper ballot takes the same step (``entered_by``): it is stored only if the
participant has no ballot in the round yet, and a delegate's ballot never
replaces a paper one.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from . import audit, ops
from .delegates import late_message, waiting_message
from .errors import UserError
from .extensions import db
from .models import (
    Account,
    Ballot,
    Event,
    IdempotencyKey,
    Option,
    Participant,
    Poll,
    Round,
    RoundCounter,
    RoundStatus,
    new_code,
    utcnow,
)
from .rankings import BallotRules, validate_ranking
from .setup.purge import read_only_message

MAX_KEY_LENGTH = 80


@dataclass
class CastResult:
    receipt_code: str
    revision: int
    ranking: list[list[int]]
    round_id: int
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "receipt_code": self.receipt_code,
            "revision": self.revision,
            "ranking": self.ranking,
            "round_id": self.round_id,
        }


def request_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON request, for idempotency checks."""
    canonical = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_response(participant: Participant, key: str, digest: str) -> dict | None:
    """The first answer given under an idempotency key, if any.

    The same key with another request is refused (422), as the IETF
    Idempotency-Key draft asks.
    """
    stored = db.session.execute(
        sa.select(IdempotencyKey.request_hash, IdempotencyKey.response).filter_by(
            participant_id=participant.id, key=key
        )
    ).first()
    return _check_stored(stored, digest)


def _check_stored(stored, digest: str) -> dict | None:
    """``stored`` is a (request hash, response) row or None."""
    if stored is None or stored[0] is None:
        return None
    if stored[0] != digest:
        raise UserError(
            _(
                "This submission was already sent with different content. "
                "Reload the page and submit again."
            ),
            422,
        )
    return stored[1]


@dataclass(frozen=True)
class LockedRound:
    """The round row (locked against a close), its poll's rules and the
    (request hash, answer) stored under the ballot's key, (None, None) if none."""

    id: int
    status: str
    event_id: int
    workshop_id: int | None
    open_mode: bool
    secret: bool
    rules: BallotRules
    stored: tuple[str | None, dict | None]
    purged: bool = False


class _Statements:
    """The ballot path's SQL, built once per dialect and reused.

    Every delegate of the room takes this path at once, so it runs plain
    Core statements on tables (bound parameters, compiled once and cached by
    SQLAlchemy), not ORM units of work.
    """

    def __init__(self, dialect: str):
        round_, poll, option = Round.__table__, Poll.__table__, Option.__table__
        event = Event.__table__
        keys, ballot = IdempotencyKey.__table__, Ballot.__table__
        # The round FOR SHARE (PostgreSQL re-reads a row it had to wait for,
        # so a ballot queued behind a close sees the round closed; SQLite has
        # no row locks, its BEGIN IMMEDIATE already holds the write lock),
        # with its poll's rules and options, and what a key stored.
        self.lock = (
            sa.select(
                round_.c.status,
                poll.c.event_id,
                poll.c.workshop_id,
                poll.c.open_mode,
                poll.c.secret,
                poll.c.allow_ties,
                poll.c.allow_unranked,
                option.c.id.label("option_id"),
                keys.c.request_hash,
                keys.c.response,
                event.c.purged_at,
            )
            .select_from(
                round_.join(poll, poll.c.id == round_.c.poll_id)
                .join(event, event.c.id == poll.c.event_id)
                .outerjoin(option, option.c.poll_id == poll.c.id)
                .outerjoin(
                    keys,
                    sa.and_(
                        keys.c.participant_id == sa.bindparam("participant_id"),
                        keys.c.key == sa.bindparam("key"),
                    ),
                )
            )
            .where(round_.c.id == sa.bindparam("round_id"))
            .with_for_update(read=True, of=round_)
        )
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        upsert = insert(ballot)
        one_per_round = [ballot.c.round_id, ballot.c.participant_id]
        returned = (ballot.c.receipt_code, ballot.c.revision)
        self.upsert = upsert.on_conflict_do_update(
            index_elements=one_per_round,
            set_={
                "ranking": upsert.excluded.ranking,
                "updated_at": upsert.excluded.updated_at,
                "revision": ballot.c.revision + 1,
            },
            where=ballot.c.paper.is_(False),
        ).returning(*returned)
        self.paper = (
            insert(ballot)
            .on_conflict_do_nothing(index_elements=one_per_round)
            .returning(*returned)
        )
        self.remember = sa.insert(keys)
        counter = RoundCounter.__table__
        self.bump = (
            counter.update()
            .where(counter.c.round_id == sa.bindparam("counter_round"))
            .values(version=counter.c.version + 1)
        )


@functools.cache
def _sql(dialect: str) -> _Statements:
    return _Statements(dialect)


def _lock_round(
    connection: sa.Connection, round_id: int, participant_id: int, key: str | None
) -> LockedRound | None:
    """One query: the round locked, its poll, options and the stored key."""
    rows = connection.execute(
        _sql(connection.dialect.name).lock,
        {"round_id": round_id, "participant_id": participant_id, "key": key},
    ).all()
    if not rows:
        return None
    first = rows[0]
    return LockedRound(
        id=round_id,
        status=first.status,
        event_id=first.event_id,
        workshop_id=first.workshop_id,
        open_mode=first.open_mode,
        secret=first.secret,
        rules=BallotRules(
            frozenset(row.option_id for row in rows if row.option_id is not None),
            first.allow_ties,
            first.allow_unranked,
        ),
        stored=(first.request_hash, first.response),
        purged=first.purged_at is not None,
    )


def cast(
    participant: Participant,
    round_id: int,
    raw_ranking: Any,
    idempotency_key: str | None = None,
    *,
    by_code: bool = False,
    entered_by: Account | None = None,
) -> CastResult:
    """Record (or revise) the participant's ballot in an open round, atomically.

    A walk-in the facilitator has not admitted yet is refused (403) before
    anything is read. Then, in one transaction: lock the round row against a
    concurrent close, check it is open and the participant eligible
    (``by_code``: joined with the event code, which votes in open-mode polls
    only), upsert the ballot (one per participant and round), remember the
    answer under the idempotency key, append an audit entry and bump the
    round's version. A replayed key returns the first answer and writes
    nothing. ``entered_by``: a paper ballot this staff member entered (see
    the module's docstring), audited under their name.
    """
    if not participant.admitted:
        # A walk-in waiting in the lobby: no ballot, nothing counted.
        raise UserError(waiting_message(), 403)
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise UserError(_("The submission key is invalid."))
    connection = db.session.connection()
    sql = _sql(connection.dialect.name)
    round_ = _lock_round(connection, round_id, participant.id, idempotency_key)
    if (
        round_ is None
        or not participant.eligible_for(round_)
        or (by_code and not round_.open_mode)
    ):
        raise UserError(_("This ballot is for a round you cannot vote in."), 400)
    ranking = validate_ranking(raw_ranking, round_.rules)
    digest = request_hash({"round": round_.id, "ranking": ranking})
    replay = _check_stored(round_.stored, digest)
    if replay is not None:
        db.session.rollback()
        return CastResult(**replay, replayed=True)
    if round_.purged:
        raise UserError(read_only_message(), 409)
    if round_.status != RoundStatus.OPEN:
        raise UserError(
            late_message(participant.id, round_.id)
            if round_.status == RoundStatus.CLOSED
            else _("This round is not open yet."),
            409,
        )
    now = utcnow()
    stored = connection.execute(
        sql.upsert if entered_by is None else sql.paper,
        {
            "round_id": round_.id,
            "participant_id": participant.id,
            "ranking": ranking,
            "receipt_code": new_code(10),
            "revision": 1,
            "paper": entered_by is not None,
            "created_at": now,
            "updated_at": now,
        },
    ).first()
    if stored is None:
        raise UserError(
            _(
                "Your ballot in this round was entered from paper by the "
                "facilitator: it is counted, and cannot be changed here."
            )
            if entered_by is None
            else _("This participant has already voted in this round."),
            409,
        )
    receipt, revision = stored
    result = CastResult(receipt, revision, ranking, round_.id)
    try:
        if idempotency_key:
            connection.execute(
                sql.remember,
                {
                    "participant_id": participant.id,
                    "key": idempotency_key,
                    "request_hash": digest,
                    "response": result.as_dict(),
                    "created_at": now,
                },
            )
        # Every ballot of the round bumps this one row: bump it last, so that
        # its row lock is held only until the commit right after (on
        # PostgreSQL the lock serialises all writers of the round).
        connection.execute(sql.bump, {"counter_round": round_.id})
        # The event's audit chain head is locked last of all (as the ORM
        # paths do, at their flush): held only until the commit.
        audit.append(
            connection,
            _audit_row(participant, round_, revision, entered_by, now),
        )
        db.session.commit()
        ops.ballot_recorded(revision)
    except sa.exc.IntegrityError:
        # A concurrent retry with the same key won the race: answer as it did.
        db.session.rollback()
        stored = idempotency_key and stored_response(
            participant, idempotency_key, digest
        )
        db.session.rollback()
        if not stored:
            raise
        return CastResult(**stored, replayed=True)
    return result


def _audit_row(participant, round_: LockedRound, revision: int, entered_by, now):
    """The ballot's audit entry. Secret polls: the log says that a ballot was
    cast (or entered from paper, by whom), never whose."""
    details = {}
    if entered_by is None:
        actor = audit.participant(participant.id, round_.secret)
        action = "ballot_cast" if revision == 1 else "ballot_revised"
    else:
        actor, action = audit.staff(entered_by), "paper_ballot_entered"
        if not round_.secret:
            details = {"participant_id": participant.id}
    return {
        "actor": actor,
        "action": action,
        "event_id": round_.event_id,
        "round_id": round_.id,
        "at": now,
        "details": details,
    }


def current_ballot(participant: Participant, round_: Round) -> Ballot | None:
    return db.session.scalar(
        sa.select(Ballot).filter_by(round_id=round_.id, participant_id=participant.id)
    )


def find_receipt(code: str) -> Ballot | None:
    """The ballot holding a receipt code (for the delegate's own check)."""
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return db.session.scalar(sa.select(Ballot).filter_by(receipt_code=code))
