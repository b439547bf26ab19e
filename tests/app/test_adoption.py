"""Consent checks: propose, answer, close under each rule, amend, delegation mode."""

import pytest
import sqlalchemy as sa

from tests import factories
from voting import adoption
from voting.errors import UserError
from voting.extensions import db
from voting.models import AuditEntry, ConsentAnswer


def test_items_from_ranking_keeps_a_tie_across_the_cut_whole():
    # A tie stays a tie (one item, one shared position), and the cut takes
    # the whole tied tier (defect 4 of issue 14: it was split into 2 and 3).
    assert adoption.items_from_ranking([[1], [2, 3], [4]], 2) == (
        [[1], [2, 3], [4]],
        2,
    )
    assert adoption.items_from_ranking([[1], [2], [3]], 2) == ([[1], [2], [3]], 2)


def test_propose_needs_a_closed_round(app):
    poll = factories.make_poll()
    with pytest.raises(UserError) as error:
        adoption.propose(poll.rounds[0], "test")
    assert error.value.status == 409


def test_consensus_when_nobody_objects(closed_poll):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "account:1")
    assert proposal.items == [[ids[0]], [ids[1]], [ids[2]]] and proposal.cut == 1
    adoption.answer(voters[0], proposal.id, "agree")
    adoption.answer(voters[1], proposal.id, "stand_aside")
    summary = adoption.summarize(proposal)
    assert summary.counts == {"agree": 1, "stand_aside": 1, "object": 0}
    assert adoption.close(proposal.id, "account:1").outcome == "consensus"


def test_an_objection_blocks_consensus_and_needs_a_reason(closed_poll):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "test")
    with pytest.raises(UserError):
        adoption.answer(voters[0], proposal.id, "object", "   ")
    with pytest.raises(UserError):
        adoption.answer(voters[0], proposal.id, "object", "x" * 501)
    with pytest.raises(UserError):
        adoption.answer(voters[0], proposal.id, "maybe")
    assert db.session.scalar(sa.select(sa.func.count(ConsentAnswer.id))) == 0
    adoption.answer(voters[0], proposal.id, "object", "B matters more to us")
    adoption.answer(voters[1], proposal.id, "agree")
    assert adoption.close(proposal.id, "test").outcome == "not_adopted"


def test_qualified_majority_adopts_with_reservations(closed_poll):
    poll, voters, ids = closed_poll
    poll.adoption_rule = "qualified"
    poll.secret = False
    db.session.commit()
    proposal = adoption.propose(poll.rounds[0], "test")
    adoption.answer(voters[0], proposal.id, "object", "Too fast")
    for voter in voters[1:]:
        adoption.answer(voter, proposal.id, "agree")
    summary = adoption.summarize(proposal)
    assert summary.objections == [{"delegation": "Argentina", "reason": "Too fast"}]
    assert adoption.close(proposal.id, "test").outcome == "reservations"


def test_qualified_majority_below_threshold_is_not_adopted(closed_poll):
    poll, voters, ids = closed_poll
    poll.adoption_rule = "qualified"
    db.session.commit()
    proposal = adoption.propose(poll.rounds[0], "test")
    adoption.answer(voters[0], proposal.id, "object", "No")
    adoption.answer(voters[1], proposal.id, "object", "No")
    adoption.answer(voters[2], proposal.id, "agree")
    summary = adoption.summarize(proposal)
    assert summary.objections[0]["delegation"] is None  # secret poll: anonymised
    assert adoption.close(proposal.id, "test").outcome == "not_adopted"


def test_answers_change_until_close_then_are_refused(closed_poll):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "test")
    adoption.answer(voters[0], proposal.id, "object", "Not yet")
    result = adoption.answer(voters[0], proposal.id, "agree")
    assert result.revision == 2
    assert db.session.scalar(sa.select(sa.func.count(ConsentAnswer.id))) == 1
    adoption.close(proposal.id, "test")
    with pytest.raises(UserError) as error:
        adoption.answer(voters[0], proposal.id, "object", "Late")
    assert error.value.status == 409
    assert db.session.scalar(sa.select(ConsentAnswer.answer)) == "agree"


def test_idempotent_answers(closed_poll):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "test")
    first = adoption.answer(voters[0], proposal.id, "agree", "", "key-1")
    again = adoption.answer(voters[0], proposal.id, "agree", "", "key-1")
    assert again.replayed and again.revision == first.revision == 1
    with pytest.raises(UserError) as error:
        adoption.answer(voters[0], proposal.id, "object", "Other", "key-1")
    assert error.value.status == 422


def test_delegation_mode_counts_one_answer_per_country(closed_poll):
    poll, voters, ids = closed_poll
    poll.weighting = "delegation"
    db.session.commit()
    proposal = adoption.propose(poll.rounds[0], "test")
    assert proposal.by_delegation
    adoption.answer(voters[0], proposal.id, "object", "AR says no")
    adoption.answer(voters[3], proposal.id, "agree")  # also Argentina: replaces
    summary = adoption.summarize(proposal)
    assert summary.answered == 1 and summary.counts["agree"] == 1
    assert summary.eligible_units == 3


def test_amend_and_propose_again_keeps_the_history(closed_poll):
    poll, voters, ids = closed_poll
    first = adoption.propose(poll.rounds[0], "test")
    with pytest.raises(UserError):  # still open
        adoption.amend(first, [[ids[1]], [ids[0]], [ids[2]]], 1, "test")
    adoption.answer(voters[0], first.id, "object", "Swap A and B")
    adoption.close(first.id, "test")
    with pytest.raises(UserError):
        adoption.amend(first, [[ids[0]], [ids[1]]], 1, "test")  # C missing
    with pytest.raises(UserError):
        adoption.amend(first, [[ids[0]], [ids[1]], [ids[2]]], 4, "test")
    second = adoption.amend(first, [[ids[1], ids[0]], [ids[2]]], 1, "test")
    assert second.number == 2 and second.items == [[ids[1], ids[0]], [ids[2]]]
    adoption.answer(voters[0], second.id, "agree")
    assert adoption.close(second.id, "test").outcome == "consensus"
    assert [p.number for p in adoption.history(poll)] == [1, 2]
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("proposal_opened") == 2
    assert actions.count("proposal_closed") == 2


def test_participant_of_another_event_cannot_answer(closed_poll):
    poll, voters, ids = closed_poll
    proposal = adoption.propose(poll.rounds[0], "test")
    outsider = factories.make_participant(factories.make_event())
    with pytest.raises(UserError) as error:
        adoption.answer(outsider, proposal.id, "agree")
    assert error.value.status == 403
    assert adoption.open_for(voters[0]) == [proposal]
    assert adoption.open_for(outsider) == []
