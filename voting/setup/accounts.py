"""Staff accounts: created, edited, disabled by an admin; passwords set by their owner.

An admin never learns a password. A new account (or one whose password was
reset) gets a one-time set-password link, shown once to the admin, valid for
:data:`LINK_LIFETIME`; opening it lets its owner choose a password. Disabling
an account, resetting or changing its password ends its sessions everywhere.
There is always one enabled admin left: the last one can be neither demoted
nor disabled.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import Account, Event, Role, Workshop
from ..models.base import hash_token, utcnow
from . import refuse

LINK_LIFETIME = timedelta(days=3)
MIN_PASSWORD = 8


def all_accounts() -> list[Account]:
    """Every staff account, by name."""
    return list(db.session.scalars(sa.select(Account).order_by(Account.name)))


def workshops() -> list[tuple[Event, list[Workshop]]]:
    """Every event with its workshops, newest event first (the assignment choices)."""
    events = db.session.scalars(sa.select(Event).order_by(Event.id.desc()))
    return [(event, list(event.workshops)) for event in events]


def check_password(password: str) -> None:
    """Refuse a password that is too short (nothing stored)."""
    if len(password or "") < MIN_PASSWORD:
        refuse(_("The password needs at least %(n)d characters.", n=MIN_PASSWORD), 400)


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        refuse(_("Unknown role."), 400)


def _chosen_workshops(ids) -> list[Workshop]:
    ids = {int(i) for i in ids or ()}
    found = (
        list(db.session.scalars(sa.select(Workshop).where(Workshop.id.in_(ids))))
        if ids
        else []
    )
    if len(found) != len(ids):
        refuse(_("A chosen workshop does not exist."), 400)
    return found


def _other_admins(account: Account) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Account.id)).where(
            Account.role == Role.ADMIN,
            Account.disabled.is_(False),
            Account.id != account.id,
        )
    )


def _keep_an_admin(account: Account) -> None:
    if (
        account.role == Role.ADMIN
        and not account.disabled
        and not _other_admins(account)
    ):
        refuse(_("This is the last enabled admin account: it must stay one."), 409)


def create(
    email: str,
    name: str,
    role: str,
    actor: str,
    workshop_ids=(),
    password: str | None = None,
) -> tuple[Account, str | None]:
    """A new account, and its one-time set-password link's token (None when
    ``password`` is given, as by ``flask create-account``)."""
    email = (email or "").strip().lower()
    name = (name or "").strip()
    _check_role(role)
    if not email or not name:
        refuse(_("An account needs a name and an e-mail."), 400)
    if db.session.scalar(sa.select(Account.id).filter_by(email=email)):
        refuse(_("An account with e-mail %(email)s exists already.", email=email), 409)
    account = Account(email=email, name=name, role=role, password_hash="")
    account.workshops = _chosen_workshops(workshop_ids)
    token = None
    if password is None:
        token = account.issue_password_token(LINK_LIFETIME)
    else:
        check_password(password)
        account.set_password(password)
    db.session.add(account)
    db.session.flush()
    _record_assignment(actor, "account_created", account)
    return account, token


def update(account: Account, role: str, workshop_ids, actor: str) -> Account:
    """Change an account's role and workshop assignments."""
    _check_role(role)
    if role != Role.ADMIN:
        _keep_an_admin(account)
    account.role = role
    account.workshops = _chosen_workshops(workshop_ids)
    _record_assignment(actor, "account_updated", account)
    return account


def _record_assignment(actor: str, action: str, account: Account) -> None:
    """Audit an account's role and workshops as they now are, and commit."""
    audit.record(
        actor,
        action,
        account_id=account.id,
        role=account.role,
        workshop_ids=sorted(w.id for w in account.workshops),
    )
    db.session.commit()


def set_disabled(account: Account, disabled: bool, actor: str) -> Account:
    """Disable (its sessions end) or enable an account again."""
    if disabled:
        _keep_an_admin(account)
        account.revoke_sessions()
    account.disabled = disabled
    audit.record(
        actor,
        "account_disabled" if disabled else "account_enabled",
        account_id=account.id,
    )
    db.session.commit()
    return account


def reset_link(account: Account, actor: str) -> str:
    """A new one-time set-password link for ``account``; its sessions end and
    its old password stops working."""
    token = account.issue_password_token(LINK_LIFETIME)
    account.password_hash = ""
    account.revoke_sessions()
    audit.record(actor, "account_password_reset", account_id=account.id)
    db.session.commit()
    return token


def by_link(token: str) -> Account | None:
    """The enabled account whose unexpired set-password link this is."""
    if not token or len(token) > 100:
        return None
    account = db.session.scalar(
        sa.select(Account).filter_by(password_token_hash=hash_token(token))
    )
    if account is None or account.disabled:
        return None
    if account.password_token_expires is None or account.password_token_expires < (
        utcnow()
    ):
        return None
    return account


def set_by_link(account: Account, password: str) -> Account:
    """Its owner chooses a password through the link, which is then spent."""
    check_password(password)
    account.set_password(password)
    account.password_token_hash = None
    account.password_token_expires = None
    audit.record(audit.staff(account), "account_password_set", account_id=account.id)
    db.session.commit()
    return account


def change_own(account: Account, current: str, new: str) -> Account:
    """A signed-in account changes its password: the current one is required,
    and every other session of the account ends (this one is renewed by the
    caller)."""
    if not account.check_password(current):
        refuse(_("The current password is wrong."), 400)
    check_password(new)
    account.set_password(new)
    audit.record(
        audit.staff(account), "account_password_changed", account_id=account.id
    )
    db.session.commit()
    return account
