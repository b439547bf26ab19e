"""Round life cycle: draft → open → closed, and the next round of a poll.

Undo, for mistakes in the room: a round closed without ballots can be
deleted (not round 1: reopen that one), and a closed round can be reopened,
with a reason, until its list is proposed. Both are audited. Every
transition has a ``check_*`` that the console's confirm page asks first.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from . import audit
from .errors import UserError
from .extensions import db
from .models import Ballot, Proposal, Round, RoundCounter, RoundStatus, utcnow

MAX_REASON = 500


def _lock(round_id: int) -> Round:
    """The round row, locked for update: waits for ballots being written."""
    if db.session.get_bind().dialect.name == "postgresql":
        # Ballots hold the round row FOR SHARE, and row locks do not queue: a
        # steady stream of ballots would keep FOR UPDATE waiting for ever. A
        # table lock queues: ballots that come later wait behind the close.
        db.session.execute(sa.text("LOCK TABLE round IN EXCLUSIVE MODE"))
    # populate_existing: a round loaded earlier in the session keeps its
    # stale status otherwise (the identity map is not refreshed by the lock).
    round_ = db.session.scalar(
        sa.select(Round)
        .where(Round.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if round_ is None:
        raise UserError(_("No such round."), 404)
    return round_


def _bump(round_id: int) -> None:
    db.session.execute(
        sa.update(RoundCounter)
        .where(RoundCounter.round_id == round_id)
        .values(version=RoundCounter.version + 1)
    )


def _changed(round_: Round, action: str, actor: str, **details) -> Round:
    _bump(round_.id)
    audit.record(
        actor,
        action,
        round_.poll.event_id,
        round_id=round_.id,
        poll_id=round_.poll_id,
        round=round_.number,
        **details,
    )
    db.session.commit()
    return round_


def check_open(round_: Round) -> None:
    if round_.status != RoundStatus.DRAFT:
        raise UserError(_("Only a draft round can be opened."), 409)


def check_close(round_: Round) -> None:
    if round_.status != RoundStatus.OPEN:
        raise UserError(_("Only an open round can be closed."), 409)


def check_next(round_: Round) -> None:
    if round_.status != RoundStatus.CLOSED or round_.poll.rounds[-1] is not round_:
        raise UserError(_("A new round starts only after the last round closed."), 409)


def ballot_count(round_: Round) -> int:
    """Ballots stored in the round."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Ballot.id)).where(Ballot.round_id == round_.id)
        )
        or 0
    )


def latest_with_ballots(poll) -> Round | None:
    """The poll's latest closed round that has ballots (the one to propose)."""
    for round_ in reversed(poll.rounds):
        if round_.status == RoundStatus.CLOSED and ballot_count(round_):
            return round_
    return None


def _proposed(round_: Round) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Proposal.id)).where(Proposal.round_id == round_.id)
        )
        > 0
    )


def check_delete(round_: Round) -> None:
    """Only the last round, closed, without ballots, and not round 1."""
    if round_.status != RoundStatus.CLOSED or round_.poll.rounds[-1] is not round_:
        raise UserError(_("Only the last round, once closed, can be deleted."), 409)
    if round_.number == 1:
        raise UserError(
            _("Round 1 cannot be deleted: reopen it if it was closed by mistake."),
            409,
        )
    if ballot_count(round_):
        raise UserError(_("A round with ballots cannot be deleted."), 409)


def check_reopen(round_: Round) -> None:
    """Only the last round, closed, whose list has not been proposed."""
    if round_.status != RoundStatus.CLOSED or round_.poll.rounds[-1] is not round_:
        raise UserError(_("Only the last round, once closed, can be reopened."), 409)
    if _proposed(round_):
        raise UserError(
            _("This round's list has been proposed for adoption: it stays closed."),
            409,
        )


def reason_of(reason) -> str:
    """A required, short reason for an undo (refused with a clear message)."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise UserError(_("Give a reason: it goes into the audit log."))
    if len(reason) > MAX_REASON:
        raise UserError(
            _("The reason may have at most %(n)d characters.", n=MAX_REASON)
        )
    return reason


def open_round(round_id: int, actor: str) -> Round:
    """Open a draft round."""
    round_ = _lock(round_id)
    check_open(round_)
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    return _changed(round_, "round_opened", actor)


def close_round(round_id: int, actor: str) -> Round:
    """Close an open round; no ballot is accepted after this commits."""
    round_ = _lock(round_id)
    check_close(round_)
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    return _changed(round_, "round_closed", actor)


def next_round(round_id: int, actor: str) -> Round:
    """Open the next round of the same poll after a closed one."""
    previous = _lock(round_id)
    poll = previous.poll
    check_next(previous)
    round_ = Round(
        poll=poll,
        number=previous.number + 1,
        status=RoundStatus.OPEN,
        opened_at=utcnow(),
    )
    db.session.add(round_)
    db.session.flush()
    return _changed(round_, "round_opened", actor)


def reopen_round(round_id: int, actor: str, reason) -> Round:
    """Reopen a round closed by mistake (audited with the reason)."""
    reason = reason_of(reason)
    round_ = _lock(round_id)
    check_reopen(round_)
    round_.status = RoundStatus.OPEN
    round_.closed_at = None
    return _changed(round_, "round_reopened", actor, reason=reason)


def delete_round(round_id: int, actor: str, reason) -> int:
    """Delete the last round, closed without ballots; returns its poll's id.

    The audit entry keeps the poll and the round's number (the round's id
    goes with it).
    """
    reason = reason_of(reason)
    round_ = _lock(round_id)
    check_delete(round_)
    poll = round_.poll
    audit.record(
        actor,
        "round_deleted",
        poll.event_id,
        poll_id=poll.id,
        round=round_.number,
        reason=reason,
    )
    previous = poll.rounds[-2]
    db.session.delete(round_)
    db.session.flush()
    # Displays poll the latest round's version: the previous one is latest now.
    _bump(previous.id)
    db.session.commit()
    db.session.expire(poll)
    return poll.id
