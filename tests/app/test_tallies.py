"""Round → profile → tally through the real ballot service."""

from tests import factories
from voting import ballots, rounds, tallies
from voting.extensions import db
from voting.models import Delegation


def setup_poll(weighting="delegate"):
    poll = factories.make_poll(options=("A", "B", "C"), weighting=weighting)
    event = poll.event
    big = Delegation(event=event, code="BIG", name="Big")
    small = Delegation(event=event, code="SML", name="Small")
    db.session.add_all([big, small])
    voters = [factories.make_participant(event, big) for _ in range(3)]
    voters.append(factories.make_participant(event, small))
    factories.make_participant(event, small)  # eligible, does not vote
    a, b, c = (o.id for o in poll.options)
    return poll, voters, (a, b, c)


def test_tally_counts_revisions_once_and_reports_turnout(app):
    poll, voters, (a, b, c) = setup_poll()
    round_ = poll.rounds[0]
    for voter in voters[:3]:
        ballots.cast(voter, round_.id, [[a], [b], [c]])
    ballots.cast(voters[3], round_.id, [[c], [b], [a]])
    ballots.cast(voters[3], round_.id, [[c], [a], [b]])  # revision
    result = tallies.for_round(round_)
    assert result.tally.ranking[0] == [a]
    assert result.profile.weights.sum() == 4
    turnout = result.turnout
    assert (turnout.ballots, turnout.participants) == (4, 5)
    assert (turnout.delegations_voted, turnout.delegations_total) == (2, 2)
    assert {d["code"]: (d["voted"], d["total"]) for d in turnout.by_delegation} == {
        "BIG": (3, 3),
        "SML": (1, 2),
    }


def test_delegation_weighting_gives_one_country_one_vote(app):
    poll, voters, (a, b, c) = setup_poll(weighting="delegation")
    round_ = poll.rounds[0]
    for voter in voters[:3]:
        ballots.cast(voter, round_.id, [[a], [b], [c]])
    ballots.cast(voters[3], round_.id, [[b], [a], [c]])
    result = tallies.for_round(round_)
    # BIG's three ballots share one unit, SML's ballot weighs one.
    assert sorted(result.profile.weights.tolist()) == [1.0, 1.0]
    assert result.tally.ranking[0] == [a, b]  # a tie, reported as a tie


def test_result_is_computed_once_per_version(app):
    poll, voters, (a, b, c) = setup_poll()
    round_ = poll.rounds[0]
    ballots.cast(voters[0], round_.id, [[a]])
    before = tallies.cache.computed
    first = tallies.for_round(round_)
    assert tallies.for_round(round_) is first
    assert tallies.cache.computed == before + 1
    ballots.cast(voters[1], round_.id, [[b]])
    db.session.expire_all()
    second = tallies.for_round(round_)
    assert second is not first and second.turnout.ballots == 2
    assert tallies.cache.computed == before + 2


def test_closed_round_adds_every_method_and_their_agreement(app):
    poll, voters, (a, b, c) = setup_poll()
    poll.top_k = 1
    round_ = poll.rounds[0]
    for voter in voters:
        ballots.cast(voter, round_.id, [[a], [b], [c]])
    rounds.close_round(round_.id, actor="test")
    result = tallies.for_round(round_)
    assert set(result.all_tallies) >= {"schulze", "borda", "kemeny", "irv"}
    assert all(pair["top_k_same"] for pair in result.agreement["pairs"])
    assert result.consensus["kendall_w"] == 1.0


def test_empty_round_has_no_tally(app):
    poll, _, _ = setup_poll()
    result = tallies.for_round(poll.rounds[0])
    assert result.tally is None and result.turnout.ballots == 0
