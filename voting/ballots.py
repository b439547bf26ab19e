"""Casting a ballot: validate, upsert, idempotency, audit — one atomic step.

A ranking is a list of tiers of option ids, best first: ``[[3], [1, 2]]``
means 3 > 1 = 2; options left out are unranked. The same validation serves
the JSON endpoint and the plain (no-JavaScript) form.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db
from .models import (
    AuditEntry,
    Ballot,
    IdempotencyKey,
    Participant,
    Poll,
    Round,
    RoundCounter,
    RoundStatus,
    new_code,
    utcnow,
)

MAX_KEY_LENGTH = 80


class BallotError(Exception):
    """A ballot that cannot be accepted; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


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


def validate_ranking(raw: Any, poll: Poll) -> list[list[int]]:
    """Check a ranking against the poll's options and rules; return it normalised."""
    if not isinstance(raw, list) or not all(isinstance(t, list) for t in raw):
        raise BallotError(_("The ranking must be a list of groups of options."))
    known = {option.id for option in poll.options}
    seen: set[int] = set()
    tiers: list[list[int]] = []
    for tier in raw:
        if not tier:
            continue
        for option_id in tier:
            if not isinstance(option_id, int) or isinstance(option_id, bool):
                raise BallotError(_("Options must be given by their number."))
            if option_id not in known:
                raise BallotError(
                    _("Option %(id)s is not part of this poll.", id=option_id)
                )
            if option_id in seen:
                raise BallotError(_("An option was ranked twice."))
            seen.add(option_id)
        if len(tier) > 1 and not poll.allow_ties:
            raise BallotError(_("This poll does not allow equal ranks."))
        tiers.append(sorted(tier))
    if not tiers:
        raise BallotError(_("Rank at least one option."))
    if not poll.allow_unranked and seen != known:
        raise BallotError(_("This poll asks you to rank every option."))
    return tiers


def is_number(value: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true, but ``int("²")`` fails."""
    return value.isascii() and value.isdigit()


def ranking_from_form(form, poll: Poll) -> list[list[int]]:
    """Read the plain form (a rank select per option) into tiers.

    Gaps in the numbers are closed (ranks 1, 3, 4 become 1, 2, 3); an empty
    select leaves the option unranked; equal numbers are equal ranks.
    """
    by_rank: dict[int, list[int]] = {}
    for option in poll.options:
        value = (form.get(f"rank-{option.id}") or "").strip()
        if not value:
            continue
        if not is_number(value) or not 1 <= int(value) <= len(poll.options):
            raise BallotError(
                _("Choose a rank between 1 and %(n)d.", n=len(poll.options))
            )
        by_rank.setdefault(int(value), []).append(option.id)
    return validate_ranking([by_rank[r] for r in sorted(by_rank)], poll)


def request_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of a canonical JSON request, for idempotency checks."""
    canonical = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def stored_response(participant: Participant, key: str, digest: str) -> dict | None:
    """The first answer given under an idempotency key, if any.

    The same key with another request is refused (422), as the IETF
    Idempotency-Key draft asks.
    """
    stored = db.session.scalar(
        sa.select(IdempotencyKey).filter_by(participant_id=participant.id, key=key)
    )
    if stored is None:
        return None
    if stored.request_hash != digest:
        raise BallotError(
            _(
                "This submission was already sent with different content. "
                "Reload the page and submit again."
            ),
            422,
        )
    return stored.response


def _replay(participant: Participant, key: str, digest: str) -> CastResult | None:
    response = stored_response(participant, key, digest)
    return None if response is None else CastResult(**response, replayed=True)


def eligible(participant: Participant, poll: Poll) -> bool:
    """Whether the participant may vote in the poll (event and workshop)."""
    return participant.event_id == poll.event_id and (
        poll.workshop_id is None
        or participant.workshop_id is None
        or participant.workshop_id == poll.workshop_id
    )


def _upsert(round_: Round, participant: Participant, ranking) -> tuple[str, int]:
    """Insert the ballot or update it in place; return (receipt, revision)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(Ballot).values(
        round_id=round_.id,
        participant_id=participant.id,
        ranking=ranking,
        receipt_code=new_code(10),
        revision=1,
        created_at=now,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[Ballot.round_id, Ballot.participant_id],
        set_={
            "ranking": stmt.excluded.ranking,
            "updated_at": now,
            "revision": Ballot.revision + 1,
        },
    ).returning(Ballot.receipt_code, Ballot.revision)
    receipt, revision = db.session.execute(stmt).one()
    return receipt, revision


def cast(
    participant: Participant,
    round_id: int,
    raw_ranking: Any,
    idempotency_key: str | None = None,
) -> CastResult:
    """Record (or revise) the participant's ballot in an open round, atomically.

    In one transaction: lock the round row against a concurrent close, check
    it is open and the participant eligible, upsert the ballot (one per
    participant and round), bump the round's version, remember the answer
    under the idempotency key and append an audit entry. A replayed key
    returns the first answer and writes nothing.
    """
    if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise BallotError(_("The submission key is invalid."))
    # populate_existing: the view may have loaded this round before the lock
    # was granted; without it the identity map keeps that stale status, and a
    # ballot that waited for a close would still see the round open.
    round_ = db.session.scalar(
        sa.select(Round)
        .where(Round.id == round_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if round_ is None or not eligible(participant, round_.poll):
        raise BallotError(_("This ballot is for a round you cannot vote in."), 400)
    ranking = validate_ranking(raw_ranking, round_.poll)
    digest = request_hash({"round": round_.id, "ranking": ranking})
    if idempotency_key:
        replay = _replay(participant, idempotency_key, digest)
        if replay is not None:
            return replay
    if round_.status != RoundStatus.OPEN:
        raise BallotError(
            _("This round is closed. Your ballot was not recorded.")
            if round_.status == RoundStatus.CLOSED
            else _("This round is not open yet."),
            409,
        )
    receipt, revision = _upsert(round_, participant, ranking)
    result = CastResult(receipt, revision, ranking, round_.id)
    if idempotency_key:
        db.session.add(
            IdempotencyKey(
                participant_id=participant.id,
                key=idempotency_key,
                request_hash=digest,
                response=result.as_dict(),
            )
        )
    db.session.add(
        AuditEntry(
            # Secret polls: the log says a ballot was cast, never whose.
            actor="participant"
            if round_.poll.secret
            else f"participant:{participant.id}",
            action="ballot_cast" if revision == 1 else "ballot_revised",
            event_id=round_.poll.event_id,
            round_id=round_.id,
        )
    )
    try:
        db.session.flush()
        # Every ballot of the round bumps this one row: bump it last, so that
        # its row lock is held only until the commit right after (on
        # PostgreSQL the lock serialises all writers of the round).
        db.session.execute(
            sa.update(RoundCounter)
            .where(RoundCounter.round_id == round_.id)
            .values(version=RoundCounter.version + 1)
        )
        db.session.commit()
    except sa.exc.IntegrityError:
        # A concurrent retry with the same key won the race: answer as it did.
        db.session.rollback()
        replay = idempotency_key and _replay(participant, idempotency_key, digest)
        if not replay:
            raise
        return replay
    return result


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
