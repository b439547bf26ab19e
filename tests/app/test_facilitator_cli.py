"""``flask round``, ``flask display-link`` and ``flask simulate-votes``."""

import random
from collections import Counter

import pytest
import sqlalchemy as sa

from tests import factories
from voting.extensions import db
from voting.models import AuditEntry, Ballot, Delegation, Poll, RoundStatus
from voting.simulation import _mallows


def ballots_of(round_):
    return db.session.scalars(
        sa.select(Ballot).filter_by(round_id=round_.id).order_by(Ballot.id)
    ).all()


def audit_actions(actor="cli"):
    return [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEntry).filter_by(actor=actor).order_by(AuditEntry.id)
        )
    ]


def voters(poll, n, delegations=3):
    groups = [
        Delegation(event=poll.event, code=f"D{i}", name=f"Delegation {i}")
        for i in range(delegations)
    ]
    db.session.add_all(groups)
    return [
        factories.make_participant(poll.event, groups[i % delegations])
        for i in range(n)
    ]


# --- rounds ----------------------------------------------------------------


def test_round_open_close_next(app, runner):
    poll = factories.make_poll(status=RoundStatus.DRAFT)
    first = poll.rounds[0]
    result = runner.invoke(args=["round", "open", str(first.id)])
    assert result.exit_code == 0, result.output
    assert f"Round 1 (id {first.id}) of poll {poll.id}" in result.output
    assert "is open" in result.output
    assert first.status == RoundStatus.OPEN
    result = runner.invoke(args=["round", "close", str(first.id)])
    assert result.exit_code == 0 and "is closed" in result.output
    assert first.status == RoundStatus.CLOSED
    result = runner.invoke(args=["round", "next", str(first.id)])
    assert result.exit_code == 0, result.output
    db.session.refresh(poll)
    assert [(r.number, r.status) for r in poll.rounds] == [
        (1, RoundStatus.CLOSED),
        (2, RoundStatus.OPEN),
    ]
    assert "Round 2" in result.output
    assert audit_actions() == ["round_opened", "round_closed", "round_opened"]


def test_round_commands_refuse_impossible_transitions(app, runner):
    poll = factories.make_poll(status=RoundStatus.OPEN)
    round_id = str(poll.rounds[0].id)
    result = runner.invoke(args=["round", "open", round_id])
    assert result.exit_code == 1
    assert "Only a draft round can be opened." in result.output
    result = runner.invoke(args=["round", "next", round_id])
    assert result.exit_code == 1
    assert "after the last round closed" in result.output
    result = runner.invoke(args=["round", "close", "999"])
    assert result.exit_code == 1 and "No round with id 999" in result.output
    assert poll.rounds[0].status == RoundStatus.OPEN
    assert audit_actions() == []


def test_round_open_refuses_a_poll_without_options(app, runner):
    poll = factories.make_poll(options=(), status=RoundStatus.DRAFT)
    result = runner.invoke(args=["round", "open", str(poll.rounds[0].id)])
    assert result.exit_code == 1
    assert "at least two options" in result.output
    assert poll.rounds[0].status == RoundStatus.DRAFT


def test_round_help_lists_the_subcommands(runner):
    result = runner.invoke(args=["round", "--help"])
    assert result.exit_code == 0
    for name in ("open", "close", "next"):
        assert name in result.output


# --- display link ----------------------------------------------------------


def test_display_link_prints_the_public_url(app, runner):
    app.config["PUBLIC_URL"] = "https://vote.example.org/"
    poll = factories.make_poll()
    result = runner.invoke(args=["display-link", str(poll.id)])
    assert result.exit_code == 0
    assert result.output.strip() == (
        f"https://vote.example.org/display/{poll.display_token}"
    )
    result = runner.invoke(args=["display-link", "999"])
    assert result.exit_code == 1 and "No poll with id 999" in result.output


# --- simulated votes -------------------------------------------------------


