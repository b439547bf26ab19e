"""The application factory: :func:`create_app` and the hooks it installs.

Imported on first use through :mod:`voting` (``voting.create_app``), so that
the package itself stays light for ``voting.aggregation`` and the tally CLI.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from sqlalchemy import event as sa_event
from sqlalchemy import exc as sa_exc
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, CONFIGS, DEV_SECRET_KEY

from . import __version__
from .extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(
    config: str | type | None = None, overrides: dict | None = None
) -> Flask:
    """Build the application.

    ``config`` is a name from ``config.CONFIGS`` (default: ``$PRIORIZA_ENV`` or
    "development") or a config class; ``overrides`` are applied on top of it.
    """
    app = Flask(
        "voting",
        template_folder=str(BASE_DIR / "templates"),
        instance_path=str(BASE_DIR / "instance"),
    )
    if config is None:
        config = os.environ.get("PRIORIZA_ENV", "development")
    if isinstance(config, str):
        if config not in CONFIGS:
            raise RuntimeError(
                f"Unknown PRIORIZA_ENV {config!r}: use {sorted(CONFIGS)}"
            )
        config = CONFIGS[config]
    app.config.from_object(config)
    app.config.from_mapping(overrides or {})
    register_converters_and_guards(app)
    check_config(app)
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:  # behind nginx: the client's address, scheme and host
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT"])

    from . import (
        api,
        auth,
        cli,
        delegate,
        display,
        errors,
        facilitator,
        main,
        secretariat,
    )

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(delegate.bp)
    app.register_blueprint(facilitator.bp, url_prefix="/console")
    app.register_blueprint(display.bp, url_prefix="/display")
    app.register_blueprint(secretariat.bp, url_prefix="/secretariat")
    app.register_blueprint(api.bp, url_prefix="/api")
    errors.register_error_handlers(app)
    cli.register_cli(app)
    # Operations: /healthz, /readyz, /metrics and the access log (voting/ops.py).
    from . import ops

    ops.init_app(app)

    from .links import loopback_public_url

    app.jinja_env.globals.update(
        get_locale=get_locale,
        software_version=__version__,
        loopback_public_url=loopback_public_url,
    )
    app.after_request(set_security_headers)
    return app


class IdConverter(IntegerConverter):
    """``<int:…>`` of at most 9 digits, so every id fits a database integer
    (2**31 - 1): a longer number matches no route and is a plain 404."""

    regex = r"\d{1,9}"


def register_converters_and_guards(app: Flask) -> None:
    """Bounded ids in URLs, and no bad character in any submitted text."""
    app.url_map.converters["int"] = IdConverter  # before any route is added

    from .inputs import check_request

    # No NUL, lone surrogate or non-character in any form field or JSON body
    # (uploaded files: after decoding, see voting.inputs).
    app.before_request(check_request)


def check_config(app: Flask) -> None:
    """Refuse to start in production with a missing or default secret key."""
    if app.config.get("SESSION_COOKIE_SECURE") and (
        not app.config.get("SECRET_KEY")
        or app.config["SECRET_KEY"] == DEV_SECRET_KEY
        or len(app.config["SECRET_KEY"]) < 32
    ):
        raise RuntimeError(
            "SECRET_KEY is missing or is the development default. Set the "
            "environment variable SECRET_KEY to a random string of at least 32 "
            'characters, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
        )


def configure_sqlite(engine, busy_timeout: float) -> None:
    """WAL, full sync, foreign keys, busy timeout and BEGIN IMMEDIATE on SQLite.

    pysqlite opens transactions lazily and only before writes, so a
    check-then-write could interleave with another writer. Following the
    SQLAlchemy pysqlite "serializable isolation" recipe we turn its own
    transaction handling off and emit ``BEGIN IMMEDIATE`` ourselves: every
    transaction takes the write lock first, and waits (busy timeout) for it.

    Threads of this process queue for that lock on a Python lock first.
    SQLite's own busy handler sleeps in growing steps (1, 2, 5 … 100 ms), so
    under a burst a waiting thread keeps missing the moment the lock is free
    and a few requests wait for seconds; a queue hands the lock over at once.
    The busy timeout (seconds; then a 503) still arbitrates with other
    processes (the CLI).
    """
    if engine.dialect.name != "sqlite":
        return
    writer = threading.Lock()

    @sa_event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def on_begin(conn):
        if not writer.acquire(timeout=busy_timeout):
            raise sa_exc.OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer.release()
            raise
        conn.info["holds_writer"] = True

    # Both fire as the transaction ends, rolled back or committed, whether
    # by the code, by the session's close at the end of a request, or over a
    # connection that failed.
    @sa_event.listens_for(engine, "commit")
    @sa_event.listens_for(engine, "rollback")
    def on_end(conn):
        if conn.info.pop("holds_writer", False):
            writer.release()


def select_locale() -> str:
    """The user's explicit choice > Accept-Language > the event's default."""
    languages = current_languages()
    if not has_request_context():  # CLI and services called from scripts
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    event = g.get("event")
    if event is not None:
        return event.default_language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_languages() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def set_security_headers(response):
    """Strict CSP (no inline script, no third-party origin) and friends."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    # Pages are personal (ballots, receipts) or show results and staff data:
    # never kept by a browser or a proxy. Static files keep their caching.
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
