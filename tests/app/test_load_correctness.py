"""The load harness at 100 delegates, as a correctness test (counts, no timings).

The app is served by werkzeug's threaded server on loopback (as in the browser
tests), on SQLite or on $TEST_DATABASE_URL, with CSRF on; the simulated
delegates are those of ``tests/bench/load.py`` (``tests/bench/loadlib.py``).
"""

import threading
import time

import pytest

from tests.bench import loadlib
from tests.conftest import LiveServer
from voting import create_app, rounds, tallies
from voting.extensions import db

pytestmark = pytest.mark.slow


@pytest.fixture
def served(database_url):
    """(app, base URL): the app on a threaded loopback server, tables created."""
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True}
    )
    tallies.cache.clear()
    with app.app_context():
        with LiveServer(app) as server:
            yield app, server.url
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("rate", [None, 200.0], ids=["closed loop", "open loop"])
def test_hundred_delegates_with_double_taps_leave_hundred_final_ballots(served, rate):
    app, url = served
    setup = loadlib.build(100)
    started = time.monotonic()
    result = loadlib.burst(
        url,
        setup,
        concurrency=16,
        double_tap=0.3,
        seed=3,
        deadline=time.monotonic() + 60,
        rate=rate,
    )
    if rate:  # three phases, each paced: 100 delegates take 0.5 s at least
        assert time.monotonic() - started >= 3 * 99 / rate
    assert result.double_taps > 10
    assert loadlib.check_burst(setup, result) == []
    assert result.recorder.statuses["submit"][201] >= 100


def test_hundred_parallel_submissions_of_one_delegate_make_one_row(served):
    app, url = served
    setup = loadlib.build(1)
    recorder, attempts = loadlib.same_delegate(
        url, setup, 100, deadline=time.monotonic() + 60
    )
    assert len(attempts) == 100
    assert loadlib.check_same_delegate(setup, recorder, attempts) == []
    assert loadlib.ballots_of(setup.round_id)[setup.participant_ids[0]][
        "revision"
    ] == sum(a.ok for a in attempts)


def test_no_ballot_lands_after_the_close(served):
    app, url = served
    setup = loadlib.build(30)

    def close():
        # The facilitator's service, in its own thread and app context.
        box = []

        def run():
            with app.app_context():
                try:
                    rounds.close_round(setup.round_id, "test")
                    box.append((True, "closed"))
                except Exception as error:  # reported as a failed close
                    box.append((False, repr(error)))
                finally:
                    db.session.remove()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)
        return box[0] if box else (False, "close timed out")

    race = loadlib.close_race(
        url,
        setup,
        close,
        voters=30,
        close_after=0.7,
        close_after_accepted=31,
        deadline=time.monotonic() + 20,
    )
    assert loadlib.check_close_race(setup, race) == []
    assert sum(a.ok for a in race.attempts) > 30
    assert sum(a.status == 409 for a in race.attempts) >= 30