def test_simulate_votes_casts_n_ballots_through_the_ballot_service(app, runner):
    poll = factories.make_poll(options=("A", "B", "C", "D"))
    round_ = poll.rounds[0]
    voters(poll, 12)
    version = round_.version
    result = runner.invoke(
        args=["simulate-votes", str(round_.id), "--n", "10", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    assert "Cast 10 simulated ballots" in result.output
    assert "12 eligible participants" in result.output
    assert "Reference order: " in result.output
    cast = ballots_of(round_)
    assert len(cast) == 10
    assert len({b.participant_id for b in cast}) == 10
    option_ids = {o.id for o in poll.options}
    for ballot in cast:
        flat = [o for tier in ballot.ranking for o in tier]
        assert len(flat) == len(set(flat)) and set(flat) <= option_ids
        assert all(len(tier) == 1 for tier in ballot.ranking)  # no ties allowed
    db.session.refresh(round_.counter)
    assert round_.version == version + 10  # every ballot bumped the version
    actions = Counter(e.action for e in db.session.scalars(sa.select(AuditEntry)))
    assert actions["ballot_cast"] == 10 and actions["ballots_simulated"] == 1


def test_simulate_votes_refuses_a_round_with_ballots_unless_forced(app, runner):
    poll = factories.make_poll()
    round_ = poll.rounds[0]
    people = voters(poll, 5)
    factories.make_ballot(round_, people[0], [[poll.options[0].id]])
    result = runner.invoke(args=["simulate-votes", str(round_.id), "--n", "5"])
    assert result.exit_code == 1
    assert "already has 1 ballot;" in result.output and "--force" in result.output
    assert len(ballots_of(round_)) == 1
    result = runner.invoke(
        args=["simulate-votes", str(round_.id), "--n", "5", "--force"]
    )
    assert result.exit_code == 0, result.output
    assert "1 revised" in result.output
    assert len(ballots_of(round_)) == 5


def test_simulate_votes_caps_at_the_eligible_participants(app, runner):
    poll = factories.make_poll()
    voters(poll, 4)
    elsewhere = factories.make_workshop(poll.event)
    factories.make_participant(poll.event, workshop_id=elsewhere.id)  # not eligible
    result = runner.invoke(args=["simulate-votes", str(poll.rounds[0].id)])
    assert result.exit_code == 0, result.output
    assert "Cast 4 simulated ballots" in result.output
    assert "Only 4 participants can vote" in result.output
    assert len(ballots_of(poll.rounds[0])) == 4


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CLOSED])
def test_simulate_votes_needs_an_open_round(app, runner, status):
    poll = factories.make_poll(status=status)
    voters(poll, 3)
    result = runner.invoke(args=["simulate-votes", str(poll.rounds[0].id)])
    assert result.exit_code == 1 and "open round" in result.output
    assert ballots_of(poll.rounds[0]) == []


def test_simulate_votes_is_repeatable_with_a_seed(app, runner):
    rankings = []
    for _ in range(2):
        poll = factories.make_poll(options=("A", "B", "C", "D", "E"))
        voters(poll, 8)
        runner.invoke(args=["simulate-votes", str(poll.rounds[0].id), "--seed", "3"])
        keys = {o.id: o.key for o in poll.options}
        rankings.append(
            [
                [[keys[o] for o in t] for t in b.ranking]
                for b in ballots_of(poll.rounds[0])
            ]
        )
    assert rankings[0] == rankings[1]


def test_simulated_ballots_are_correlated(app, runner):
    poll = factories.make_poll(
        options=tuple("ABCDEF"), allow_ties=True, allow_unranked=True
    )
    voters(poll, 38, delegations=18)
    result = runner.invoke(
        args=["simulate-votes", str(poll.rounds[0].id), "--n", "38", "--seed", "1"]
    )
    assert result.exit_code == 0, result.output
    reference = result.output.split("Reference order: ")[1].split()[::2]
    keys = {o.id: o.key for o in poll.options}
    firsts = Counter(keys[b.ranking[0][0]] for b in ballots_of(poll.rounds[0]))
    # Uniform ballots would put the reference's favourite first ~1/6 of the time.
    assert firsts[reference[0]] > 38 / 4
    assert firsts[reference[0]] > firsts[reference[-1]]
    shapes = [b.ranking for b in ballots_of(poll.rounds[0])]
    assert any(len(tier) > 1 for r in shapes for tier in r)  # some ties
    assert any(sum(map(len, r)) < 6 for r in shapes)  # some truncated


def test_a_second_round_converges_on_the_first(app, runner):
    poll = factories.make_poll(options=tuple("ABCDE"), allow_unranked=False)
    voters(poll, 30, delegations=10)
    first = poll.rounds[0]
    out = runner.invoke(args=["simulate-votes", str(first.id), "--seed", "2"]).output
    runner.invoke(args=["round", "close", str(first.id)])
    runner.invoke(args=["round", "next", str(first.id)])
    db.session.refresh(poll)
    second = poll.rounds[-1]
    keys = {o.id: o.key for o in poll.options}

    def mean_rank(round_):
        totals = Counter()
        for ballot in ballots_of(round_):
            for place, tier in enumerate(ballot.ranking):
                totals[keys[tier[0]]] += place
        return sorted(totals, key=lambda k: (totals[k], k))

    def agreement(round_, order):
        return sum(keys[b.ranking[0][0]] == order[0] for b in ballots_of(round_))

    result = runner.invoke(args=["simulate-votes", str(second.id), "--seed", "2"])
    assert result.exit_code == 0, result.output
    reference = result.output.split("Reference order: ")[1].split()[::2]
    assert reference == mean_rank(first)  # starts from round 1's mean ranks
    assert "Reference order" in out
    assert agreement(second, reference) > agreement(first, reference)


def test_mallows_sampler_extremes():
    rng = random.Random(0)
    reference = list(range(8))
    assert _mallows(reference, 0.0, rng) == reference
    samples = [_mallows(reference, 1.0, rng) for _ in range(200)]
    assert all(sorted(s) == reference for s in samples)
    assert len({tuple(s) for s in samples}) > 150  # close to uniform


def test_simulated_votes_feed_the_console_counts(app, runner, admin_client):
    poll = db.session.get(Poll, factories.make_poll().id)
    voters(poll, 6)
    runner.invoke(args=["simulate-votes", str(poll.rounds[0].id), "--n", "6"])
    page = admin_client.get(f"/console/polls/{poll.id}").get_data(as_text=True)
    assert "6 / 6" in page
