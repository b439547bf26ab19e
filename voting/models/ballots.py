"""What delegates submit: ballots and idempotency keys (audit log: :mod:`.audit`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

if TYPE_CHECKING:
    from .events import Round
    from .people import Participant


class Ballot(db.Model):
    """One participant's ranking in one round.

    ``ranking`` is a list of tiers of option ids, best first; options left out
    are unranked. The participant link exists only to enforce one ballot per
    round and to allow revision; no page or export of a secret poll uses it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("round.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    ranking: Mapped[list[list[int]]] = mapped_column(sa.JSON)
    #: Shown to the delegate, who can check that the ballot was counted;
    #: ``None`` once the event's personal data is purged.
    receipt_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
    #: Entered by a facilitator from a paper ballot: counted like any other,
    #: never revised online (:mod:`voting.paper`).
    paper: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[Round] = relationship(back_populates="ballots")
    participant: Mapped[Participant] = relationship()

    __table_args__ = (sa.UniqueConstraint("round_id", "participant_id"),)


class IdempotencyKey(db.Model):
    """The first answer to a submission key, replayed on a retry.

    Follows the IETF Idempotency-Key draft: the same key with the same body
    returns the stored answer; with a different body it is refused (422).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participant.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(80))
    #: SHA-256 of the canonical request (round and ranking).
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    response: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("participant_id", "key"),)
