"""The people: staff accounts, delegations and the delegates who vote."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import Role, derive_link_token, hash_token, new_token, utcnow
from .events import workshop_facilitator

if TYPE_CHECKING:
    from .events import Event, Workshop


class Account(UserMixin, db.Model):
    """A staff member who logs in with a password."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    #: Part of the id a session holds (:meth:`get_id`): raised on logout and on
    #: a password change, it turns every earlier session cookie anonymous.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    #: A disabled account cannot sign in, and its sessions have ended.
    disabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The one-time set-password link: SHA-256 of its token, and until when.
    password_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    password_token_expires: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workshops: Mapped[list[Workshop]] = relationship(
        secondary=workshop_facilitator, back_populates="facilitators"
    )

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: ``"<id>:<epoch>"``."""
        return f"{self.id}:{self.session_epoch or 0}"

    def revoke_sessions(self) -> None:
        """End every session of this account (not committed)."""
        self.session_epoch = (self.session_epoch or 0) + 1

    def set_password(self, password: str) -> None:
        """Set a new password; a change ends the account's sessions."""
        if self.password_hash:
            self.revoke_sessions()
        # PASSWORD_HASH_METHOD is unset outside the tests: werkzeug's default.
        method = current_app.config.get("PASSWORD_HASH_METHOD")
        self.password_hash = (
            generate_password_hash(password, method)
            if method
            else generate_password_hash(password)
        )

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(
            self.password_hash, password
        )

    @property
    def is_active(self) -> bool:
        """Flask-Login signs in active accounts only."""
        return not self.disabled

    def issue_password_token(self, lifetime: timedelta) -> str:
        """A new one-time set-password token (the earlier one stops working)."""
        token = new_token()
        self.password_token_hash = hash_token(token)
        self.password_token_expires = utcnow() + lifetime
        return token

    def has_role(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles


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
    #: Random salt the token is derived from with SECRET_KEY
    #: (:func:`derive_link_token`), so that a badge can be printed again with
    #: the same link; ``None`` for a token issued before salts existed.
    token_salt: Mapped[str | None] = mapped_column(sa.String(32))
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
        self.token_salt = new_token(16)
        token = derive_link_token(self.token_salt)
        self.token_hash = hash_token(token)
        return token

    def current_token(self) -> str | None:
        """The personal token that works now, or ``None`` if it cannot be
        derived again (none issued, issued without a salt, or SECRET_KEY
        changed since): printing again reuses the link instead of replacing it."""
        if not self.token_salt or not self.token_hash:
            return None
        token = derive_link_token(self.token_salt)
        return token if hash_token(token) == self.token_hash else None
