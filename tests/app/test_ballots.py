"""The ballot service: validation, upsert and revision, idempotency, audit."""

from dataclasses import replace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests import factories
from voting import tallies
from voting.ballots import cast
from voting.errors import UserError
from voting.models import AuditEntry, Ballot, IdempotencyKey, RoundStatus
from voting.rankings import BallotRules, ranking_from_form, validate_ranking


@pytest.fixture
def poll(app):
    return factories.make_poll(options=("A", "B", "C", "D"))


@pytest.fixture
def voter(poll):
    """A delegate of the poll's event who sits in no workshop: votes in every poll."""
    return factories.make_participant(poll.event)


def poll_in(event, **kwargs):
    """Another poll in the same event (in a new workshop)."""
    return factories.make_poll(workshop=factories.make_workshop(event=event), **kwargs)


def ids(poll):
    return [option.id for option in poll.options]


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def stored(db):
    """Everything a cast may write: ballots, keys, audit entries, round versions."""
    return (
        count(db, Ballot),
        count(db, IdempotencyKey),
        count(db, AuditEntry),
    )


def test_first_cast_then_revision_updates_in_place(db, poll, voter):
    a, b, c, d = ids(poll)
    round_ = poll.rounds[0]
    first = cast(voter, round_.id, [[a], [b]])
    assert (first.revision, first.ranking, first.replayed) == (1, [[a], [b]], False)
    assert len(first.receipt_code) == 10
    second = cast(voter, round_.id, [[c], [a], [b]])
    assert second.revision == 2
    assert second.receipt_code == first.receipt_code
    ballots_ = db.session.scalars(sa.select(Ballot)).all()
    assert len(ballots_) == 1 and ballots_[0].ranking == [[c], [a], [b]]
    db.session.refresh(round_)
    assert round_.version == 2
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id))
    assert list(actions) == ["ballot_cast", "ballot_revised"]
    # A secret poll's audit log never says whose ballot it was.
    assert {e.actor for e in db.session.scalars(sa.select(AuditEntry))} == {
        "participant"
    }


def test_replay_with_the_same_key_counts_once(db, poll, voter):
    a, b, *_ = ids(poll)
    round_ = poll.rounds[0]
    first = cast(voter, round_.id, [[a], [b]], "key-1")
    again = cast(voter, round_.id, [[a], [b]], "key-1")
    assert again.replayed and again.as_dict() == first.as_dict()
    assert stored(db) == (1, 1, 1)
    db.session.refresh(round_)
    assert round_.version == 1
    assert db.session.scalar(sa.select(Ballot.revision)) == 1


def test_same_key_with_another_ranking_is_refused(db, poll, voter):
    a, b, *_ = ids(poll)
    cast(voter, poll.rounds[0].id, [[a], [b]], "key-1")
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, [[b], [a]], "key-1")
    assert error.value.status == 422
    db.session.rollback()
    assert db.session.scalar(sa.select(Ballot.ranking)) == [[a], [b]]
    assert stored(db) == (1, 1, 1)


def test_a_new_key_revises(db, poll, voter):
    a, b, *_ = ids(poll)
    cast(voter, poll.rounds[0].id, [[a], [b]], "key-1")
    result = cast(voter, poll.rounds[0].id, [[b], [a]], "key-2")
    assert result.revision == 2 and not result.replayed


@pytest.mark.parametrize("status", [RoundStatus.CLOSED, RoundStatus.DRAFT])
def test_closed_or_draft_round_refuses_and_stores_nothing(db, voter, status):
    poll = poll_in(voter.event, status=status)
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, [[ids(poll)[0]]], "key-1")
    assert error.value.status == 409
    db.session.rollback()
    assert stored(db) == (0, 0, 0)


def test_late_ballot_does_not_change_the_recorded_one(db, poll, voter):
    a, b, *_ = ids(poll)
    cast(voter, poll.rounds[0].id, [[a], [b]])
    poll.rounds[0].status = RoundStatus.CLOSED
    db.session.commit()
    with pytest.raises(UserError) as error, force_locale("en"):
        cast(voter, poll.rounds[0].id, [[b], [a]])
    assert error.value.status == 409
    # Told that the earlier ballot counts, not that nothing was recorded.
    assert "earlier ballot" in error.value.message
    assert "not recorded" not in error.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(Ballot.ranking)) == [[a], [b]]
    assert stored(db) == (1, 0, 1)


BAD_RANKINGS = {
    "not a list": lambda o: {"a": 1},
    "tier not a list": lambda o: [o[0]],
    "id as text": lambda o: [[str(o[0])]],
    "id as bool": lambda o: [[True]],
    "id as float": lambda o: [[float(o[0])]],
    "unknown id": lambda o: [[o[0]], [9999]],
    "listed twice": lambda o: [[o[0]], [o[1]], [o[0]]],
    "equal ranks forbidden": lambda o: [[o[0], o[1]]],
    "empty": lambda o: [],
    "only empty tiers": lambda o: [[], []],
}


