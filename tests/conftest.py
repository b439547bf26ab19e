"""Shared fixtures: an app per test (SQLite or $TEST_DATABASE_URL), role clients."""

import os

import pytest
import sqlalchemy as sa
from flask import g

from voting import create_app, tallies
from voting.extensions import db as _db

from . import factories

POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def database_url(tmp_path) -> str:
    return (
        os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    )


def reset_database(engine) -> None:
    """Drop every table, the Alembic version table included."""
    _db.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def app(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url(tmp_path)})

    # The fixture keeps one app context open for the factories, and Flask
    # reuses it for requests; give each request a clean ``g`` as in production
    # (Flask-Babel caches the locale there).
    @app.before_request
    def _fresh_g():
        g.__dict__.clear()

    # Tallies are cached per process by (round id, version): a fresh database
    # reuses both numbers, so each test starts with an empty cache.
    tallies.cache.clear()
    with app.app_context():
        if POSTGRES:
            reset_database(_db.engine)
        _db.create_all()
        yield app
        _db.session.remove()
        if POSTGRES:
            reset_database(_db.engine)
        _db.engine.dispose()


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
