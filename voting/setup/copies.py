"""Reuse: a poll copied into another workshop, event or plenary; an event made
from an earlier one.

A copy takes the question and every option with all their languages, their
keys (so that workshop polls and the plenary pool the same areas) and every
setting of :data:`~.polls.POLL_SETTINGS`; it starts with a draft round 1 and
takes no ballot. An event made from an earlier one takes its languages,
venue, workshops (with their facilitators), delegations and polls, and no
participant, ballot, proposal or join code.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import (
    Account,
    Delegation,
    Event,
    Option,
    Poll,
    Round,
    RoundStatus,
    Workshop,
)
from ..permissions import is_admin
from . import refuse
from .events import clean_texts, slugify
from .polls import POLL_SETTINGS


def _copy(source: Poll, event: Event, workshop: Workshop | None) -> Poll:
    """The copy, added to the session (read everything before building it:
    a half-built poll must not be flushed)."""
    options = [
        Option(
            key=o.key,
            position=o.position,
            title=dict(o.title),
            description=dict(o.description or {}),
        )
        for o in source.options
    ]
    settings = {key: getattr(source, key) for key in POLL_SETTINGS}
    position = max((p.position for p in event.polls), default=-1) + 1
    with db.session.no_autoflush:
        poll = Poll(
            event=event,
            workshop=workshop,
            question=dict(source.question),
            position=position,
            options=options,
            rounds=[Round(number=1, status=RoundStatus.DRAFT)],
            **settings,
        )
        db.session.add(poll)
    return poll


def duplicate_poll(
    source: Poll, event: Event, workshop: Workshop | None, actor: str
) -> Poll:
    """A copy of ``source`` in ``workshop`` of ``event`` (``None``: the
    event's plenary poll)."""
    if workshop is not None and workshop.event_id != event.id:
        refuse(_("That workshop belongs to another event."))
    poll = _copy(source, event, workshop)
    db.session.flush()
    audit.record(
        actor,
        "poll_duplicated",
        event.id,
        poll_id=poll.id,
        source_poll_id=source.id,
        workshop_id=workshop.id if workshop else None,
    )
    db.session.commit()
    return poll


def event_from(source: Event, account: Account, name: str, slug: str = "") -> Event:
    """A new event with the set-up of ``source`` (see the module's docstring)."""
    first = source.default_language
    names = clean_texts({first: name}, source.language_list)
    if first not in names:
        refuse(_("The name in the event's first language is required."))
    slug = slugify(slug or names[first], 80)
    if db.session.scalar(sa.select(Event.id).filter_by(slug=slug)):
        refuse(_("Another event already uses the short name %(slug)s.", slug=slug))
    event = Event(slug=slug, name=names, languages=source.languages, venue=source.venue)
    sources = [(p, p.workshop_id) for p in source.polls]
    with db.session.no_autoflush:
        db.session.add(event)
        workshops = {}
        for old in source.workshops:
            workshops[old.id] = Workshop(
                event=event,
                name=dict(old.name),
                position=old.position,
                facilitators=list(old.facilitators),
            )
        db.session.add_all(workshops.values())
        if not is_admin(account) and workshops:
            first_workshop = next(iter(workshops.values()))
            if account not in first_workshop.facilitators:
                first_workshop.facilitators.append(account)
        for delegation in source.delegations:
            db.session.add(
                Delegation(event=event, code=delegation.code, name=delegation.name)
            )
        for poll, workshop_id in sources:
            _copy(poll, event, workshops.get(workshop_id))
    db.session.flush()
    audit.record(
        audit.staff(account),
        "event_created",
        event.id,
        slug=slug,
        source_event_id=source.id,
    )
    db.session.commit()
    return event
