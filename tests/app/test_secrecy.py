"""A secret poll's ballots stay secret on every public output (the attacks of
the secrecy review, written against the real endpoints)."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from voting import ballots, disclosure, rounds, tallies
from voting.extensions import db
from voting.models import Delegation, Participant, Poll, PublishedTally


def _demo_workshops():
    polls = db.session.scalars(sa.select(Poll).order_by(Poll.id)).all()
    people = db.session.scalars(sa.select(Participant).order_by(Participant.id))
    return polls[:2], polls[2], list(people)


def test_the_plenary_does_not_bypass_a_workshops_minimum(
    client, secretariat_client, demo
):
    """One ballot in workshop 2's secret round: hidden on its own projector, and
    neither the plenary's per-workshop column nor the pooled export (minus the
    other workshop's export) may give it away."""
    (first, second), plenary, people = _demo_workshops()
    assert first.secret and second.secret
    ids = {o.key: o.id for o in first.options}
    for person in people:
        if person.workshop_id == first.workshop_id:
            ballots.cast(person, first.rounds[0].id, [[ids["sme"]], [ids["ppp"]]])
    lone = next(p for p in people if p.workshop_id == second.workshop_id)
    victim = [o.id for o in reversed(second.options)]
    ballots.cast(lone, second.rounds[0].id, [[o] for o in victim])
    for poll in (first, second):
        rounds.close_round(poll.rounds[0].id, "test")

    own = client.get(
        f"/display/{second.display_token}", headers={"Accept-Language": "en"}
    )
    assert "Results appear once 3 ballots are in." in own.get_data(True)

    html = client.get(
        f"/display/{plenary.display_token}/plenary", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert "is not pooled: a secret round is shown only from 3 ballots on." in html
    result = tallies.for_plenary(plenary)
    assert result.withheld == [second]
    pooled = result.result.profile.weights.sum()
    alone = tallies.for_round(first.rounds[0]).profile.weights.sum()
    assert pooled == alone  # the lone ballot is in no pooled number

    pooled_file = _body(
        secretariat_client, f"/secretariat/plenary/{plenary.id}/export.soi"
    )
    first_file = _body(
        secretariat_client, f"/secretariat/rounds/{first.rounds[0].id}/export.soi"
    )
    assert _orders(pooled_file) == _orders(first_file)


def _body(client, url):
    with client.get(url) as response:
        assert response.status_code == 200, url
        return response.get_data(True)


def _orders(text):
    """The ``count: order`` lines of a PrefLib file."""
    return sorted(line for line in text.splitlines() if line and line[0].isdigit())


def _published(client, token):
    body = client.get(f"/api/display/{token}/tally").json
    return body["turnout"]["ballots"], body["tally"]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    k=st.integers(min_value=3, max_value=6),
    steps=st.lists(
        st.tuples(st.integers(0, 5), st.permutations([0, 1, 2, 3])),
        min_size=1,
        max_size=24,
    ),
)
def test_live_results_of_a_secret_round_come_in_batches(app, client, k, steps):
    """After every ballot or revision, the public tally either stays as it was
    or moves to a publication at least k changes after the previous one; and
    nothing is shown of fewer than the minimum of ballots."""
    tallies.cache.clear()
    poll = factories.make_poll(options=("A", "B", "C", "D"))
    poll.publish_every = k
    poll.secret = True
    db.session.commit()
    voters = [factories.make_participant(poll.event) for _ in range(6)]
    ids = [o.id for o in poll.options]
    round_id = poll.rounds[0].id
    shown = _published(client, poll.display_token)
    assert shown[1] is None
    changes_at_last = 0
    for n, (who, order) in enumerate(steps, start=1):
        ballots.cast(voters[who], round_id, [[ids[i]] for i in order])
        now = _published(client, poll.display_token)
        if now != shown:
            assert n - changes_at_last >= k, (n, changes_at_last, k)
            changes_at_last, shown = n, now
        ballots_shown, tally = now
        if tally is not None:
            assert ballots_shown >= disclosure.MIN_SECRET_BALLOTS
    published = db.session.get(PublishedTally, round_id, populate_existing=True)
    expected = (len(steps) // k) * k
    assert (published.changes if published else 0) == expected


def test_a_delegations_vote_cannot_be_read_off_the_turnout_chips(app, client):
    """The turnout by delegation of a secret open round moves with the
    publications too, not with each ballot."""
    poll = factories.make_poll(options=("A", "B", "C"))
    event = poll.event
    chile = Delegation(event=event, code="CL", name="Chile")
    peru = Delegation(event=event, code="PE", name="Perú")
    db.session.add_all([chile, peru])
    people = [factories.make_participant(event, d) for d in (chile, peru, peru)]
    ids = [o.id for o in poll.options]
    ballots.cast(people[0], poll.rounds[0].id, [[ids[0]]])
    html = client.get(f"/display/{poll.display_token}/live").get_data(True)
    assert "0/1" in html and "1/1" not in html
    for person in itertools.islice(itertools.cycle(people[1:]), 4):
        ballots.cast(person, poll.rounds[0].id, [[ids[1]]])
    html = client.get(f"/display/{poll.display_token}/live").get_data(True)
    assert "1/1" in html and "2/2" in html
