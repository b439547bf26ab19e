"""Round life cycle: draft → open → closed, and the next round of a poll."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from . import audit
from .errors import UserError
from .extensions import db
from .models import Round, RoundCounter, RoundStatus, utcnow


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


def _changed(round_: Round, action: str, actor: str) -> Round:
    db.session.execute(
        sa.update(RoundCounter)
        .where(RoundCounter.round_id == round_.id)
        .values(version=RoundCounter.version + 1)
    )
    audit.record(
        actor,
        action,
        round_.poll.event_id,
        round_id=round_.id,
        poll_id=round_.poll_id,
        round=round_.number,
    )
    db.session.commit()
    return round_


def open_round(round_id: int, actor: str) -> Round:
    """Open a draft round."""
    round_ = _lock(round_id)
    if round_.status != RoundStatus.DRAFT:
        raise UserError(_("Only a draft round can be opened."), 409)
    round_.status = RoundStatus.OPEN
    round_.opened_at = utcnow()
    return _changed(round_, "round_opened", actor)


def close_round(round_id: int, actor: str) -> Round:
    """Close an open round; no ballot is accepted after this commits."""
    round_ = _lock(round_id)
    if round_.status != RoundStatus.OPEN:
        raise UserError(_("Only an open round can be closed."), 409)
    round_.status = RoundStatus.CLOSED
    round_.closed_at = utcnow()
    return _changed(round_, "round_closed", actor)


def next_round(round_id: int, actor: str) -> Round:
    """Open the next round of the same poll after a closed one."""
    previous = _lock(round_id)
    poll = previous.poll
    if previous.status != RoundStatus.CLOSED or poll.rounds[-1] is not previous:
        raise UserError(_("A new round starts only after the last round closed."), 409)
    round_ = Round(
        poll=poll,
        number=previous.number + 1,
        status=RoundStatus.OPEN,
        opened_at=utcnow(),
    )
    db.session.add(round_)
    db.session.flush()
    return _changed(round_, "round_opened", actor)
