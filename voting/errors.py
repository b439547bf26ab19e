"""Translated error pages (HTML, or JSON for API clients)."""

from flask import g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from .extensions import db

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Nothing was changed."),
    ),
    401: (_l("Sign-in needed"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Not found"), _l("This page does not exist. Check the link or the code.")),
    405: (
        _l("Method not allowed"),
        _l("This address does not accept that kind of request."),
    ),
    409: (
        _l("Conflict"),
        _l("This action is no longer possible. Nothing was changed."),
    ),
    413: (_l("Too large"), _l("What you sent is too large. Nothing was changed.")),
    422: (
        _l("Cannot process"),
        _l("The request was understood but cannot be applied. Nothing was changed."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Please wait a minute and try again."),
    ),
    500: (
        _l("Server error"),
        _l("Something went wrong on our side. Please try again."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("The service is busy or restarting. Please try again in a moment."),
    ),
}


class UserError(Exception):
    """The user asked for something we refuse: a translated message and the
    HTTP status to answer. Services raise it; a view that re-renders a form
    catches it, and anything else reaches the app-wide handler (a 4xx page,
    or JSON for API clients). Nothing was stored: the handler rolls back.
    """

    def __init__(self, message: str, status: int = 400, errors=None):
        super().__init__(message)
        self.message = message
        self.status = status
        #: Per-line errors of a bulk input, ``(line number, message)``.
        self.errors: list[tuple[int, str]] = list(errors or [])


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=str(title), message=str(detail or message)), code
    return render_template(
        "errors/error.html", code=code, title=title, message=message, detail=detail
    ), code


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, str(_l("Your session expired. Please reload the page and try again."))
        )

    @app.errorhandler(UserError)
    def user_error(error):
        db.session.rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(sa_exc.DataError)
    def refused_by_database(error):
        # Text the database refuses (PostgreSQL: a NUL character): the
        # input was bad, not the server; nothing is stored.
        db.session.rollback()
        return render_error(400)

    @app.errorhandler(HTTPException)
    def http_error(error):
        detail = error.description if getattr(error, "show_detail", False) else None
        response = app.make_response(render_error(error.code or 500, detail))
        # A 429 of ours (voting.throttle) says when to try again.
        retry_after = dict(error.get_headers()).get("Retry-After")
        if retry_after and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = retry_after
        return response

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    def database_unavailable(error):
        # A dropped connection or a database restart: nothing was committed,
        # the pool is refreshed (pre-ping), the next request goes through.
        # The page must not need the database that just failed: pick the
        # language while the event it may come from is still loaded, then end
        # the session (a dead connection is invalidated: rolling back over it
        # raises again, and the answer would become a 500).
        try:
            get_locale()
        except sa_exc.SQLAlchemyError:
            g.pop("event", None)
        discard_session()
        app.logger.warning("database unavailable: %s", error)
        response = app.make_response(render_error(503))
        response.headers["Retry-After"] = "2"
        return response

    @app.teardown_appcontext
    def end_session(exc):
        # Runs before Flask-SQLAlchemy's own teardown: a connection that died
        # after the view answered must not turn that answer into a 500.
        discard_session()

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        db.session.rollback()
        return render_error(500)


def discard_session() -> None:
    """End the request's session; a dead connection is invalidated, not used."""
    try:
        db.session.close()
    except sa_exc.SQLAlchemyError:
        db.session().invalidate()


def fail(code: int, message: str):
    """Abort with ``code`` and a message (already translated) shown to the user."""
    error = default_exceptions[code](description=message)
    error.show_detail = True
    raise error
