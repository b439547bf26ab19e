"""Adoption of a priority list by the room: proposals and consent answers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

if TYPE_CHECKING:
    from .events import Poll
    from .people import Delegation


class Proposal(db.Model):
    """A priority list proposed to the room for adoption (a consent check).

    ``items`` is the list in order, each item a list of option ids (a merged
    item holds several); the first ``cut`` items are "highest priority".
    Each amendment is a new proposal with the next ``number``; all are kept.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll.id", ondelete="CASCADE"))
    #: The closed round it comes from; ``None`` for a plenary consolidation.
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round.id", ondelete="SET NULL")
    )
    number: Mapped[int] = mapped_column(default=1)
    items: Mapped[list[list[int]]] = mapped_column(sa.JSON)
    cut: Mapped[int] = mapped_column(default=2)
    #: "open" while delegates answer, then "closed" with an ``outcome``.
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    #: "consensus", "reservations" or "not_adopted" once closed.
    outcome: Mapped[str | None] = mapped_column(sa.String(14))
    #: Rule and unit in force when proposed (the record quotes them).
    rule: Mapped[str] = mapped_column(sa.String(12), default="consensus")
    threshold: Mapped[float] = mapped_column(default=2 / 3)
    by_delegation: Mapped[bool] = mapped_column(default=False)
    #: How the tally's ties reached this list (the record quotes it):
    #: "none" (the tally had none), "kept" (tied options share an item),
    #: "broken" (by the declared tie-break ``tie_rule``) or "reordered" (by
    #: the facilitator, in an amendment).
    ties: Mapped[str] = mapped_column(sa.String(10), default="none")
    #: The tie-break applied when ``ties == "broken"`` ("borda": Borda score,
    #: then a lot seeded with ``tie_seed``).
    tie_rule: Mapped[str | None] = mapped_column(sa.String(20))
    tie_seed: Mapped[int | None]
    #: The tally's tied groups (option ids) the list came from.
    tied: Mapped[list[list[int]]] = mapped_column(sa.JSON, default=list)
    #: An adopted list is locked; re-opening the adoption (with a reason)
    #: unlocks it for amendment. The record keeps both.
    reopened_at: Mapped[datetime | None]
    reopen_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    poll: Mapped[Poll] = relationship()
    answers: Mapped[list[ConsentAnswer]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("poll_id", "number"),)


class ConsentAnswer(db.Model):
    """One unit's answer to a proposal: agree, stand aside, or object.

    The unit is the participant, or the delegation when the poll counts one
    country, one vote (``unit`` = ``"p<id>"`` or ``"d<id>"``); one answer per
    unit and proposal, changed in place until the check closes.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE")
    )
    unit: Mapped[str] = mapped_column(sa.String(20))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="SET NULL")
    )
    #: "agree", "stand_aside" or "object".
    answer: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="answers")
    delegation: Mapped[Delegation | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("proposal_id", "unit"),)