@pytest.mark.parametrize("name", BAD_RANKINGS)
def test_invalid_ranking_is_400_and_nothing_is_stored(db, poll, voter, name):
    raw = BAD_RANKINGS[name](ids(poll))
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, raw, "key-1")
    assert error.value.status == 400
    assert error.value.message
    db.session.rollback()
    assert stored(db) == (0, 0, 0)
    db.session.refresh(poll.rounds[0])
    assert poll.rounds[0].version == 0


def test_every_option_required_when_the_poll_says_so(db, voter):
    poll = poll_in(voter.event, allow_unranked=False)
    a, b, c = ids(poll)
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, [[a], [b]])
    assert error.value.status == 400
    db.session.rollback()
    assert cast(voter, poll.rounds[0].id, [[a], [b], [c]]).revision == 1


def test_equal_ranks_where_allowed_are_normalised(db, voter):
    poll = poll_in(voter.event, allow_ties=True)
    a, b, c = ids(poll)
    result = cast(voter, poll.rounds[0].id, [[c, a], [], [b]])
    assert result.ranking == [[a, c], [b]]


def test_ballot_for_another_round_or_no_round(db, poll, voter):
    with pytest.raises(UserError) as error:
        cast(voter, 987654, [[ids(poll)[0]]])
    assert error.value.status == 400
    other = factories.make_poll()  # another event
    with pytest.raises(UserError) as error:
        cast(voter, other.rounds[0].id, [[ids(other)[0]]])
    assert error.value.status == 400
    # Options of another poll are unknown in this one.
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, [[ids(other)[0]]])
    assert error.value.status == 400
    db.session.rollback()
    assert stored(db) == (0, 0, 0)


def test_invalid_idempotency_key(db, poll, voter):
    with pytest.raises(UserError) as error:
        cast(voter, poll.rounds[0].id, [[ids(poll)[0]]], "k" * 81)
    assert error.value.status == 400
    with pytest.raises(UserError):
        cast(voter, poll.rounds[0].id, [[ids(poll)[0]]], "")


def test_eligibility(db, poll):
    """One rule, read in Python (a ballot) and in SQL (a tally's electorate)."""
    event = poll.event
    same = factories.make_participant(event, workshop_id=poll.workshop_id)
    anywhere = factories.make_participant(event)
    other_workshop = factories.make_workshop(event=event)
    elsewhere = factories.make_participant(event, workshop_id=other_workshop.id)
    stranger = factories.make_participant(factories.make_event())
    assert same.eligible_for(poll)
    assert anywhere.eligible_for(poll)
    assert not elsewhere.eligible_for(poll)
    assert not stranger.eligible_for(poll)
    plenary = factories.make_poll(workshop=other_workshop)
    plenary.workshop_id = None
    db.session.commit()
    assert same.eligible_for(plenary)
    everyone = [same, anywhere, elsewhere, stranger]
    for target in (poll, plenary):
        electorate = set(db.session.scalars(tallies.eligible_participants(target)))
        assert electorate == {p for p in everyone if p.eligible_for(target)}
    with pytest.raises(UserError) as error:
        cast(elsewhere, poll.rounds[0].id, [[ids(poll)[0]]])
    assert error.value.status == 400


class Form(dict):
    """Enough of a MultiDict for ``ranking_from_form``."""


def form_for(poll, *ranks):
    return Form(
        {f"rank-{o.id}": str(r) for o, r in zip(poll.options, ranks, strict=True)}
    )


def test_plain_form_gaps_are_closed(poll):
    a, b, c, d = ids(poll)
    assert ranking_from_form(form_for(poll, 1, 3, 4, ""), poll) == [[a], [b], [c]]
    assert ranking_from_form(form_for(poll, 4, "", "", 2), poll) == [[d], [a]]
    assert ranking_from_form(form_for(poll, " 2 ", 1, "", ""), poll) == [[b], [a]]


def test_plain_form_equal_numbers(db, poll):
    with pytest.raises(UserError):
        ranking_from_form(form_for(poll, 1, 1, 2, ""), poll)
    poll.allow_ties = True
    a, b, c, _ = ids(poll)
    assert ranking_from_form(form_for(poll, 1, 1, 2, ""), poll) == [[a, b], [c]]


@pytest.mark.parametrize(
    "ranks",
    [
        (0, "", "", ""),
        (5, "", "", ""),
        ("x", "", "", ""),
        ("-1", "", "", ""),
        ("", "", "", ""),
    ],
)
def test_plain_form_bad_values(poll, ranks):
    with pytest.raises(UserError) as error:
        ranking_from_form(form_for(poll, *ranks), poll)
    assert error.value.status == 400


def test_validate_ranking_returns_sorted_tiers(poll):
    a, b, c, d = ids(poll)
    rules = BallotRules.of(poll)
    assert validate_ranking([[d], [b]], rules) == [[d], [b]]
    assert validate_ranking([[], [c, a]], replace(rules, allow_ties=True)) == [[a, c]]
