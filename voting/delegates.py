"""Who the delegate is: the session of a personal link or an event-code join.

A delegate is known by the session alone: ``participant_id`` and ``event_id``,
``link`` (a prefix of the participant's token hash, so that reissuing the
personal link ends every older session) and ``via`` ("link" or "code":
delegates who joined with the event code may vote only in open-mode polls,
and only once a facilitator has admitted them: see :mod:`voting.lobby`).
Used by the delegate pages and the delegate API alike.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import g, session
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from . import audit
from .errors import UserError, fail
from .extensions import db
from .models import (
    Ballot,
    Delegation,
    Event,
    Participant,
    Poll,
    Proposal,
    Round,
    RoundStatus,
    Workshop,
    hash_join_code,
    hash_token,
    normalise_join_code,
)

SESSION_KEYS = ("participant_id", "event_id", "link", "via")


def link_fingerprint(participant: Participant) -> str:
    """The part of the token hash kept in the session (changes on reissue)."""
    return (participant.token_hash or "")[:16]


def start_session(participant: Participant, via: str) -> None:
    """A fresh session for this participant and event only (the language stays)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session["participant_id"] = participant.id
    session["event_id"] = participant.event_id
    session["link"] = link_fingerprint(participant)
    session["via"] = via
    # A phone closes its browser between sessions of the seminar.
    session.permanent = True


def current_participant() -> Participant | None:
    """The signed-in delegate, or None (and the stale session is forgotten)."""
    participant_id = session.get("participant_id")
    if participant_id is None:
        return None
    # One query for the participant and the event (its default language).
    participant = db.session.get(
        Participant, participant_id, options=[joinedload(Participant.event)]
    )
    if (
        participant is None
        or participant.event_id != session.get("event_id")
        or link_fingerprint(participant) != session.get("link")
    ):
        for key in SESSION_KEYS:
            session.pop(key, None)
        return None
    g.event = participant.event
    return participant


def session_ended_message() -> str:
    return _(
        "Your session has ended. Open your personal link again, or join with "
        "the event code."
    )


def delegate_required(view):
    """Pages for a signed-in delegate; others get a translated 401 page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        participant = current_participant()
        if participant is None:
            fail(401, session_ended_message())
        return view(participant, *args, **kwargs)

    return wrapped


def late_message(participant_id: int, round_id: int) -> str:
    """What a ballot arriving after the close is told: this change is not
    recorded, and the earlier ballot, if there is one, counts."""
    earlier = db.session.scalar(
        sa.select(Ballot.updated_at).filter_by(
            round_id=round_id, participant_id=participant_id
        )
    )
    if earlier is None:
        return _("This round is closed. Your ballot was not recorded.")
    return _(
        "This round closed before this change arrived. Your earlier ballot, "
        "last changed %(time)s (UTC), is the one that counts.",
        time=format_datetime(earlier, "short"),
    )


def waiting_message() -> str:
    return _("Waiting for the facilitator to admit you.")


def awaiting_admission(participant: Participant) -> bool:
    """A walk-in the facilitator has not admitted yet: may not vote anywhere."""
    return not participant.admitted


def joined_by_code() -> bool:
    """Joined with the event code (not a personal link): open-mode polls only."""
    return session.get("via") == "code"


def may_vote(participant: Participant, poll: Poll) -> bool:
    """Eligible for the poll, and code-joined delegates only in open-mode polls."""
    if not participant.eligible_for(poll):
        return False
    return not joined_by_code() or poll.open_mode


def answerable_proposal(participant: Participant, proposal_id: int) -> Proposal:
    """The proposal the participant may answer, or abort: 403 for a walk-in not
    admitted yet or a poll they may not vote in, 404 for no such proposal."""
    if awaiting_admission(participant):
        fail(403, waiting_message())
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        fail(404, _("No such proposal."))
    if not may_vote(participant, proposal.poll):
        fail(403, _("You cannot answer this proposal."))
    return proposal


def voting_round(poll: Poll) -> Round | None:
    """The round a delegate sees: the latest one that has been opened."""
    started = [r for r in poll.rounds if r.status != RoundStatus.DRAFT]
    return started[-1] if started else None


def lang() -> str:
    return str(get_locale())


def by_token(token: str) -> Participant | None:
    """The participant of a personal link, or None."""
    if not 16 <= len(token) <= 100:
        return None
    return db.session.scalar(
        sa.select(Participant).filter_by(token_hash=hash_token(token))
    )


def event_for_code(raw: str) -> Event | None:
    """The event of a join code, if it has at least one open-mode poll."""
    code = normalise_join_code(raw)
    if not 4 <= len(code) <= 12:
        return None
    # Only a keyed hash of the code is stored: look the event up by it.
    event = db.session.scalar(
        sa.select(Event).filter_by(join_code_hash=hash_join_code(code))
    )
    if event is None or not any(poll.open_mode for poll in event.polls):
        return None
    return event


def join_workshops(event: Event) -> list[Workshop]:
    """The workshops a walk-in may join: those with an open-mode poll, in order."""
    with_open_polls = {p.workshop_id for p in event.polls if p.open_mode}
    return [w for w in event.workshops if w.id in with_open_polls]


def join_by_code(
    event: Event,
    name: str,
    delegation_id: int | None,
    language: str | None,
    workshop_id: int | None = None,
) -> Participant:
    """A walk-in who joined with the event code: a participant with no link,
    waiting in the lobby until a facilitator admits them.

    A walk-in sits in one workshop: the one chosen when several have open-mode
    polls, the only one otherwise (none when only plenary polls are open);
    the delegation is only a claim until the facilitator admits them.
    """
    workshops = join_workshops(event)
    if len(workshops) == 1:
        workshop_id = workshops[0].id
    elif not workshops:
        workshop_id = None
    elif workshop_id not in {w.id for w in workshops}:
        raise UserError(_("Choose your workshop."))
    delegation = db.session.get(Delegation, delegation_id) if delegation_id else None
    if delegation is not None and delegation.event_id != event.id:
        raise UserError(_("Choose your delegation."))
    participant = Participant(
        event=event,
        delegation=delegation,
        workshop_id=workshop_id,
        name=name,
        language=language,
        walk_in=True,
    )
    # The token is thrown away: it only anchors the session fingerprint.
    participant.issue_token()
    db.session.add(participant)
    db.session.flush()
    audit.record(
        "participant",
        "participant_joined",
        event.id,
        via="code",
        participant_id=participant.id,
        workshop_id=workshop_id,
    )
    db.session.commit()
    return participant


def votable_polls(participant: Participant) -> list[tuple[Poll, Round]]:
    """The participant's polls that have an open or closed round, in order."""
    polls = db.session.scalars(
        sa.select(Poll)
        .filter_by(event_id=participant.event_id)
        .order_by(Poll.position, Poll.id)
    ).all()
    found = []
    for poll in polls:
        round_ = voting_round(poll)
        if round_ is not None and may_vote(participant, poll):
            found.append((poll, round_))
    return found


def ballot_poll(poll_id: int) -> Poll | None:
    """A poll with what its ballot page shows (rounds, options, workshop), in
    one query."""
    return db.session.get(
        Poll,
        poll_id,
        options=[
            joinedload(Poll.rounds),
            joinedload(Poll.options),
            joinedload(Poll.workshop),
        ],
    )


def round_for(round_id: int) -> Round | None:
    """A round with its poll and the poll's options (what a ballot needs)."""
    return db.session.get(
        Round, round_id, options=[joinedload(Round.poll).selectinload(Poll.options)]
    )
