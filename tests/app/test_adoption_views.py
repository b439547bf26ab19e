"""Consent checks through the views: console, delegate page, JSON API, display."""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from voting import adoption, ballots, rounds
from voting.extensions import db as _db
from voting.models import (
    AuditEntry,
    ConsentAnswer,
    Option,
    Poll,
    Proposal,
    Round,
    RoundStatus,
)

# --- fixtures and helpers -----------------------------------------------------


@pytest.fixture
def room(fac):
    """A closed round A > B > C (top 1) in ``fac``'s workshop, three delegates
    from three delegations, a named poll."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, options=("A", "B", "C"), top_k=1)
    poll.secret = False
    event = poll.event
    delegations = factories.make_delegations(event)
    voters = [factories.make_participant(event, d) for d in delegations]
    ids = [o.id for o in poll.options]
    for voter in voters:
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    return poll, voters, ids


def delegate(app, participant, lang="en"):
    client = app.test_client()
    assert client.get(f"/j/{participant.token}").status_code == 302
    client.post("/vote/language", data={"lang": lang})
    return client


def html(response):
    return response.get_data(as_text=True)


def answers():
    return _db.session.scalars(
        sa.select(ConsentAnswer).order_by(ConsentAnswer.id)
    ).all()


def propose(fac, poll):
    response = fac.post(f"/console/rounds/{poll.rounds[0].id}/propose")
    assert response.status_code == 302, html(response)
    return adoption.latest(poll)


def api_answer(client, proposal, answer, reason="", key=None, token=None):
    headers = {"Idempotency-Key": key} if key else {}
    if token:
        headers["X-CSRFToken"] = token
    return client.post(
        f"/api/proposals/{proposal.id}/answer",
        json={"answer": answer, "reason": reason},
        headers=headers,
    )


# --- the whole cycle ------------------------------------------------------------


def test_propose_answer_close_amend_and_adopt(app, fac, room):
    poll, voters, ids = room
    page = html(fac.get(f"/console/polls/{poll.id}"))
    assert "Consent check" in page and "Propose round 1" in page
    proposal = propose(fac, poll)
    assert proposal.items == [[ids[0]], [ids[1]], [ids[2]]] and proposal.cut == 1
    assert _db.session.scalar(
        sa.select(AuditEntry).filter_by(action="proposal_opened")
    ).actor == (f"account:{fac.account.id}")

    # The delegates see it first on /vote, with the list and the rule.
    phone = delegate(app, voters[0])
    listing = phone.get("/vote")
    assert listing.status_code == 200  # no jump to a ballot
    assert f"/vote/consent/{proposal.id}" in html(listing)
    page = phone.get(f"/vote/consent/{proposal.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    text = html(page)
    assert "Adopted if nobody objects." in text
    assert (
        text.index("Highest priority") < text.index(">A<") < text.index("High priority")
    )

    # Page answer → 303 back, with the confirmation.
    response = phone.post(
        f"/vote/consent/{proposal.id}", data={"answer": "agree", "key": "k1"}
    )
    assert response.status_code == 303
    shown = html(phone.get(response.headers["Location"]))
    assert "Your answer was recorded." in shown and "Agree" in shown
    # API answers; an objection with its reason.
    assert api_answer(delegate(app, voters[1]), proposal, "stand_aside").json == {
        "answer": "stand_aside",
        "reason": "",
        "revision": 1,
    }
    third = delegate(app, voters[2])
    assert api_answer(third, proposal, "object", "B first").status_code == 200

    console = html(fac.get(f"/console/polls/{poll.id}"))
    assert "Close the consent check" in console and "B first" in console
    assert "3 of 3" in console

    live = html(fac.get(f"/display/{poll.display_token}/live"))
    assert "Consent check — proposal 1" in live
    assert "Perú:</strong> “B first”" in live  # named poll: delegation shown

    response = fac.post(f"/console/proposals/{proposal.id}/close")
    assert response.status_code == 302
    _db.session.refresh(proposal)
    assert proposal.status == "closed" and proposal.outcome == "not_adopted"
    assert "Not adopted" in html(fac.get(f"/display/{poll.display_token}/live"))
    assert "This consent check is closed" in html(
        phone.get(f"/vote/consent/{proposal.id}")
    )

    # Late answer: 409 on the page and the API, nothing stored.
    before = [(a.unit, a.answer, a.revision) for a in answers()]
    late = phone.post(f"/vote/consent/{proposal.id}", data={"answer": "object"})
    assert late.status_code == 400  # no reason given: refused before the status
    late = phone.post(
        f"/vote/consent/{proposal.id}", data={"answer": "object", "reason": "late"}
    )
    assert late.status_code == 409 and "was not recorded" in html(late)
    response = api_answer(third, proposal, "agree")
    assert response.status_code == 409
    assert set(response.json) == {"error", "message"}
    assert [(a.unit, a.answer, a.revision) for a in answers()] == before

    # Amend: swap the first two items, cut after two; propose again.
    page = html(fac.get(f"/console/polls/{poll.id}"))
    assert "Propose again" in page and 'name="position-0"' in page
    response = fac.post(
        f"/console/proposals/{proposal.id}/amend",
        data={"position-0": "2", "position-1": "1", "position-2": "3", "cut": "2"},
    )
    assert response.status_code == 302, html(response)
    second = adoption.latest(poll)
    assert second.number == 2 and second.items == [[ids[1]], [ids[0]], [ids[2]]]
    assert second.cut == 2
    for voter in voters:
        client = delegate(app, voter)
        assert api_answer(client, second, "agree").status_code == 200
    fac.post(f"/console/proposals/{second.id}/close")
    _db.session.refresh(second)
    assert second.outcome == "consensus"
    page = html(fac.get(f"/console/polls/{poll.id}"))
    assert "Adopted by consensus" in page and "Not adopted" in page  # history
    assert "Adopted by consensus" in html(
        fac.get(f"/display/{poll.display_token}/live")
    )


def test_merge_items_and_bad_amendments(fac, room):
    poll, voters, ids = room
    proposal = propose(fac, poll)
    fac.post(f"/console/proposals/{proposal.id}/close")
    url = f"/console/proposals/{proposal.id}/amend"
    bad = [
        {"position-0": "1", "position-1": "1", "position-2": "3", "cut": "1"},
        {"position-0": "1", "position-1": "2", "position-2": "9", "cut": "1"},
        {"position-0": "1", "position-1": "2", "position-2": "3", "cut": "7"},
        {"position-0": "1", "position-1": "2", "position-2": "3", "cut": "x"},
        {
            "position-0": "1",
            "position-1": "2",
            "position-2": "3",
            "merge-0": "y",
            "cut": "1",
        },
    ]
    for data in bad:
        response = fac.post(url, data=data)
        assert response.status_code == 400, data
        assert adoption.latest(poll).number == 1
    response = fac.post(
        url,
        data={
            "position-0": "1",
            "position-1": "2",
            "position-2": "3",
            "merge-1": "y",
            "cut": "1",
        },
    )
    assert response.status_code == 302
    merged = adoption.latest(poll)
    assert merged.items == [[ids[0], ids[1]], [ids[2]]] and merged.cut == 1
    phone = delegate(fac.application, voters[0])
    assert "A + B" in html(phone.get(f"/vote/consent/{merged.id}"))
    # Amending while a check is open: 409, nothing new.
    response = fac.post(
        f"/console/proposals/{proposal.id}/amend",
        data={"position-0": "1", "position-1": "2", "position-2": "3", "cut": "1"},
    )
    assert response.status_code == 409
    assert adoption.latest(poll).number == 2


def test_propose_needs_a_closed_round_and_one_check_at_a_time(fac, room):
    poll, voters, ids = room
    propose(fac, poll)
    response = fac.post(f"/console/rounds/{poll.rounds[0].id}/propose")
    assert response.status_code == 409
    assert "Close the current consent check first." in html(response)
    open_poll = factories.make_poll(poll.workshop)
    response = fac.post(f"/console/rounds/{open_poll.rounds[0].id}/propose")
    assert response.status_code == 409
    assert adoption.latest(open_poll) is None


def test_objection_needs_a_reason_and_bad_input_stores_nothing(app, fac, room):
    poll, voters, ids = room
    proposal = propose(fac, poll)
    phone = delegate(app, voters[0])
    url = f"/vote/consent/{proposal.id}"
    response = phone.post(url, data={"answer": "object", "reason": "  "})
    assert response.status_code == 400
    assert "An objection needs a short reason." in html(response)
    assert phone.post(url, data={"answer": "maybe"}).status_code == 400
    assert (
        phone.post(url, data={"answer": "object", "reason": "x" * 501}).status_code
        == 400
    )
    for body in [{"answer": "object"}, {"answer": 3}, {"reason": "x"}, []]:
        response = phone.post(f"/api/proposals/{proposal.id}/answer", json=body)
        assert response.status_code == 400, body
        assert set(response.json) == {"error", "message"}
    response = api_answer(phone, proposal, "agree", key="k" * 81)
    assert response.status_code == 400
    assert answers() == []


def test_answers_change_in_place_and_idempotency(app, fac, room):
    poll, voters, ids = room
    proposal = propose(fac, poll)
    phone = delegate(app, voters[0])
    assert api_answer(phone, proposal, "agree", key="a").json["revision"] == 1
    replay = api_answer(phone, proposal, "agree", key="a")
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert api_answer(phone, proposal, "stand_aside", key="a").status_code == 422
    changed = api_answer(phone, proposal, "object", "too fast", key="b")
    assert changed.json == {"answer": "object", "reason": "too fast", "revision": 2}
    assert [(a.answer, a.revision) for a in answers()] == [("object", 2)]
    # The plain form's key: a double tap counts once.
    url = f"/vote/consent/{proposal.id}"
    for _ in range(2):
        phone.post(url, data={"answer": "agree", "key": "double"})
    assert [(a.answer, a.revision) for a in answers()] == [("agree", 3)]


def test_qualified_majority_adopts_with_reservations(app, fac, room):
    poll, voters, ids = room
    response = fac.post(
        f"/console/polls/{poll.id}/edit",
        data={
            "question_es": "¿Prioridades?",
            "question_en": "Priorities?",
            "method": poll.method,
            "weighting": "delegate",
            "top_k": "1",
            "allow_unranked": "y",
            "results_visibility": "live",
            "adoption_rule": "qualified",
            "adoption_threshold": "0.6667",
        },
    )
    assert response.status_code == 302, html(response)
    assert poll.adoption_rule == "qualified"
    assert poll.adoption_threshold == pytest.approx(2 / 3, abs=1e-12)
    proposal = propose(fac, poll)
    assert proposal.rule == "qualified"
    phone = delegate(app, voters[0])
    page = html(phone.get(f"/vote/consent/{proposal.id}"))
    assert "at least 67% of the delegates that answer" in page
    api_answer(phone, proposal, "object", "Too fast")
    api_answer(delegate(app, voters[1]), proposal, "agree")
    api_answer(delegate(app, voters[2]), proposal, "stand_aside")
    fac.post(f"/console/proposals/{proposal.id}/close")
    _db.session.refresh(proposal)
    assert proposal.outcome == "reservations"  # 2 of 3 = two thirds
    live = html(fac.get(f"/display/{poll.display_token}/live"))
    assert "Adopted with reservations" in live
    assert "With the reservations of 1 delegation (Argentina)." in live


@pytest.mark.parametrize("threshold", ["0.4", "1.5", "", "two thirds"])
def test_the_qualified_majority_is_between_one_half_and_one(fac, room, threshold):
    poll, voters, ids = room
    response = fac.post(
        f"/console/polls/{poll.id}/edit",
        data={
            "question_es": "¿Prioridades?",
            "method": poll.method,
            "weighting": "delegate",
            "top_k": "1",
            "results_visibility": "live",
            "adoption_rule": "qualified",
            "adoption_threshold": threshold,
        },
    )
    assert response.status_code == 400
    _db.session.refresh(poll)
    assert poll.adoption_rule == "consensus"


def test_an_unknown_rule_is_refused(fac, room):
    poll, voters, ids = room
    response = fac.post(
        f"/console/polls/{poll.id}/edit",
        data={
            "question_es": "¿Prioridades?",
            "method": poll.method,
            "weighting": "delegate",
            "top_k": "1",
            "results_visibility": "live",
            "adoption_rule": "unanimity",
        },
    )
    assert response.status_code == 400
    assert poll.adoption_rule == "consensus"


def test_delegation_mode_one_answer_per_delegation(app, fac, room):
    poll, voters, ids = room
    poll.weighting = "delegation"
    _db.session.commit()
    colleague = factories.make_participant(poll.event, voters[0].delegation)
    proposal = propose(fac, poll)
    assert proposal.by_delegation
    first = delegate(app, voters[0])
    assert "delegations that answer" not in html(
        first.get(f"/vote/consent/{proposal.id}")
    )  # consensus rule: one sentence
    api_answer(first, proposal, "object", "Not yet")
    second = delegate(app, colleague)
    page = html(second.get(f"/vote/consent/{proposal.id}"))
    assert "sent by another delegate of your delegation" in page
    assert api_answer(second, proposal, "agree").json["revision"] == 2
    assert [(a.unit, a.answer) for a in answers()] == [
        (f"d{voters[0].delegation_id}", "agree")
    ]
    summary = adoption.summarize(proposal)
    assert (summary.answered, summary.eligible_units) == (1, 3)


def test_the_csrf_token_is_required(app, fac, room):
    poll, voters, ids = room
    proposal = propose(fac, poll)
    app.config["WTF_CSRF_ENABLED"] = True
    phone = delegate(app, voters[0])
    assert api_answer(phone, proposal, "agree").status_code == 400
    assert (
        phone.post(f"/vote/consent/{proposal.id}", data={"answer": "agree"}).status_code
        == 400
    )
    assert answers() == []
    page = html(phone.get(f"/vote/consent/{proposal.id}"))
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
    assert api_answer(phone, proposal, "agree", token=token).status_code == 200
    # The console's buttons too.
    response = fac.post(f"/console/proposals/{proposal.id}/close")
    assert response.status_code == 400 and proposal.status == "open"


def test_a_secret_poll_shows_reasons_without_delegations(app, fac, room):
    poll, voters, ids = room
    poll.secret = True
    _db.session.commit()
    proposal = propose(fac, poll)
    api_answer(delegate(app, voters[2]), proposal, "object", "B first")
    live = html(fac.get(f"/display/{poll.display_token}/live"))
    assert "“B first”" in live
    panel = live[live.index('id="consent-panel"') : live.index("</section>")]
    assert not any(name in panel for name in ("Argentina", "Chile", "Perú"))
    assert "Answers by delegation" not in panel


# --- permissions ------------------------------------------------------------------


def test_permissions(app, fac, room):
    poll, voters, ids = room
    proposal = propose(fac, poll)
    other = app.test_client()
    factories.login(other, factories.make_account(role="facilitator"))
    for url in [
        f"/console/rounds/{poll.rounds[0].id}/propose",
        f"/console/proposals/{proposal.id}/close",
        f"/console/proposals/{proposal.id}/amend",
    ]:
        assert other.post(url).status_code == 403
        response = app.test_client().post(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert proposal.status == "open"
    assert fac.post("/console/proposals/999/close").status_code == 404
    # A delegate of another event.
    stranger = factories.make_participant(factories.make_event())
    phone = delegate(app, stranger)
    assert phone.get(f"/vote/consent/{proposal.id}").status_code == 403
    assert (
        phone.post(f"/vote/consent/{proposal.id}", data={"answer": "agree"}).status_code
        == 403
    )
    assert api_answer(phone, proposal, "agree").status_code == 403
    assert phone.get("/vote/consent/999").status_code == 404
    assert api_answer(phone, Proposal(id=999), "agree").status_code == 404
    # No session at all.
    anonymous = app.test_client()
    assert anonymous.get(f"/vote/consent/{proposal.id}").status_code == 401
    assert api_answer(anonymous, proposal, "agree").status_code == 401
    assert answers() == []


def test_plenary_consolidation_is_proposed_and_shown(app, fac, room):
    poll, voters, ids = room
    options = [
        Option(key=o.key, position=o.position, title=dict(o.title))
        for o in poll.options
    ]
    plenary = Poll(
        event=poll.event,
        question={"en": "Plenary", "es": "Plenario"},
        secret=False,
        options=options,
        rounds=[Round(number=1, status=RoundStatus.DRAFT)],
    )
    _db.session.add(plenary)
    _db.session.commit()
    page = html(fac.get(f"/console/polls/{plenary.id}"))
    assert "consolidated list" in page
    response = fac.post(f"/console/polls/{plenary.id}/propose")
    assert response.status_code == 302, html(response)
    proposal = adoption.latest(plenary)
    assert proposal.round_id is None
    assert fac.post(f"/console/polls/{poll.id}/propose").status_code == 404
    live = html(fac.get(f"/display/{plenary.display_token}/plenary?fragment=1"))
    assert "Consent check — proposal 1" in live
    phone = delegate(app, voters[0])
    assert f"/vote/consent/{proposal.id}" in html(phone.get("/vote"))
