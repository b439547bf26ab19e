"""What the room sees of a secret round while it is open: publications.

A publication is the ballots and the turnout of a secret open round as they
were when it was taken; it is refreshed only when :mod:`voting.disclosure`
says a batch of ballot changes has arrived. Everything public about such a
round (the projector, its fragment and JSON, their ETags) is read from it.
"""

from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa

from . import disclosure, tallies
from .extensions import db
from .models import Ballot, PublishedTally, Round, utcnow


def _decode(records: list) -> list[tuple]:
    return [(ranking, delegation) for ranking, delegation in records]


def latest(round_: Round) -> PublishedTally | None:
    """The latest publication of a secret open round, taken now if it is due.

    The ballots, their delegations and their revisions are read in one
    statement, so the change count stored is the one of the ballots stored.
    Two requests publishing at once: the one that loses the race reads the
    other's publication.
    """
    poll = round_.poll
    row = db.session.get(PublishedTally, round_.id, populate_existing=True)
    changes = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Ballot.revision), 0)).where(
            Ballot.round_id == round_.id
        )
    )
    if not disclosure.publication_due(poll, changes, row.changes if row else None):
        return row
    records = tallies.ballot_records(round_, with_revisions=True)
    changes = sum(revision for _, _, revision in records)
    turnout = tallies.turnout_for(round_, [delegation for _, delegation, _ in records])
    values = {
        "changes": changes,
        "records": [[ranking, delegation] for ranking, delegation, _ in records],
        "turnout": asdict(turnout),
        "published_at": utcnow(),
    }
    try:
        if row is None:
            db.session.add(PublishedTally(round_id=round_.id, **values))
        else:
            db.session.execute(
                sa.update(PublishedTally)
                .where(
                    PublishedTally.round_id == round_.id,
                    PublishedTally.changes == row.changes,
                )
                .values(**values)
            )
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
    return db.session.get(PublishedTally, round_.id, populate_existing=True)


def public_result(round_: Round) -> tallies.RoundResult:
    """What the room may see of a round: its result, or, while a secret round
    is open, its latest publication (an empty result before the first)."""
    poll = round_.poll
    if not disclosure.batched(poll, round_):
        return tallies.for_round(round_)
    row = latest(round_)
    key = (
        round_.id,
        "published",
        row.changes if row else None,
        poll.method,
        poll.weighting,
        poll.top_k,
    )
    if row is None:
        empty = tallies.turnout_for(round_, voters=[])
        return tallies.cache.get_or_compute(
            key, lambda: tallies.compute(round_, False, [], empty)
        )
    records, turnout = _decode(row.records), tallies.Turnout(**row.turnout)
    return tallies.cache.get_or_compute(
        key, lambda: tallies.compute(round_, False, records, turnout)
    )


def published_changes(round_: Round) -> int | None:
    """The change count the room's view of a round is at (for ETags): the
    round's version, or a secret open round's latest publication."""
    if not disclosure.batched(round_.poll, round_):
        return tallies.round_version(round_.id)
    row = latest(round_)
    return row.changes if row else -1
