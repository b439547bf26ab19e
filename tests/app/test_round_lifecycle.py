"""The round and adoption life cycle through the console: confirmations,
undo (delete an empty round, reopen a closed one), which round a plenary
pools, the adoption lock, ties carried into proposals."""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from voting import adoption, ballots
from voting.extensions import db
from voting.models import AuditEntry, Participant, Poll, Round, RoundStatus


def text(response):
    return response.get_data(as_text=True)


def ok(response, status=302):
    assert response.status_code == status, text(response)[:2000]
    return response


@pytest.fixture
def console(admin_client):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def seminar(app, demo, console):
    """The demo's two workshops voted (round 1) and closed through the
    console; returns (workshop polls, plenary, participants)."""
    polls = db.session.scalars(sa.select(Poll).order_by(Poll.id)).all()
    workshop_polls, plenary = polls[:2], polls[2]
    participants = db.session.scalars(sa.select(Participant)).all()
    for poll, first in zip(workshop_polls, ["sme", "ppp"], strict=True):
        ids = {o.key: o.id for o in poll.options}
        order = [first] + [k for k in ids if k != first]
        for p in participants:
            if p.workshop_id == poll.workshop_id:
                ballots.cast(p, poll.rounds[0].id, [[ids[k]] for k in order])
        ok(console.post(f"/console/rounds/{poll.rounds[0].id}/close"))
    return workshop_polls, plenary, participants


def agreements(record: str) -> str:
    """The "Agreements" paragraph(s) of a record page, tags stripped."""
    start = record.index("Agreements")
    part = record[start : start + 4000]
    return re.sub(r"<[^>]+>", " ", part.split("<h2", 2)[1] if "<h2" in part else part)


def adopt_plenary(console, plenary, participants):
    ok(console.post(f"/console/polls/{plenary.id}/propose"))
    proposal = adoption.latest(plenary)
    for p in participants:
        if p.eligible_for(plenary):
            adoption.answer(p, proposal.id, "agree")
    ok(console.post(f"/console/proposals/{proposal.id}/close"))
    assert adoption.latest(plenary).outcome == "consensus"
    return proposal


def test_an_empty_extra_round_changes_neither_the_plenary_nor_the_record(
    app, console, seminar
):
    """Defect 2: after adoption, "Open round 2" then "Close round" with no
    ballots made the plenary read "N ballots from 2 workshops" with "–" in
    the workshop's cells, and changed the record's Agreements."""
    (first, _second), plenary, participants = seminar
    adopt_plenary(console, plenary, participants)
    display = f"/display/{plenary.display_token}/plenary?fragment=1"
    record = f"/secretariat/plenary/{plenary.id}/export.html?lang=en"
    before_display = text(ok(console.get(display), 200))
    before_record = agreements(text(ok(console.get(record), 200)))
    assert "38 ballots from 2 workshops" in before_display
    # The accidental round: opened, closed with no ballot.
    ok(console.post(f"/console/rounds/{first.rounds[0].id}/next"))
    db.session.expire_all()
    extra = first.rounds[-1]
    assert extra.number == 2 and extra.status == RoundStatus.OPEN
    ok(console.post(f"/console/rounds/{extra.id}/close"))
    after_display = text(ok(console.get(display), 200))
    assert "38 ballots from 2 workshops" in after_display
    assert ">–<" not in after_display
    assert agreements(text(ok(console.get(record), 200))) == before_record


def test_the_plenary_says_which_round_of_each_workshop_it_pools(app, console, seminar):
    (first, second), plenary, participants = seminar
    display = f"/display/{plenary.display_token}/plenary?fragment=1"
    page = text(ok(console.get(display), 200))
    assert page.count("round 1, latest with ballots") == 2
    # Workshop 1 adopts its round 1, then votes a round 2.
    ok(console.post(f"/console/rounds/{first.rounds[0].id}/propose"))
    proposal = adoption.latest(first)
    for p in participants:
        if p.eligible_for(first):
            adoption.answer(p, proposal.id, "agree")
    ok(console.post(f"/console/proposals/{proposal.id}/close"))
    ok(console.post(f"/console/rounds/{first.rounds[0].id}/next"))
    db.session.expire_all()
    ids = {o.key: o.id for o in first.options}
    for p in participants:
        if p.workshop_id == first.workshop_id:
            ballots.cast(p, first.rounds[1].id, [[ids[k]] for k in sorted(ids)])
    ok(console.post(f"/console/rounds/{first.rounds[1].id}/close"))
    page = text(ok(console.get(display), 200))
    assert "round 1, adopted" in page
    assert "round 1, latest with ballots" in page  # workshop 2
    assert "round 2" not in page
    console_page = text(ok(console.get(f"/console/polls/{plenary.id}"), 200))
    assert "Pooled:" in console_page and "(round 1, adopted)" in console_page


