"""SQLite: threads of the server queue for the write lock in order.

Every transaction starts with BEGIN IMMEDIATE; a Python lock in front of it
hands the lock from one thread to the next without SQLite's busy sleeps, is
released however the transaction ends, and gives up after the busy timeout.
"""

import threading

import pytest
import sqlalchemy as sa

from voting import audit
from voting.extensions import db
from voting.models import AuditEntry, utcnow


@pytest.fixture
def sqlite_app(make_app):
    return make_app(fresh_g=False, SQLITE_BUSY_TIMEOUT=0.5)


def entry(conn, action: str) -> None:
    """A write: an audit entry, on its chain as every writer's must be."""
    audit.append(conn, {"actor": "t", "action": action, "at": utcnow(), "details": {}})


def write(action: str) -> None:
    with db.engine.begin() as conn:
        entry(conn, action)


def actions() -> list[str]:
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_second_writer_waits_for_the_first_and_then_goes_through(sqlite_app):
    first = db.engine.connect()
    first.begin()
    entry(first, "first")
    waiting = threading.Thread(target=lambda: _in_context(sqlite_app, "second"))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive()  # queued behind the open transaction
    first.commit()
    first.close()
    waiting.join(5)
    assert not waiting.is_alive()
    assert actions() == ["first", "second"]


def _in_context(app, action):
    with app.app_context():
        write(action)


def test_the_lock_is_released_however_a_transaction_ends(sqlite_app):
    write("committed")
    with pytest.raises(RuntimeError), db.engine.begin() as conn:
        entry(conn, "lost")
        raise RuntimeError  # rolled back by the context manager
    session_read = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    db.session.remove()  # the end of a request: its transaction rolls back
    assert session_read == 1
    write("after")  # would wait for the timeout and fail if a lock leaked
    assert actions() == ["committed", "after"]


def test_a_request_that_waits_past_the_timeout_gets_a_503(sqlite_app):
    holder = db.engine.connect()
    holder.begin()
    try:
        response = sqlite_app.test_client().post("/join", data={"code": "ABC234"})
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    write("free again")
    assert actions() == ["free again"]
