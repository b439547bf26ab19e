"""Proposals read back: a poll's history, the open one, the adopted one; and
how a proposed list treats the tally's ties.

:mod:`voting.adoption` changes proposals; :mod:`voting.tallies` asks which
round a workshop adopted (the plenary pools it). Both read through here, so
neither imports the other.

Ties: the tally's tied options are proposed as one item (they share a
position) unless the facilitator applies the declared tie-break or reorders
them in an amendment. ``Proposal.ties`` stores which (see
:func:`tie_status`), for the console and the record.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from .errors import UserError
from .extensions import db
from .models import Poll, Proposal, RoundCounter

#: Outcomes that adopt the list.
ADOPTED = ("consensus", "reservations")
#: ``Proposal.ties`` values.
TIES_NONE, TIES_KEPT, TIES_BROKEN, TIES_REORDERED = (
    "none",
    "kept",
    "broken",
    "reordered",
)


def open_proposal(poll: Poll) -> Proposal | None:
    """The poll's open consent check, if any."""
    return db.session.scalar(
        sa.select(Proposal).filter_by(poll_id=poll.id, status="open")
    )


def latest(poll: Poll) -> Proposal | None:
    """The poll's most recent proposal, open or closed."""
    return db.session.scalar(
        sa.select(Proposal)
        .filter_by(poll_id=poll.id)
        .order_by(Proposal.number.desc())
        .limit(1)
    )


def history(poll: Poll) -> list[Proposal]:
    """Every proposal of the poll, first to last."""
    return list(
        db.session.scalars(
            sa.select(Proposal).filter_by(poll_id=poll.id).order_by(Proposal.number)
        )
    )


def is_adopted(proposal: Proposal | None) -> bool:
    """Whether the proposal's list stands adopted (closed, adopted, not re-opened)."""
    return (
        proposal is not None
        and proposal.status == "closed"
        and proposal.outcome in ADOPTED
        and proposal.reopened_at is None
    )


def adopted(poll: Poll) -> Proposal | None:
    """The poll's adopted list, if one stands: the latest proposal, adopted
    and not re-opened (a later proposal replaces an earlier adoption)."""
    proposal = latest(poll)
    return proposal if is_adopted(proposal) else None


def tied_groups(ranking: list[list[int]]) -> list[list[int]]:
    """The tiers of a tally's ranking that hold more than one option."""
    return [list(tier) for tier in ranking if len(tier) > 1]


def _order(items: list[list[int]]) -> dict[int, int]:
    return {option: i for i, item in enumerate(items) for option in item}


def separated(items: list[list[int]], groups: list[list[int]]) -> list[list[int]]:
    """The tied groups whose options ``items`` puts in different items."""
    where = _order(items)
    return [g for g in groups if len({where.get(o) for o in g}) > 1]


def tie_status(items, groups, previous: Proposal | None = None) -> str:
    """How an amended list ``items`` treats the tally's tied ``groups``.

    Every group still in one item: "kept". A group split: "reordered", unless
    the previous list had the declared tie-break applied and the split
    groups keep its order (then "broken" still). No groups: "none".
    """
    if not groups:
        return TIES_NONE
    split = separated(items, groups)
    if not split:
        return TIES_KEPT
    if previous is not None and previous.ties == TIES_BROKEN:
        now, before = _order(items), _order(previous.items)
        if all(
            sorted(g, key=now.__getitem__) == sorted(g, key=before.__getitem__)
            and len({now[o] for o in g}) == len(g)
            for g in split
        ):
            return TIES_BROKEN
    return TIES_REORDERED


def touch(poll: Poll) -> None:
    """Bump the version of the poll's latest round: displays refresh (ETag)."""
    if poll.rounds:
        db.session.execute(
            sa.update(RoundCounter)
            .where(RoundCounter.round_id == poll.rounds[-1].id)
            .values(version=RoundCounter.version + 1)
        )


def lock(proposal_id: int) -> Proposal:
    """The proposal row, locked for update (404 when there is none)."""
    proposal = db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    )
    if proposal is None:
        raise UserError(_("No such proposal."), 404)
    return proposal