def test_a_tie_in_the_plenary_stays_a_tie_in_its_proposal(app, console, seminar):
    """Defect 4 (plenary): the pooled "2=" pair was proposed as 2 and 3."""
    _workshops, plenary, _participants = seminar
    ok(console.post(f"/console/polls/{plenary.id}/propose"))
    proposal = adoption.latest(plenary)
    tied = [item for item in proposal.items if len(item) > 1]
    assert tied, proposal.items  # the pooled "2=" pair is one item
    assert proposal.ties == "kept"
    assert sorted(tied[0]) == sorted(proposal.tied[0])
    page = text(ok(console.get(f"/console/polls/{plenary.id}"), 200))
    assert "tie kept" in page


def test_an_empty_extra_round_is_deleted_with_a_reason(app, console, seminar):
    (first, _second), plenary, participants = seminar
    adopt_plenary(console, plenary, participants)
    record = f"/secretariat/plenary/{plenary.id}/export.html?lang=en"
    before = agreements(text(ok(console.get(record), 200)))
    ok(console.post(f"/console/rounds/{first.rounds[0].id}/next"))
    db.session.expire_all()
    extra = first.rounds[-1]
    ok(console.post(f"/console/rounds/{extra.id}/close"))
    page = text(ok(console.get(f"/console/polls/{first.id}"), 200))
    assert f"/console/rounds/{extra.id}/delete" in page
    assert "no ballots: not in the plenary or the record" in page
    # A round with ballots cannot be deleted; nor without a reason.
    assert (
        console.post(
            f"/console/rounds/{first.rounds[0].id}/delete", data={"reason": "x"}
        ).status_code
        == 409
    )
    confirm = text(ok(console.get(f"/console/rounds/{extra.id}/delete"), 200))
    assert "Delete round 2?" in confirm and 'name="reason"' in confirm
    assert console.post(f"/console/rounds/{extra.id}/delete").status_code == 400
    extra_id = extra.id
    ok(
        console.post(
            f"/console/rounds/{extra_id}/delete", data={"reason": "By mistake"}
        )
    )
    db.session.expire_all()
    assert db.session.get(Round, extra_id) is None
    assert [r.number for r in first.rounds] == [1]
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="round_deleted"))
    assert entry.details == {"poll_id": first.id, "round": 2, "reason": "By mistake"}
    assert agreements(text(ok(console.get(record), 200))) == before


