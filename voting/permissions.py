"""Who may see and manage what in the console.

Admins manage everything; a facilitator manages the workshops assigned to
them and the event-level data of the events where they run a workshop.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from .extensions import db, login_manager
from .models import (
    Account,
    Ballot,
    Event,
    Option,
    Participant,
    Poll,
    Proposal,
    Role,
    Round,
    Workshop,
    workshop_facilitator,
)


@login_manager.user_loader
def load_account(session_id: str):
    """The account of a session ``"<id>:<epoch>"`` (:meth:`Account.get_id`),
    or None (anonymous) when the account has revoked its sessions since."""
    account_id, _, epoch = session_id.partition(":")
    if not (account_id.isdigit() and epoch.isdigit()) or len(account_id) > 9:
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or (account.session_epoch or 0) != int(epoch):
        return None
    return account if account.is_active else None


def revoke_sessions(account: Account) -> None:
    """End every session of ``account``, on every device (logout, a password
    change, a stolen phone): their cookies are anonymous from now on."""
    account.revoke_sessions()
    db.session.commit()


def authenticate(email: str, password: str) -> Account | None:
    """The staff account with this e-mail and password, or None."""
    account = db.session.scalar(
        sa.select(Account).filter_by(email=email.strip().lower())
    )
    if account is None or not account.check_password(password):
        return None
    return account if account.is_active else None


def role_required(*roles: str):
    """Allow staff with one of ``roles`` (admins always); 403 for the rest."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_admin(account: Account) -> bool:
    """Whether the account is an administrator."""
    return account.role == Role.ADMIN


def event_of(obj) -> Event:
    """The event an object of the set-up belongs to."""
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, Option | Round | Proposal):
        return obj.poll.event
    return obj.event


def workshop_of(obj) -> Workshop | None:
    """The workshop that governs access to ``obj`` (``None``: event level)."""
    if isinstance(obj, Workshop):
        return obj
    if isinstance(obj, Poll):
        return obj.workshop
    if isinstance(obj, Option | Round | Proposal):
        return obj.poll.workshop
    if isinstance(obj, Participant) and obj.workshop_id is not None:
        # A delegate who sits in a workshop is that workshop's; one who may
        # vote in every poll is event-level data.
        return db.session.get(Workshop, obj.workshop_id)
    return None


def facilitated_workshop_ids(account: Account) -> set[int]:
    """Ids of the workshops the account is a facilitator of."""
    return set(
        db.session.scalars(
            sa.select(workshop_facilitator.c.workshop_id).where(
                workshop_facilitator.c.account_id == account.id
            )
        )
    )


def can_manage(account: Account, obj) -> bool:
    """Whether ``account`` may see and change ``obj``.

    Admins manage everything. A facilitator manages the workshops assigned to
    them, their polls, rounds and participants, and the event-level data
    (event, plenary polls, delegations, participants of every poll) of events
    where they run a workshop.
    """
    if not getattr(account, "is_authenticated", False):
        return False
    if is_admin(account):
        return True
    if account.role != Role.FACILITATOR:
        return False
    mine = facilitated_workshop_ids(account)
    workshop = workshop_of(obj)
    if workshop is not None:
        return workshop.id in mine
    return any(w.id in mine for w in event_of(obj).workshops)


def can_issue_link(account: Account, participant: Participant) -> bool:
    """Whether ``account`` may give ``participant`` a new personal link.

    A new link opens the participant's ballots: besides managing the
    participant, the account must manage every poll they have voted in (a
    delegate of every poll may have voted in another facilitator's workshop).
    """
    if not can_manage(account, participant):
        return False
    # The polls by id: PostgreSQL cannot compare the JSON columns that a
    # DISTINCT over whole rows would.
    voted_in = (
        sa.select(Round.poll_id)
        .join(Ballot, Ballot.round_id == Round.id)
        .where(Ballot.participant_id == participant.id)
    )
    polls = db.session.scalars(sa.select(Poll).where(Poll.id.in_(voted_in)))
    return all(can_manage(account, poll) for poll in polls)


def visible_participants(account: Account, participants) -> list[Participant]:
    """The participants among ``participants`` (of one event) the account
    can manage: :func:`can_manage` without a query per participant."""
    participants = list(participants)
    if not participants or not getattr(account, "is_authenticated", False):
        return []
    if is_admin(account):
        return participants
    if account.role != Role.FACILITATOR:
        return []
    mine = facilitated_workshop_ids(account)
    event_level = any(w.id in mine for w in participants[0].event.workshops)
    return [
        p
        for p in participants
        if (p.workshop_id in mine if p.workshop_id is not None else event_level)
    ]


def visible_events(account: Account) -> list[Event]:
    """Events the account can manage, newest first."""
    query = sa.select(Event).order_by(Event.created_at.desc(), Event.id.desc())
    if not is_admin(account):
        query = query.where(
            Event.id.in_(
                sa.select(Workshop.event_id).where(
                    Workshop.id.in_(facilitated_workshop_ids(account))
                )
            )
        )
    return list(db.session.scalars(query))


def visible_workshops(account: Account, event: Event) -> list[Workshop]:
    """The event's workshops the account can manage."""
    if is_admin(account):
        return list(event.workshops)
    mine = facilitated_workshop_ids(account)
    return [w for w in event.workshops if w.id in mine]


def visible_polls(account: Account, event: Event) -> list[Poll]:
    """The event's polls (workshop and plenary) the account can manage."""
    return [p for p in event.polls if can_manage(account, p)]
