"""The event and what it is made of: workshops, polls, options, rounds."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import (
    RoundStatus,
    Weighting,
    derive_join_code,
    hash_join_code,
    localized,
    new_token,
    utcnow,
)

if TYPE_CHECKING:
    from .ballots import Ballot
    from .people import Account, Delegation, Participant

workshop_facilitator = sa.Table(
    "workshop_facilitator",
    db.metadata,
    sa.Column(
        "workshop_id",
        sa.ForeignKey("workshop.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "account_id", sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Event(db.Model):
    """A seminar or conference."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: ``{"es": "III Seminario …", "en": "III Inter-American Seminar …"}``
    name: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: Comma-separated language codes; the first is the fallback for texts.
    languages: Mapped[str] = mapped_column(sa.String(40), default="es")
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_on: Mapped[datetime | None]
    ends_on: Mapped[datetime | None]
    #: When its personal data was purged (:mod:`voting.archive`): read-only since.
    purged_at: Mapped[datetime | None]
    #: Random salt of the join code (see :attr:`join_code`); a new salt, a new code.
    code_salt: Mapped[str] = mapped_column(sa.String(32))
    #: Keyed hash of the join code: the code itself is never stored.
    join_code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshops: Mapped[list[Workshop]] = relationship(
        back_populates="event", order_by="Workshop.position"
    )
    delegations: Mapped[list[Delegation]] = relationship(
        back_populates="event", order_by="Delegation.name"
    )
    participants: Mapped[list[Participant]] = relationship(back_populates="event")
    polls: Mapped[list[Poll]] = relationship(
        back_populates="event", order_by="Poll.position"
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.code_salt is None:
            self.rotate_join_code()

    @property
    def join_code(self) -> str:
        """Short code typed by delegates to join open polls (shown, never stored).

        Derived on demand as HMAC(SECRET_KEY, salt) in :data:`CODE_ALPHABET`.
        """
        return derive_join_code(self.code_salt)

    def rotate_join_code(self) -> str:
        """Draw a new salt (a CSPRNG), hence a new code; the old one stops working."""
        self.code_salt = secrets.token_hex(16)
        self.join_code_hash = hash_join_code(self.join_code)
        return self.join_code

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def second_language(self, current: str) -> str | None:
        """The event's other language, shown in small type when it is bilingual."""
        others = [code for code in self.language_list if code != current]
        return others[0] if others and len(self.language_list) > 1 else None

    @property
    def default_language(self) -> str:
        return self.language_list[0]

    def title(self, lang: str) -> str:
        return localized(self.name, lang, self.default_language)


class Workshop(db.Model):
    """A working table (mesa de trabajo) inside an event."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    name: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)

    event: Mapped[Event] = relationship(back_populates="workshops")
    facilitators: Mapped[list[Account]] = relationship(
        secondary=workshop_facilitator, back_populates="workshops"
    )
    polls: Mapped[list[Poll]] = relationship(
        back_populates="workshop", order_by="Poll.position"
    )

    def title(self, lang: str) -> str:
        return localized(self.name, lang, self.event.default_language)


class Poll(db.Model):
    """One ranking question; a poll without a workshop is a plenary poll."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="CASCADE")
    )
    question: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)
    #: Aggregation method name from ``voting.aggregation.METHODS``.
    method: Mapped[str] = mapped_column(sa.String(30), default="schulze")
    #: The declared tie-break, passed to the count: "none" (ties stay ties),
    #: "borda" or "earlier_rounds" (instant-runoff only).
    tie_break: Mapped[str] = mapped_column(sa.String(20), default="none")
    weighting: Mapped[str] = mapped_column(sa.String(20), default=Weighting.DELEGATE)
    #: How many options form the "highest priority" tier of the record.
    top_k: Mapped[int] = mapped_column(default=2)
    allow_ties: Mapped[bool] = mapped_column(default=False)
    allow_unranked: Mapped[bool] = mapped_column(default=True)
    #: "live", "hidden" (results shown only after close) or "console" (the
    #: projector never shows the ranking; the console and the record do).
    results_visibility: Mapped[str] = mapped_column(sa.String(10), default="live")
    #: The projector's colours: "light", or "dark" (high contrast, dim rooms).
    display_theme: Mapped[str] = mapped_column(sa.String(10), default="light")
    #: Secret polls never link a ballot to a person in any page or export.
    secret: Mapped[bool] = mapped_column(default=True)
    #: Open polls accept delegates who join with the event code.
    open_mode: Mapped[bool] = mapped_column(default=False)
    #: How the room adopts the resulting list: "consensus" (no objection) or
    #: "qualified" (``adoption_threshold`` of the answering units agree or
    #: can live with it).
    adoption_rule: Mapped[str] = mapped_column(sa.String(12), default="consensus")
    adoption_threshold: Mapped[float] = mapped_column(default=2 / 3)
    #: A secret poll's live results and turnout are published only after this
    #: many ballot changes (casts and revisions) since the last publication.
    publish_every: Mapped[int] = mapped_column(default=5)
    #: Unguessable part of the projector link.
    display_token: Mapped[str] = mapped_column(
        sa.String(64), unique=True, default=new_token
    )

    event: Mapped[Event] = relationship(back_populates="polls")
    workshop: Mapped[Workshop | None] = relationship(back_populates="polls")
    options: Mapped[list[Option]] = relationship(
        back_populates="poll", order_by="Option.position", cascade="all, delete-orphan"
    )
    rounds: Mapped[list[Round]] = relationship(
        back_populates="poll", order_by="Round.number", cascade="all, delete-orphan"
    )

    def title(self, lang: str) -> str:
        return localized(self.question, lang, self.event.default_language)


class Option(db.Model):
    """A proposed cooperation area, with a title and description per language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll.id", ondelete="CASCADE"))
    #: Stable key shared by the same area across polls (plenary pooling).
    key: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    poll: Mapped[Poll] = relationship(back_populates="options")

    __table_args__ = (sa.UniqueConstraint("poll_id", "key"),)

    def title_in(self, lang: str) -> str:
        return localized(self.title, lang, self.poll.event.default_language)

    def description_in(self, lang: str) -> str:
        return localized(self.description, lang, self.poll.event.default_language)


class Round(db.Model):
    """A voting period of a poll: draft → open → closed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(10), default=RoundStatus.DRAFT)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    poll: Mapped[Poll] = relationship(back_populates="rounds")
    ballots: Mapped[list[Ballot]] = relationship(back_populates="round")
    counter: Mapped[RoundCounter] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("poll_id", "number"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.counter is None:
            self.counter = RoundCounter(version=0)

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN

    @property
    def version(self) -> int:
        return self.counter.version


class RoundCounter(db.Model):
    """A round's version: bumped on every ballot write and state change.

    It lives in its own row so that ballots can hold the round row with a
    shared lock (``FOR SHARE``, which blocks a concurrent close) while each
    bumps the counter: upgrading a shared lock on the round row itself would
    deadlock two concurrent ballots on PostgreSQL. ETags and the tally cache
    are keyed on this number.
    """

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(default=0)

    round: Mapped[Round] = relationship(back_populates="counter")


class PublishedTally(db.Model):
    """What the room last saw of a secret round while it was open.

    Refreshed only once ``Poll.publish_every`` ballot changes have arrived
    since it was taken (:mod:`voting.disclosure`), so that no published change
    can be pinned on one ballot. ``records`` are the ballots as published,
    ``[[ranking, delegation key], …]``, from which the turnout shown with
    them is counted.
    """

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    #: Ballot changes (the sum of the ballots' revisions) at publication.
    changes: Mapped[int] = mapped_column(default=0)
    records: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
