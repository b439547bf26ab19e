"""Database models for the glossary of PRODUCT.md.

Texts entered by organisers (event names, option titles) are stored per
language as JSON objects ``{"es": …, "en": …}``; :func:`localized` picks the
wanted language and falls back to the event's first language.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import event as sa_event
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db

# Letters and digits that cannot be confused when read off a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random token (``nbytes`` * 8 bits of entropy)."""
    return secrets.token_urlsafe(nbytes)


def new_code(length: int = 6) -> str:
    """A short code from a CSPRNG, without ambiguous glyphs (0/O, 1/I/L)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def hash_token(token: str) -> str:
    """SHA-256 of a token: random tokens need no salt or slow hash."""
    return hashlib.sha256(token.encode()).hexdigest()


JOIN_CODE_LENGTH = 6


def _keyed(purpose: str, value: str) -> bytes:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()


def derive_join_code(salt: str) -> str:
    """The event code for a salt: HMAC(SECRET_KEY, salt) in unambiguous letters."""
    number = int.from_bytes(_keyed("join-code", salt), "big")
    letters = []
    for _ in range(JOIN_CODE_LENGTH):
        number, digit = divmod(number, len(CODE_ALPHABET))
        letters.append(CODE_ALPHABET[digit])
    return "".join(letters)


def normalise_join_code(raw: str) -> str:
    """What the delegate typed, as the code is shown: upper case, no separators."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def hash_join_code(code: str) -> str:
    """Keyed SHA-256 of a normalised join code, stored to look the event up.

    Keyed with SECRET_KEY: a copy of the database alone does not let anyone
    try the few hundred million possible codes offline.
    """
    return _keyed("join-code-hash", normalise_join_code(code)).hex()


def localized(texts: dict[str, str] | None, lang: str, fallback: str) -> str:
    """Text in ``lang``, else in ``fallback``, else any non-empty one."""
    texts = texts or {}
    for key in (lang, fallback, *texts):
        if texts.get(key):
            return texts[key]
    return ""


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    SECRETARIAT = "secretariat"


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Weighting(enum.StrEnum):
    DELEGATE = "delegate"
    DELEGATION = "delegation"
    NATIONAL = "national"


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


class Account(UserMixin, db.Model):
    """A staff member who logs in with a password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshops: Mapped[list[Workshop]] = relationship(
        secondary=workshop_facilitator, back_populates="facilitators"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


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
    weighting: Mapped[str] = mapped_column(sa.String(20), default=Weighting.DELEGATE)
    #: How many options form the "highest priority" tier of the record.
    top_k: Mapped[int] = mapped_column(default=2)
    allow_ties: Mapped[bool] = mapped_column(default=False)
    allow_unranked: Mapped[bool] = mapped_column(default=True)
    #: "live" or "hidden" (results shown only after close).
    results_visibility: Mapped[str] = mapped_column(sa.String(10), default="live")
    #: Secret polls never link a ballot to a person in any page or export.
    secret: Mapped[bool] = mapped_column(default=True)
    #: Open polls accept delegates who join with the event code.
    open_mode: Mapped[bool] = mapped_column(default=False)
    #: How the room adopts the resulting list: "consensus" (no objection) or
    #: "qualified" (``adoption_threshold`` of the answering units agree or
    #: can live with it).
    adoption_rule: Mapped[str] = mapped_column(sa.String(12), default="consensus")
    adoption_threshold: Mapped[float] = mapped_column(default=2 / 3)
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


class Delegation(db.Model):
    """A country (or institution) with one or more delegates."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str] = mapped_column(sa.String(120))

    event: Mapped[Event] = relationship(back_populates="delegations")
    participants: Mapped[list[Participant]] = relationship(back_populates="delegation")

    __table_args__ = (sa.UniqueConstraint("event_id", "code"),)


class Participant(db.Model):
    """A delegate who casts ballots."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"))
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation.id", ondelete="SET NULL")
    )
    #: The workshop the delegate sits in; ``None`` = may vote in every poll.
    workshop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str | None] = mapped_column(sa.String(5))
    #: SHA-256 of the personal link token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Joined with the event code (a walk-in), not registered by the organisers.
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Counted and allowed to vote: organisers' participants from the start,
    #: a walk-in once a facilitator admits them in the lobby.
    admitted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[Event] = relationship(back_populates="participants")
    delegation: Mapped[Delegation | None] = relationship(back_populates="participants")

    def __init__(self, **kwargs):
        # A walk-in waits in the lobby; everyone else is admitted from the start.
        kwargs.setdefault("walk_in", False)
        kwargs.setdefault("admitted", not kwargs["walk_in"])
        super().__init__(**kwargs)

    @hybrid_method
    def eligible_for(self, poll) -> bool:
        """Whether the participant may vote in ``poll``: admitted, same event,
        and the poll is the event's (plenary) or the participant's workshop's,
        or the participant is registered in no workshop (a walk-in without a
        workshop votes in plenary polls only).

        ``poll`` is a Poll or anything with its ``event_id`` and
        ``workshop_id``. The same rule as SQL (``eligible_for.expression``)
        selects the electorate of a tally.
        """
        return (
            self.admitted
            and self.event_id == poll.event_id
            and (
                poll.workshop_id is None
                or self.workshop_id == poll.workshop_id
                or (self.workshop_id is None and not self.walk_in)
            )
        )

    @eligible_for.expression
    def eligible_for(cls, poll):
        condition = (cls.event_id == poll.event_id) & cls.admitted.is_(True)
        if poll.workshop_id is None:
            return condition
        return condition & (
            (cls.workshop_id.is_(None) & cls.walk_in.is_(False))
            | (cls.workshop_id == poll.workshop_id)
        )

    def issue_token(self) -> str:
        """Give the participant a new personal token; the old one stops working."""
        token = new_token(24)
        self.token_hash = hash_token(token)
        return token


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
    #: Shown to the delegate, who can check that the ballot was counted.
    receipt_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
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


class AuditEntry(db.Model):
    """Append-only log of every state change: who, what, when."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: ``account:<id>``, ``participant`` (anonymous for secret polls) or ``cli``.
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(60))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL")
    )
    round_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("round.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


@sa_event.listens_for(AuditEntry, "before_update")
@sa_event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(mapper, connection, target):
    raise ValueError("audit entries are append-only")


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
