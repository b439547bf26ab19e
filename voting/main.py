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

from . import links
from .setup import events as event_setup

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    """List the events."""
    return render_template("main/index.html", events=event_setup.newest_first())


@bp.route("/lang", methods=["POST"])
def set_language():
    """Remember the language the user picked, then go back where they were."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(links.local_path(request.form.get("next"), url_for("main.index")))
