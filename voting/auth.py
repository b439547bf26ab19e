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
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from . import links, permissions, throttle
from .extensions import login_manager
from .models import Role

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
        lang = session.get("lang")
        session.clear()  # a fresh session on login: nothing carried over
        if lang:
            session["lang"] = lang
        login_user(account)
        homes = staff_homes(account)
        landing = url_for(homes[0][0]) if homes else url_for("main.index")
        return redirect(links.local_path(request.args.get("next"), landing))
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
