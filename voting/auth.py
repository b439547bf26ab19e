"""Staff login and logout, and the role guard used by staff blueprints."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from . import links, permissions, throttle
from .errors import UserError
from .extensions import login_manager
from .models import Role
from .setup import accounts

bp = Blueprint("auth", __name__)


def _address_limit() -> str:
    """Wrong passwords allowed per address before they answer 429."""
    return current_app.config.get("LOGIN_FAILURE_LIMIT", "20 per minute")


def _account_limit() -> str:
    """Wrong passwords allowed per e-mail (any address) before its lockout."""
    return current_app.config.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20 per 15 minutes")


login_manager.login_message = _l("Please sign in to see this page.")

#: Each role's home pages, the first one where signing in lands.
HOMES = {
    Role.ADMIN: (
        ("facilitator.index", _l("Console")),
        ("secretariat.index", _l("Secretariat")),
    ),
    Role.FACILITATOR: (("facilitator.index", _l("Console")),),
    Role.SECRETARIAT: (("secretariat.index", _l("Secretariat")),),
}


def staff_homes(account) -> tuple[tuple[str, str], ...]:
    """(endpoint, label) of the account's home pages (none for a delegate)."""
    if not getattr(account, "is_authenticated", False):
        return ()
    return HOMES.get(account.role, ())


@bp.app_context_processor
def header_links():
    """The header's links to the signed-in staff member's home pages."""
    return {"staff_homes": staff_homes(current_user)}


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Sign in"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=200)],
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords differ.")),
        ],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Change password"))


def _landing(account) -> str:
    """Where a role lands after signing in: its own home (console, secretariat)."""
    homes = staff_homes(account)
    return url_for(homes[0][0]) if homes else url_for("main.index")


def _sign_in(account) -> None:
    """A fresh session (nothing carried over but the language) for ``account``."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(account)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign a staff member in.

    A wrong password counts against the address and the e-mail typed
    (:mod:`voting.throttle`). Once the address's failures are spent, wrong
    passwords answer 429 but the other staff behind it still sign in; once
    an e-mail's are spent, that account is locked (429, password unchecked)
    until its window resets, from every address; other accounts are not.
    """
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        throttle.locked("login", _account_limit(), email)
        account = permissions.authenticate(form.email.data, form.password.data)
        if account is None:
            throttle.failed("login", _address_limit(), email, _account_limit())
            flash(_("Wrong e-mail or password."), "error")
            return render_template("auth/login.html", form=form), 401
        _sign_in(account)
        return redirect(links.local_path(request.args.get("next"), _landing(account)))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: this account's sessions end on the server too, so a copy of
    the cookie (on this or another device) is anonymous from now on."""
    if current_user.is_authenticated:
        permissions.revoke_sessions(current_user)
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


def _password_page(form, title: str, status: int):
    return (
        render_template(
            "auth/password.html",
            form=form,
            title=title,
            min_password=accounts.MIN_PASSWORD,
        ),
        status,
    )


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token):
    """A one-time link from an admin: its owner chooses a password and is
    signed in; the link is spent."""
    account = accounts.by_link(token)
    title = _("Choose your password")
    if account is None:
        flash(
            _("This link has expired or was already used. Ask an admin for a new one."),
            "error",
        )
        return _password_page(None, title, 404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_by_link(account, form.password.data)
        except UserError as error:
            flash(error.message, "error")
            return _password_page(form, title, error.status)
        _sign_in(account)
        flash(_("Your password is set."), "info")
        return redirect(_landing(account))
    return _password_page(form, title, 400 if form.errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A signed-in staff member changes their password; their sessions on
    other devices end."""
    form = ChangePasswordForm()
    title = _("Change your password")
    if form.validate_on_submit():
        try:
            accounts.change_own(current_user, form.current.data, form.password.data)
        except UserError as error:
            flash(error.message, "error")
            return _password_page(form, title, error.status)
        _sign_in(current_user._get_current_object())
        flash(_("Your password is changed; your other sessions have ended."), "info")
        return redirect(url_for("main.index"))
    return _password_page(form, title, 400 if form.errors else 200)
