"""The lobby: walk-ins who joined with the event code wait to be admitted.

Anyone who reads the code off the projector can join an open-mode poll,
under any name and claiming any delegation: unchecked, one person could join
twice, cast a ranking and its reverse, and read a secret tally that they
brought up to the three ballots it needs. So a walk-in is *pending*
(``Participant.admitted`` is false) until a member of staff who manages
their workshop (or the event, for a walk-in of no workshop) admits them:
until then :meth:`Participant.eligible_for` is false, so they may not vote
and count in no turnout or electorate, and their delegation is only a
claim. A refused walk-in is removed, which ends their session.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from . import audit, permissions
from .errors import UserError
from .extensions import db
from .models import (
    Account,
    Event,
    Participant,
    Round,
    RoundCounter,
    RoundStatus,
    Workshop,
)


def walk_in(participant_id: int) -> Participant | None:
    """The participant with this id (with its event and delegation), or None."""
    return db.session.get(
        Participant,
        participant_id,
        options=[joinedload(Participant.event), joinedload(Participant.delegation)],
    )


def governed_by(participant: Participant) -> Workshop | Event:
    """What staff must manage to admit or refuse a walk-in: the workshop they
    joined, or the event when they joined none."""
    if participant.workshop_id is not None:
        workshop = db.session.get(Workshop, participant.workshop_id)
        if workshop is not None:
            return workshop
    return participant.event


def may_admit(account: Account, participant: Participant) -> bool:
    """Whether ``account`` may admit or refuse this participant."""
    return permissions.can_manage(account, governed_by(participant))


def waiting(event: Event, account: Account) -> list[Participant]:
    """The event's walk-ins waiting to be admitted that ``account`` may admit,
    first come first."""
    pending = db.session.scalars(
        sa.select(Participant)
        .options(joinedload(Participant.delegation))
        .where(Participant.event_id == event.id, Participant.admitted.is_(False))
        .order_by(Participant.created_at, Participant.id)
    )
    return [p for p in pending if may_admit(account, p)]


def _pending(participant: Participant) -> None:
    if participant.admitted:
        raise UserError(_("This participant is not waiting to be admitted."), 409)


def _decide(participant: Participant, action: str, actor: str, **details) -> None:
    """Check that the walk-in is waiting, and log the decision on them."""
    _pending(participant)
    audit.record(
        actor,
        action,
        participant.event_id,
        participant_id=participant.id,
        workshop_id=participant.workshop_id,
        **details,
    )


def _bump_open_rounds(participant: Participant) -> None:
    """The admitted walk-in joins the electorate of their polls' open rounds:
    a new version, so that projectors show the new turnout."""
    polls = [p.id for p in participant.event.polls if participant.eligible_for(p)]
    if not polls:
        return
    rounds = sa.select(Round.id).where(
        Round.poll_id.in_(polls), Round.status == RoundStatus.OPEN
    )
    db.session.execute(
        sa.update(RoundCounter)
        .where(RoundCounter.round_id.in_(rounds))
        .values(version=RoundCounter.version + 1)
    )


def admit(participant: Participant, actor: str) -> Participant:
    """Admit a walk-in: from now on they vote and count, with their delegation."""
    _decide(
        participant, "walk_in_admitted", actor, delegation_id=participant.delegation_id
    )
    participant.admitted = True
    _bump_open_rounds(participant)
    db.session.commit()
    return participant


def refuse(participant: Participant, actor: str) -> None:
    """Refuse a walk-in: the participant is removed and their session ends."""
    _decide(participant, "walk_in_refused", actor, name=participant.name)
    db.session.delete(participant)
    db.session.commit()
