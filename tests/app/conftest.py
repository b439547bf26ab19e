"""Fixtures shared by the app tests."""

import pytest

from tests import factories
from voting import ballots, rounds


@pytest.fixture
def closed_poll(app):
    """A closed round where A > B > C, five delegates in three delegations."""
    poll = factories.make_poll(options=("A", "B", "C"), top_k=1)
    event = poll.event
    delegations = factories.make_delegations(event)
    voters = [factories.make_participant(event, delegations[i % 3]) for i in range(5)]
    ids = [o.id for o in poll.options]
    for voter in voters:
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    return poll, voters, ids


@pytest.fixture
def fac(facilitator_client):
    """The signed-in facilitator, reading the console in English."""
    facilitator_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return facilitator_client


@pytest.fixture
def world(app):
    """Two events, facilitators, delegates, polls and rounds (factories.make_world)."""
    return factories.make_world()


@pytest.fixture
def delegate(app, world):
    """A test client signed in as the world's first delegate."""
    client = app.test_client()
    assert client.get(f"/j/{world.d1.token}").status_code == 302
    return client
