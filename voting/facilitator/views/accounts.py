"""Staff accounts, for admins: list, create, edit, disable, reset a password.

A new account's (or a reset's) one-time set-password link is shown once, on
the page that answers the POST, with its QR code; the server keeps only its
hash (:mod:`voting.setup.accounts`).
"""

from __future__ import annotations

import segno
from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ... import links
from ...errors import UserError
from ...extensions import db
from ...models import Account, Role
from ...permissions import role_required
from ...setup import accounts as service
from .. import bp, forms
from ..account_forms import ROLE_LABELS, AccountForm, NewAccountForm
from .common import actor, form_page, lang, object_action, require_action

ADMIN = Role.ADMIN.value


def _account(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None:
        abort(404)
    return account


def _form(cls, **kwargs):
    form = cls(**kwargs)
    form.offer(service.workshops(), lang())
    return form


def render_accounts(status: int = 200, form=None):
    """The account list, with the new-account form."""
    return (
        render_template(
            "facilitator/accounts.html",
            accounts=service.all_accounts(),
            roles=ROLE_LABELS,
            form=form or _form(NewAccountForm),
            action=forms.ActionForm(),
        ),
        status,
    )


def link_page(account: Account, token: str, status: int = 200):
    """The one-time set-password link, shown once, with its QR code."""
    url = links.password_link(token)
    qr = Markup(segno.make(url, error="m").svg_inline(scale=6, border=2))
    return (
        render_template(
            "facilitator/account_link.html",
            account=account,
            url=url,
            qr=qr,
            hours=int(service.LINK_LIFETIME.total_seconds() // 3600),
        ),
        status,
    )


@bp.route("/accounts", methods=["GET", "POST"])
@role_required(ADMIN)
def accounts():
    """Every staff account; the POST creates one and shows its link once."""
    form = _form(NewAccountForm)
    if request.method == "GET":
        return render_accounts()
    if not form.validate_on_submit():
        return render_accounts(400, form)
    try:
        account, token = service.create(
            form.email.data,
            form.name.data,
            form.role.data,
            actor(),
            form.workshops.data,
        )
    except UserError as error:
        flash(error.message, "error")
        return render_accounts(error.status, form)
    return link_page(account, token, 201)


@bp.route("/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_account(account_id):
    """An account's role and workshop assignments."""
    account = _account(account_id)
    form = _form(AccountForm, obj=account)
    if request.method == "GET":
        form.workshops.data = [w.id for w in account.workshops]
    return form_page(
        form,
        _("Account of %(name)s", name=account.name),
        None,
        lambda: service.update(account, form.role.data, form.workshops.data, actor()),
        _("Account saved."),
        url_for(".accounts"),
        edits=account,
    )


def _toggle(account_id: int, disabled: bool, done: str):
    account = _account(account_id)
    return object_action(
        account,
        lambda a, who: service.set_disabled(a, disabled, who),
        done % {"name": account.name},
        url_for(".accounts"),
        render_accounts,
    )


@bp.post("/accounts/<int:account_id>/disable")
@role_required(ADMIN)
def disable_account(account_id):
    return _toggle(account_id, True, _("%(name)s can no longer sign in."))


@bp.post("/accounts/<int:account_id>/enable")
@role_required(ADMIN)
def enable_account(account_id):
    return _toggle(account_id, False, _("%(name)s can sign in again."))


@bp.post("/accounts/<int:account_id>/reset")
@role_required(ADMIN)
def reset_account(account_id):
    """A new one-time link; the old password and sessions stop working."""
    account = _account(account_id)
    require_action()
    return link_page(account, service.reset_link(account, actor()))
