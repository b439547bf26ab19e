"""The console follows the room without reload (issue 14, defect 7).

Ballot counts stayed 5/6 after the sixth ballot until a reload; consent
counts needed a button; once the consent check closed, the objection reasons
disappeared from the console, just when the facilitator amends.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e import conftest
from voting import adoption, ballots, rounds
from voting.extensions import db
from voting.models import Participant, Poll, Workshop

pytestmark = pytest.mark.e2e


def small_room(live_app):
    """A workshop poll with round 1 open and five ballots cast."""
    with live_app.app_context():
        workshop = db.session.scalars(sa.select(Workshop).order_by(Workshop.id)).first()
        poll = db.session.scalar(sa.select(Poll).filter_by(workshop_id=workshop.id))
        poll.secret = False
        account = factories.make_account(role="facilitator")
        workshop.facilitators.append(account)
        voters = db.session.scalars(
            sa.select(Participant)
            .where(Participant.eligible_for(poll))
            .order_by(Participant.id)
        ).all()
        db.session.commit()
        option_ids = [o.id for o in poll.options]
        round_ = poll.rounds[0]
        if round_.status == "draft":
            rounds.open_round(round_.id, "test")
        for voter in voters[:5]:
            ballots.cast(voter, round_.id, [[o] for o in option_ids])
        found = {
            "poll_id": poll.id,
            "round_id": round_.id,
            "email": account.email,
            "voter_ids": [v.id for v in voters[:6]],
            "eligible": len(voters),
            "option_ids": option_ids,
        }
        db.session.remove()
    return found


def sign_in(browser, url, email, **context):
    ctx = browser.new_context(locale="en-US", **context)
    page = ctx.new_page()
    conftest.sign_in(page, url, email)
    return page


def test_console_counts_and_consent_follow_the_room_without_reload(
    live_app, live_server, browser, shot
):
    room = small_room(live_app)
    console = sign_in(
        browser,
        live_server.url,
        room["email"],
        viewport={"width": 1280, "height": 800},
    )
    console.goto(f"{live_server.url}/console/polls/{room['poll_id']}")
    rounds_card = console.locator("[data-live=rounds]")
    expect(rounds_card).to_contain_text(f"5 / {room['eligible']}")
    console.evaluate("window.notReloaded = true")

    with live_app.app_context():
        sixth = db.session.get(Participant, room["voter_ids"][5])
        ballots.cast(sixth, room["round_id"], [[o] for o in room["option_ids"]])
        db.session.remove()
    expect(rounds_card).to_contain_text(f"6 / {room['eligible']}", timeout=3000)
    assert console.evaluate("window.notReloaded") is True
    shot(console, "console-live-six-ballots-1280x800")

    # Close the round and open a consent check from the console.
    console.get_by_role("link", name="Close round", exact=True).click()
    console.get_by_role("button", name="Close round 1", exact=True).click()
    expect(console.locator("body")).to_contain_text("The round is closed.")
    console.get_by_role("button", name=re.compile("Propose round 1")).click()
    consent = console.locator("[data-live=consent]")
    expect(consent).to_contain_text("open")
    console.evaluate("window.notReloaded = true")
    with live_app.app_context():
        proposal = adoption.latest(db.session.get(Poll, room["poll_id"]))
        first, second = (db.session.get(Participant, i) for i in room["voter_ids"][:2])
        adoption.answer(first, proposal.id, "agree")
        adoption.answer(second, proposal.id, "object", "Training first, please")
        db.session.remove()
    expect(consent.locator(".answered")).to_contain_text("2 of", timeout=3000)
    expect(consent).to_contain_text("Training first, please")
    assert console.evaluate("window.notReloaded") is True
    shot(console, "console-live-consent-1280x800")

    console.get_by_role("link", name="Close the consent check").click()
    console.get_by_role("button", name="Close the consent check").click()
    consent = console.locator("[data-live=consent]")
    expect(consent.locator("form.amend")).to_be_visible()
    # The reasons stay in view while the facilitator amends.
    expect(consent.locator(".objections")).to_contain_text("Training first, please")
    shot(console, "console-amend-with-objections-1280x800")


def test_lobby_shows_a_walk_in_without_reload(live_app, live_server, browser, shot):
    room = small_room(live_app)
    with live_app.app_context():
        event_id = db.session.get(Poll, room["poll_id"]).event_id
        db.session.remove()
    console = sign_in(
        browser,
        live_server.url,
        room["email"],
        viewport={"width": 1280, "height": 800},
    )
    console.goto(f"{live_server.url}/console/events/{event_id}/lobby")
    console.evaluate("window.notReloaded = true")
    with live_app.app_context():
        workshop = db.session.scalars(sa.select(Workshop).order_by(Workshop.id)).first()
        db.session.add(
            Participant(
                event_id=event_id,
                workshop_id=workshop.id,
                name="Walk-in Zoë",
                walk_in=True,
            )
        )
        db.session.commit()
        db.session.remove()
    expect(console.locator("[data-live=lobby]")).to_contain_text(
        "Walk-in Zoë", timeout=3000
    )
    assert console.evaluate("window.notReloaded") is True
    shot(console, "console-lobby-live-1280x800")
