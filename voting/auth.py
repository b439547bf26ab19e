"""Staff login and logout, and the role guard used by staff blueprints."""

from functools import wraps

from flask import (
    Blueprint,
    abort,
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
from wtforms.validators import DataRequired, Email, Length

from .extensions import db, limiter, login_manager
from .models import Account

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_account(account_id: str):
    return db.session.get(Account, int(account_id))


login_manager.login_message = _l("Please sign in to see this page.")


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Sign in"))


def role_required(*roles: str):
    """Allow staff with one of ``roles`` (admins always); 403 for the rest."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    "20/minute", methods=["POST"], deduct_when=lambda r: r.status_code != 302
)
def login():
    """Sign a staff member in."""
    form = LoginForm()
    if form.validate_on_submit():
        account = db.session.scalar(
            db.select(Account).filter_by(email=form.email.data.strip().lower())
        )
        if account is None or not account.check_password(form.password.data):
            flash(_("Wrong e-mail or password."), "error")
            return render_template("auth/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()  # a fresh session on login: nothing carried over
        if lang:
            session["lang"] = lang
        login_user(account)
        next_url = request.args.get("next", "")
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = url_for("main.index")
        return redirect(next_url)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))