@pytest.fixture
def fac_poll(fac):
    """A draft named poll A, B, C, D (top 2) in ``fac``'s workshop, four
    delegates of four delegations."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(
        workshop, options=("A", "B", "C", "D"), status=RoundStatus.DRAFT, top_k=2
    )
    poll.secret = False
    db.session.commit()
    voters = [factories.make_participant(poll.event) for _ in range(4)]
    return poll, voters, [o.id for o in poll.options]


def vote_and_close(fac, poll, voters, rankings):
    round_ = poll.rounds[-1]
    for voter, ranking in zip(voters, rankings, strict=False):
        ballots.cast(voter, round_.id, ranking)
    ok(fac.post(f"/console/rounds/{round_.id}/close"))


def test_each_round_control_asks_first_on_a_page_without_javascript(fac, fac_poll):
    poll, voters, ids = fac_poll
    round_ = poll.rounds[0]
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    # The poll page links to the confirm page: nothing changes on a click.
    assert f'href="/console/rounds/{round_.id}/open"' in page
    confirm = text(ok(fac.get(f"/console/rounds/{round_.id}/open"), 200))
    assert "Open round 1?" in confirm
    assert "4 delegates may vote." in confirm
    assert '<form method="post"' in confirm and "<script" not in confirm
    db.session.expire_all()
    assert poll.rounds[0].status == RoundStatus.DRAFT
    ok(fac.post(f"/console/rounds/{round_.id}/open"))
    ballots.cast(voters[0], round_.id, [[i] for i in ids])
    confirm = text(ok(fac.get(f"/console/rounds/{round_.id}/close"), 200))
    assert "Close round 1?" in confirm and "1 of 4 delegates have voted." in confirm
    # A control that does not apply says why and offers no button.
    blocked = fac.get(f"/console/rounds/{round_.id}/open")
    assert blocked.status_code == 409
    assert "Only a draft round can be opened." in text(blocked)
    assert "<button" not in text(blocked).split("confirm-h")[1]
    ok(fac.post(f"/console/rounds/{round_.id}/close"))
    confirm = text(ok(fac.get(f"/console/rounds/{round_.id}/next"), 200))
    assert "Open round 2?" in confirm
    ok(fac.post(f"/console/rounds/{round_.id}/propose"))
    proposal = adoption.latest(poll)
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    assert f'href="/console/proposals/{proposal.id}/close"' in page
    confirm = text(ok(fac.get(f"/console/proposals/{proposal.id}/close"), 200))
    assert "Close the consent check on proposal 1?" in confirm
    assert "0 of 4 have answered." in confirm
    assert adoption.latest(poll).status == "open"


def test_a_round_closed_by_mistake_is_reopened_until_its_list_is_proposed(
    fac, fac_poll
):
    poll, voters, ids = fac_poll
    round_ = poll.rounds[0]
    ok(fac.post(f"/console/rounds/{round_.id}/open"))
    vote_and_close(fac, poll, voters[:2], [[[i] for i in ids]] * 2)
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    assert f"/console/rounds/{round_.id}/reopen" in page
    assert fac.post(f"/console/rounds/{round_.id}/reopen").status_code == 400
    db.session.expire_all()
    assert poll.rounds[0].status == RoundStatus.CLOSED
    ok(fac.post(f"/console/rounds/{round_.id}/reopen", data={"reason": "Too early"}))
    db.session.expire_all()
    assert poll.rounds[0].status == RoundStatus.OPEN
    entry = db.session.scalar(sa.select(AuditEntry).filter_by(action="round_reopened"))
    assert entry.details["reason"] == "Too early" and entry.round_id == round_.id
    vote_and_close(fac, poll, voters[2:], [[[i] for i in ids]] * 2)
    ok(fac.post(f"/console/rounds/{round_.id}/propose"))
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    assert f"/console/rounds/{round_.id}/reopen" not in page
    refused = fac.post(f"/console/rounds/{round_.id}/reopen", data={"reason": "x"})
    assert refused.status_code == 409
    assert "proposed for adoption" in text(refused)


def adopt(fac, poll, voters):
    proposal = adoption.latest(poll)
    for voter in voters:
        adoption.answer(voter, proposal.id, "agree")
    ok(fac.post(f"/console/proposals/{proposal.id}/close"))
    return proposal


def test_an_adopted_list_is_locked_until_reopened_with_a_reason(fac, fac_poll):
    """ "Propose again" was offered, and accepted, after adoption."""
    poll, voters, ids = fac_poll
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/open"))
    vote_and_close(fac, poll, voters, [[[i] for i in ids]] * 4)
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/propose"))
    proposal = adopt(fac, poll, voters)
    assert proposal.outcome == "consensus"
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    assert "Propose again" not in page
    assert "The adopted list is locked" in page
    assert f"/console/proposals/{proposal.id}/reopen" in page
    form = {f"position-{i}": str(4 - i) for i in range(4)} | {"cut": "2"}
    refused = fac.post(f"/console/proposals/{proposal.id}/amend", data=form)
    assert refused.status_code == 409
    assert "This list is adopted and locked." in text(refused)
    assert fac.post(f"/console/rounds/{poll.rounds[0].id}/propose").status_code == 409
    assert len(adoption.history(poll)) == 1
    # Re-opening needs a reason, and is recorded.
    assert fac.post(f"/console/proposals/{proposal.id}/reopen").status_code == 400
    assert adoption.adopted(poll) is proposal
    ok(
        fac.post(
            f"/console/proposals/{proposal.id}/reopen",
            data={"reason": "Amendment from the floor"},
        )
    )
    entry = db.session.scalar(
        sa.select(AuditEntry).filter_by(action="adoption_reopened")
    )
    assert entry.details == {"proposal": 1, "reason": "Amendment from the floor"}
    assert adoption.adopted(poll) is None
    ok(fac.post(f"/console/proposals/{proposal.id}/amend", data=form))
    assert adoption.latest(poll).items == [[ids[3]], [ids[2]], [ids[1]], [ids[0]]]


TIED = [  # A first; B and C tied (one ballot each way); D last
    lambda a, b, c, d: [[a], [b], [c], [d]],
    lambda a, b, c, d: [[a], [c], [b], [d]],
]


def test_a_tie_stays_a_tie_in_the_proposal_unless_broken_or_reordered(fac, fac_poll):
    """Defect 4: "2= B, 2= C" was proposed as positions 2 and 3."""
    poll, voters, ids = fac_poll
    a, b, c, d = ids
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/open"))
    vote_and_close(fac, poll, voters, [f(*ids) for f in TIED])
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/propose", data={"ties": "keep"}))
    kept = adoption.latest(poll)
    assert kept.items == [[a], [b, c], [d]] and kept.cut == 2
    assert "The result has 1 tie." in page
    assert kept.ties == "kept" and kept.tied == [[b, c]]
    page = text(ok(fac.get(f"/console/polls/{poll.id}"), 200))
    assert "2= B, 2= C" in page and "tie kept" in page
    # Not adopted (an objection): the facilitator reorders the tie.
    adoption.answer(voters[0], kept.id, "object", "C before B")
    ok(fac.post(f"/console/proposals/{kept.id}/close"))
    # One row per option: B (row 1) and C (row 2, merged) — C goes first.
    form = {
        "position-0": "1",
        "position-1": "3",
        "position-2": "2",
        "position-3": "4",
        "cut": "2",
    }
    ok(fac.post(f"/console/proposals/{kept.id}/amend", data=form))
    reordered = adoption.latest(poll)
    assert reordered.items == [[a], [c], [b], [d]]
    assert reordered.ties == "reordered"
    assert adoption.tie_handling(reordered) == "reordered by the facilitator"
    # The declared tie-break, on a second round voted the same way.
    adoption.answer(voters[0], reordered.id, "object", "Vote again")
    ok(fac.post(f"/console/proposals/{reordered.id}/close"))
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/next"))
    db.session.expire_all()
    vote_and_close(fac, poll, voters, [f(*ids) for f in TIED])
    ok(fac.post(f"/console/rounds/{poll.rounds[1].id}/propose", data={"ties": "break"}))
    broken = adoption.latest(poll)
    assert all(len(item) == 1 for item in broken.items)
    assert broken.ties == "broken" and broken.tie_rule == "borda"
    assert broken.tie_seed == poll.rounds[1].id
    assert "tie broken by the declared rule" in adoption.tie_handling(broken)


def test_the_qualified_majority_is_chosen_as_a_fraction(fac, fac_poll):
    poll, _voters, _ids = fac_poll
    response = ok(fac.get(f"/console/polls/{poll.id}/edit"), 200)
    page = text(response)
    assert "Two thirds — 67%" in page and "Simple majority: at least half" in page
    assert '<option selected value="2/3">' in page
    data = {
        "question_es": "¿Prioridades?",
        "method": poll.method,
        "weighting": "delegate",
        "top_k": "2",
        "results_visibility": "live",
        "adoption_rule": "qualified",
    }
    for choice, share in (("3/5", 0.6), ("75 %", 0.75), ("1/2", 0.5)):
        data["fingerprint"] = factories.fingerprint_of(
            fac.get(f"/console/polls/{poll.id}/edit")
        )
        ok(
            fac.post(
                f"/console/polls/{poll.id}/edit",
                data={**data, "adoption_threshold": choice},
            )
        )
        db.session.refresh(poll)
        assert poll.adoption_threshold == pytest.approx(share)
    page = text(ok(fac.get(f"/console/polls/{poll.id}/edit"), 200))
    assert '<option selected value="1/2">' in page


def test_rewording_an_option_while_a_round_is_open_asks_to_confirm(fac, fac_poll):
    poll, _voters, _ids = fac_poll
    option = poll.options[0]
    ok(fac.post(f"/console/rounds/{poll.rounds[0].id}/open"))
    response = ok(fac.get(f"/console/options/{option.id}/edit"), 200)
    page = text(response)
    assert "A round is open: delegates are voting on these options now." in page
    assert 'name="confirm_open"' in page
    data = {
        "title_en": "Alpha",
        "title_es": "Alfa",
        "fingerprint": factories.fingerprint_of(response),
    }
    refused = fac.post(f"/console/options/{option.id}/edit", data=data)
    assert refused.status_code == 400
    assert "tick the box to confirm" in text(refused)
    db.session.refresh(option)
    assert option.title["en"] == "A"
    ok(
        fac.post(
            f"/console/options/{option.id}/edit", data={**data, "confirm_open": "y"}
        )
    )
    db.session.refresh(option)
    assert option.title["en"] == "Alpha"
