"""The round and adoption life cycle through the console: confirmations,
undo (delete an empty round, reopen a closed one), which round a plenary
pools, the adoption lock, ties carried into proposals."""

import re

import pytest
import sqlalchemy as sa

from voting import adoption, ballots
from voting.extensions import db
from voting.models import Participant, Poll, RoundStatus


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
