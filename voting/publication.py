"""What the room sees of a secret round while it is open: publications.

A publication is the ballots and the turnout of a secret open round as they
were when it was taken; it is refreshed only when :mod:`voting.disclosure`
says a batch of ballot changes has arrived. Everything public about such a
round (the projector, its fragment and JSON, their ETags) is read from it.
"""

from __future__ import annotations

import sqlalchemy as sa

from . import disclosure, tallies
from .extensions import db
from .models import Ballot, PublishedTally, Round, utcnow


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
    values = {
        "changes": sum(revision for _, _, revision in records),
        "records": [[ranking, delegation] for ranking, delegation, _ in records],
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
    is open, its latest publication (an empty result before the first).

    A publication's turnout counts the published ballots against today's
    electorate: a walk-in admitted since shows at once, a ballot does not.
    """
    poll = round_.poll
    if not disclosure.batched(poll, round_):
        return tallies.for_round(round_)
    row = latest(round_)
    records = (
        [(ranking, delegation) for ranking, delegation in row.records] if row else []
    )
    turnout = tallies.turnout_for(round_, [delegation for _, delegation in records])
    key = (
        round_.id,
        "published",
        row.changes if row else None,
        turnout.participants,
        tuple(d["total"] for d in turnout.by_delegation),
        poll.method,
        poll.tie_break,
        poll.weighting,
        poll.top_k,
    )
    return tallies.cache.get_or_compute(
        key, lambda: tallies.compute(round_, False, records, turnout)
    )


def public_state(round_: Round) -> tuple:
    """What the room's view of a round depends on (for ETags): the round's
    version, or a secret open round's latest publication and its electorate."""
    if not disclosure.batched(round_.poll, round_):
        return (tallies.round_version(round_.id),)
    row = latest(round_)
    electorate = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            tallies.eligible_participants(round_.poll).subquery()
        )
    )
    return (row.changes if row else -1, electorate)
