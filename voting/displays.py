"""Projector links and their freshness: which poll a display token opens, and
the ETag that lets a projector's 2-second poll answer 304 without reading
ballots.

The ETag is computed from the round's version counter (bumped on every
ballot and every change of state), the poll's display settings and the
language: stateless, so it works the same with one process or many. While a
secret round is open, the ETag follows its publications instead
(:mod:`voting.disclosure`): it never changes on a single ballot.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Response, abort, request
from flask_babel import get_locale
from flask_login import current_user

from . import permissions, publication
from .extensions import db
from .models import (
    ConsentAnswer,
    Participant,
    Poll,
    Proposal,
    Round,
    RoundCounter,
    RoundStatus,
)

#: The presenter's views of a poll, in the order the arrow keys step through.
VIEWS = ("join", "results", "matrix", "agreement", "consent")


def poll_or_404(token: str) -> Poll:
    """The poll a display token opens (404 for none, or a poll with no round)."""
    poll = db.session.scalar(sa.select(Poll).filter_by(display_token=token))
    if poll is None or not poll.rounds:
        abort(404)
    return poll


def _digest(state) -> str:
    return hashlib.sha256(repr((*state, str(get_locale()))).encode()).hexdigest()[:24]


def current_etag(token: str) -> str | None:
    """ETag of what the display would show: poll settings, round, version, language."""
    row = db.session.execute(
        sa.select(
            Round.id,
            Round.status,
            RoundCounter.version,
            Poll.method,
            Poll.tie_break,
            Poll.weighting,
            Poll.top_k,
            Poll.results_visibility,
            Poll.display_theme,
            Poll.secret,
        )
        .join(Poll, Round.poll_id == Poll.id)
        .join(RoundCounter, RoundCounter.round_id == Round.id)
        .where(Poll.display_token == token)
        .order_by(Round.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    state = list(row)
    if row.secret and row.status == RoundStatus.OPEN:
        state[2] = publication.public_state(db.session.get(Round, row.id))
    return _digest(tuple(state))


def plenary_etag(token: str) -> str | None:
    """ETag of the plenary view: the versions of every round of the event."""
    plenary = db.session.scalar(
        sa.select(Poll).filter_by(display_token=token, workshop_id=None)
    )
    if plenary is None:
        return None
    rows = db.session.execute(
        sa.select(
            Round.id,
            Round.status,
            # Only closed rounds are pooled: an open round's ballots do not
            # change the plenary view, and must not change its ETag.
            sa.case((Round.status == RoundStatus.CLOSED, RoundCounter.version)),
        )
        .join(Poll, Round.poll_id == Poll.id)
        .join(RoundCounter, RoundCounter.round_id == Round.id)
        .where(Poll.event_id == plenary.event_id)
        .order_by(Round.id)
    ).all()
    return _digest(
        (
            plenary.method,
            plenary.tie_break,
            plenary.top_k,
            plenary.display_theme,
            plenary.results_visibility,
            tuple(map(tuple, rows)),
        )
    )


def presenter(poll: Poll) -> bool:
    """Does the signed-in user run this poll (round controls on the projector)?"""
    return permissions.can_manage(current_user, poll)


def with_presenter(etag: str | None, poll_token: str) -> str | None:
    """The ETag of what a presenter sees: the controls are part of the page."""
    if etag is None or not getattr(current_user, "is_authenticated", False):
        return etag
    poll = db.session.scalar(sa.select(Poll).filter_by(display_token=poll_token))
    return f"{etag}-p" if poll is not None and presenter(poll) else etag


def presenter_views(view) -> dict:
    """Which views a poll's projector offers now, the one it starts on, and
    whether closing asks for the cue (R) before the results appear."""
    # Once the round is closed, nobody joins it: no QR.
    views = [] if view.closed else ["join"]
    if view.show_results:
        views.append("results")
    if view.show_results and view.closed:
        views += ["matrix", "agreement"]
    if view.consent is not None:
        views.append("consent")
    if view.consent is not None:
        start = "consent"
    elif view.round.status == RoundStatus.DRAFT or not view.show_results:
        start = "join" if not view.closed else "results"
    else:
        start = "results"
    cue = view.closed and view.show_results and view.poll.results_visibility == "hidden"
    return {"available": views, "start": start, "cue": cue}


def conditional(etag: str | None, render) -> Response:
    """304 for a matching ``If-None-Match``, else ``render(etag)``; 404 without."""
    if etag is None:
        abort(404)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(render(etag))
    response.set_etag(etag)
    # Results are never stored by browsers or proxies; display.js sends
    # If-None-Match itself, so the 304 path works without a cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


def console_etag(poll_id: int, account_id: int) -> str:
    """ETag of a poll's console page: its rounds' versions (ballots, state), its
    consent checks and their answers, the event's lobby, and who is reading."""
    rounds = db.session.execute(
        sa.select(Round.id, Round.status, RoundCounter.version)
        .join(RoundCounter, RoundCounter.round_id == Round.id)
        .where(Round.poll_id == poll_id)
        .order_by(Round.id)
    ).all()
    proposals = db.session.execute(
        sa.select(
            Proposal.id,
            Proposal.status,
            sa.func.count(ConsentAnswer.id),
            sa.func.coalesce(sa.func.sum(ConsentAnswer.revision), 0),
        )
        .outerjoin(ConsentAnswer, ConsentAnswer.proposal_id == Proposal.id)
        .where(Proposal.poll_id == poll_id)
        .group_by(Proposal.id, Proposal.status)
        .order_by(Proposal.id)
    ).all()
    event_id = sa.select(Poll.event_id).where(Poll.id == poll_id).scalar_subquery()
    return _digest(
        (
            "console",
            poll_id,
            account_id,
            tuple(map(tuple, rounds)),
            tuple(map(tuple, proposals)),
            lobby_state(event_id),
        )
    )


def lobby_state(event_id) -> tuple:
    """An event's participants and the walk-ins waiting in its lobby, as
    (participants, waiting, newest id): the turnout's denominator and the lobby."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Participant.id),
            sa.func.count(Participant.id).filter(Participant.admitted.is_(False)),
            sa.func.max(Participant.id),
        ).where(Participant.event_id == event_id)
    ).one()
    return tuple(row)


def lobby_etag(event_id: int, account_id: int) -> str:
    """ETag of an event's lobby page: who is waiting, and who is reading."""
    return _digest(("lobby", event_id, account_id, lobby_state(event_id)))


def room_etag(participant: Participant) -> str:
    """ETag of what a delegate's page follows: which rounds and consent checks
    of the event are open or closed (never a count), and whether the delegate
    is admitted. Two indexed queries; ballots are not read."""
    polls = sa.select(Poll.id).where(Poll.event_id == participant.event_id)
    rounds = db.session.execute(
        sa.select(Round.id, Round.status)
        .where(Round.poll_id.in_(polls))
        .order_by(Round.id)
    ).all()
    proposals = db.session.execute(
        sa.select(Proposal.id, Proposal.status)
        .where(Proposal.poll_id.in_(polls))
        .order_by(Proposal.id)
    ).all()
    return _digest(
        (
            "room",
            participant.id,
            participant.admitted,
            tuple(map(tuple, rounds)),
            tuple(map(tuple, proposals)),
        )
    )
