"""Shared fixtures: the app (one per test process, on a fresh database for each
test: SQLite or $TEST_DATABASE_URL), role clients.

The schema is built once per run. On SQLite every test gets its own copy of a
schema file (real file, real commits, other threads and processes see them);
the files live on tmpfs when the machine has one, where SQLite's
``synchronous=FULL`` costs no fsync. On PostgreSQL the tables are created once
and emptied after each test (``TRUNCATE … RESTART IDENTITY CASCADE``), or
rebuilt when a test dropped them (the migration tests).
"""

import copy
import os
import re
import shutil
import tempfile
import threading
import uuid
from contextlib import ExitStack
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from voting import create_app, tallies
from voting.extensions import db as _db
from voting.extensions import limiter

from . import factories

EDIT_FORM = re.compile(r"^/console/.+/(edit|options/paste)$")


class SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept for the whole test process.

    Each test builds its own app, so its own Jinja environment, which would
    compile every template it renders again; with this cache it loads the
    code compiled by an earlier test instead. Jinja keys the cache by the
    template's name and checks the source's checksum, so an edited template
    is compiled anew.
    """

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = bucket.bytecode_to_string()


BYTECODE = SharedBytecode()


def new_app(config="testing", overrides=None):
    """``create_app`` for a test: the console's test client, and templates
    compiled once per test process."""
    app = create_app(config, overrides)
    app.test_client_class = ConsoleClient
    app.jinja_env.bytecode_cache = BYTECODE
    return app


class ConsoleClient(FlaskClient):
    """A test client that fills in an edit form's fingerprint as a browser
    would: a POST to a console ``…/edit`` URL whose ``data`` has no
    ``fingerprint`` gets the one the form's GET page carries right now
    (:func:`tests.factories.fingerprint_of`). ``fingerprint=None`` in ``data``
    sends none at all; a test of a stale form passes the old one itself."""

    def post(self, url, *args, **kwargs):
        data = kwargs.get("data")
        if isinstance(url, str) and EDIT_FORM.match(url.partition("?")[0]):
            data = dict(data or {})
            if "fingerprint" not in data:
                page = self.get(url)
                data["fingerprint"] = factories.fingerprint_of(page)
            if data["fingerprint"] is None:
                del data["fingerprint"]
            kwargs["data"] = data
        return super().post(url, *args, **kwargs)


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own,
    ``<name>_<worker>``, created on first use beside $TEST_DATABASE_URL's; the
    variable is pointed at it so that subprocesses (gunicorn, the load
    harness) use it too. SQLite needs nothing: every test has its own file."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgresql") or not worker:
        return url
    base = sa.engine.make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        found = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
            {"name": own.database},
        )
        if not found:
            conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    rendered = own.render_as_string(hide_password=False)
    os.environ["TEST_DATABASE_URL"] = rendered
    return rendered


TEST_DATABASE_URL = _worker_database(os.environ.get("TEST_DATABASE_URL", ""))
POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
TMPFS = Path("/dev/shm")


def reset_database(engine) -> None:
    """Drop every table, the Alembic version table included."""
    _db.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def clean_postgres(engine) -> None:
    """Empty every table (identities restarted); rebuild them if a test changed them."""
    tables = set(_db.metadata.tables)
    query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    with engine.begin() as conn:
        present = set(conn.scalars(sa.text(query)))
    if present != tables:
        reset_database(engine)
        _db.metadata.create_all(engine)
        return
    quote = engine.dialect.identifier_preparer.quote
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
        conn.execute(
            sa.text(
                f"TRUNCATE {', '.join(sorted(map(quote, tables)))} "
                "RESTART IDENTITY CASCADE"
            )
        )


def closing_body(app):
    """Wrap a WSGI app so that its response body is closed however the server
    leaves it.

    werkzeug's development server calls the body's ``close()`` at the end of a
    ``finally`` that first drains the socket; when the browser has dropped the
    connection mid-response (a page closed while its favicon was on the way)
    the drain raises and ``close()`` is skipped, so a static file is left open
    and the run fails on its ResourceWarning. Here the body is a generator
    whose ``finally`` closes it, which Python runs when the generator is closed
    or collected.
    """

    def wrapped(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wrapped


class LiveServer:
    """The app served by werkzeug's threaded server on loopback (a free port)."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, closing_body(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _clear_g(endpoint, values):
    g.__dict__.clear()


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory):
    """The folder of the SQLite test databases (tmpfs if there is one)."""
    if TMPFS.is_dir() and os.access(TMPFS, os.W_OK):
        path = Path(tempfile.mkdtemp(prefix="prioriza-tests-", dir=TMPFS))
        yield path
        shutil.rmtree(path, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("databases")


@pytest.fixture(scope="session")
def schema_file(database_dir) -> Path:
    """An SQLite file with every table, built once per run."""
    path = database_dir / "schema.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    _db.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(database_dir, schema_file):
    """``sqlite_url(name)``: the URL of a fresh copy of the schema file."""
    made = []

    def make(name: str = "test") -> str:
        path = database_dir / f"{name}-{uuid.uuid4().hex}.sqlite3"
        shutil.copyfile(schema_file, path)
        made.append(path)
        return f"sqlite:///{path}"

    yield make
    for path in made:
        _remove_sqlite(path)


@pytest.fixture(scope="session")
def postgres_engine():
    """$TEST_DATABASE_URL with the schema created (once per run)."""
    engine = sa.create_engine(TEST_DATABASE_URL)
    reset_database(engine)
    _db.metadata.create_all(engine)
    yield engine
    reset_database(engine)
    engine.dispose()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@pytest.fixture
def database_url(request, database_dir, schema_file):
    """The test's database, tables created and empty: $TEST_DATABASE_URL
    (emptied after the test, once its apps have let go) or a fresh copy of the
    schema file.

    The URL is the same for every test of a process, so that the ``app``
    fixture can reuse one app; the SQLite file under it is new each time (the
    old one is removed first, so nothing still open can see the new one)."""
    if not POSTGRES:
        path = database_dir / "test.sqlite3"
        _remove_sqlite(path)
        shutil.copyfile(schema_file, path)
        yield f"sqlite:///{path}"
        _remove_sqlite(path)
        return
    engine = request.getfixturevalue("postgres_engine")
    yield TEST_DATABASE_URL
    clean_postgres(engine)


@pytest.fixture(scope="session")
def _shared_apps():
    """The ``app`` fixture's apps, one per database URL, each with its
    settings as built: building an app compiles every URL rule (tens of
    milliseconds), which a test that only talks to it need not pay again."""
    return {}


@pytest.fixture
def app(database_url, _shared_apps):
    """The testing app on the test's database, inside an app context.

    One app serves every test of the process; each test gets it with its
    settings as built, the rate limiter set up for it and an empty tally cache. A
    test that adds a route or a hook needs an app of its own (``make_app``):
    Flask refuses them once an app has served a request.
    """
    shared = _shared_apps.get(database_url)
    if shared is None:
        app = new_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url})

        # The fixture keeps one app context open for the factories, and Flask
        # reuses it for requests; give each request a clean ``g`` as in
        # production (Flask-Babel caches the locale there).
        @app.before_request
        def _fresh_g():
            g.__dict__.clear()

        # Served once now, Flask refuses a route or a hook added by any test,
        # not only by those that come after the process's first request.
        app.test_client().get("/healthz")
        shared = _shared_apps[database_url] = (app, copy.deepcopy(dict(app.config)))
    app, settings = shared
    app.config.clear()
    app.config.update(copy.deepcopy(settings))
    # The limiter is one object for every app: the last app built set it up
    # (on or off, and its counters); set it up for this one again.
    limiter.init_app(app)
    # Tallies are cached per process by (round id, version): a fresh database
    # reuses both numbers, so each test starts with an empty cache.
    tallies.cache.clear()
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def make_app(sqlite_url):
    """``make_app(config="testing", fresh_g=True, **overrides)``: another app,
    on a fresh SQLite file of its own unless SQLALCHEMY_DATABASE_URI is given
    (then its tables are created), inside an app context open for the test.

    ``fresh_g`` clears ``g`` before each request's other hooks (CSRF, limits):
    Flask reuses the open context for requests.
    """
    stack = ExitStack()

    def make(config="testing", *, fresh_g=True, **overrides):
        given = "SQLALCHEMY_DATABASE_URI" in overrides
        if not given:
            overrides["SQLALCHEMY_DATABASE_URI"] = sqlite_url(str(config))
        app = new_app(config, overrides)
        if fresh_g:
            app.url_value_preprocessor(_clear_g)
        tallies.cache.clear()
        stack.enter_context(app.app_context())
        if given:
            _db.create_all()

        @stack.callback
        def release():
            _db.session.remove()
            _db.engine.dispose()

        return app

    with stack:
        yield make


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The 2005 Santiago seminar, loaded through the real seed command."""
    from voting.seed import load_demo

    load_demo()
    return factories.demo_event()


def _signed_in(app, role):
    account = factories.make_account(role=role)
    client = app.test_client()
    factories.login(client, account)
    client.account = account
    return client


@pytest.fixture
def admin_client(app):
    return _signed_in(app, "admin")


@pytest.fixture
def facilitator_client(app):
    return _signed_in(app, "facilitator")


@pytest.fixture
def secretariat_client(app):
    return _signed_in(app, "secretariat")


def pytest_collection_modifyitems(config, items):
    """Browser tests first, then the slow ones, then the rest (each group in
    its collected order).

    A browser test spends much of its time waiting on chromium; started first,
    they are spread over the workers (``make test`` hands out one test at a
    time) and the quick tests fill the cores around them, instead of a few
    long tests running alone at the end.
    """

    def group(item):
        if item.get_closest_marker("e2e"):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=group)
