"""Public pages: the list of events and the language switcher."""

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .extensions import db
from .models import Event

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """List the events."""
    events = db.session.scalars(db.select(Event).order_by(Event.starts_on.desc())).all()
    return render_template("main/index.html", events=events)


@bp.route("/lang", methods=["POST"])
def set_language():
    """Remember the language the user picked, then go back where they were."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    next_url = request.form.get("next", "")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = url_for("main.index")
    return redirect(next_url)
