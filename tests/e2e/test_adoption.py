"""Adoption in the browser: three phones answer, the projector follows, the
facilitator closes, amends and proposes again until the list is adopted."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import PHONE, check_axe, fits_the_phone
from voting import ballots, rounds
from voting.extensions import db
from voting.models import Participant, Poll, Proposal

pytestmark = pytest.mark.e2e

REASON = "La interoperabilidad debe ir primero"


def closed_round(live_app):
    """Workshop 1's poll with three ballots from three delegations, closed;
    a facilitator account for that workshop. Returns what the test needs."""
    with live_app.app_context():
        poll = db.session.scalars(
            sa.select(Poll).where(Poll.workshop_id.is_not(None)).order_by(Poll.id)
        ).first()
        voters, seen = [], set()
        for participant in db.session.scalars(
            sa.select(Participant)
            .filter_by(workshop_id=poll.workshop_id)
            .order_by(Participant.id)
        ):
            if participant.delegation_id not in seen:
                seen.add(participant.delegation_id)
                voters.append(participant)
            if len(voters) == 3:
                break
        poll.secret = False  # named: the projector shows who objects
        ids = [o.id for o in poll.options]
        for i, voter in enumerate(voters):
            order = ids if i != 2 else [ids[1], ids[0], *ids[2:]]
            ballots.cast(voter, poll.rounds[0].id, [[o] for o in order])
        rounds.close_round(poll.rounds[0].id, "test")
        account = factories.make_account(role="facilitator")
        poll.workshop.facilitators.append(account)
        links = [voter.issue_token() for voter in voters]
        db.session.commit()
        found = {
            "poll_id": poll.id,
            "token": poll.display_token,
            "email": account.email,
            "links": links,
        }
        db.session.remove()
    return found


def proposals(live_app):
    with live_app.app_context():
        rows = db.session.execute(
            sa.select(Proposal.number, Proposal.status, Proposal.outcome).order_by(
                Proposal.number
            )
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def open_phone(browser, live_server, token):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/j/{token}")
    page.locator('label.choice:has(input[value="es"])').tap()
    page.locator("form.stack button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/vote$"))
    return context, page


def answer(page, value, reason=""):
    """Open the first consent check on /vote and answer it with the plain form."""
    page.goto(page.url.split("/vote")[0] + "/vote")
    page.locator("a.check-link").first.tap()
    page.wait_for_url(re.compile(r"/vote/consent/\d+$"))
    page.locator(f'label.choice:has(input[value="{value}"])').tap()
    if reason:
        page.locator("#reason").fill(reason)
    page.locator("form.consent button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/vote/consent/\d+$"))
    expect(page.locator(".flash[role=status]").first).to_be_visible()


def follows_the_room(page, base):
    """Wait until the phone's page shows the room's current state: it reloads
    by itself after a change, and acting on it meanwhile could collide."""
    tag = page.context.request.get(f"{base}/vote/state").headers["etag"]
    tag = tag.removeprefix("W/").strip('"')
    meta = page.locator('meta[name="room-state"]')
    expect(meta).to_have_attribute("data-etag", tag, timeout=15000)


def test_three_phones_object_amend_and_adopt(browser, live_app, live_server, shot):
    setup = closed_round(live_app)
    base = live_server.url

    # The facilitator signs in with the console's form and proposes the list.
    console_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    console = console_context.new_page()
    sign_in(console, base, setup["email"])
    poll_url = f"{base}/console/polls/{setup['poll_id']}"
    console.goto(poll_url)
    console.get_by_role("button", name=re.compile("Propose round 1")).click()
    expect(console.locator("#consent")).to_contain_text("Proposal 1 — open")
    assert proposals(live_app) == [(1, "open", None)]

    # The projector, in its own context at 1920×1080.
    display_context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="es-ES"
    )
    display = display_context.new_page()
    display.goto(f"{base}/display/{setup['token']}")
    expect(display.locator("#consent-panel")).to_be_visible()

    phones = [open_phone(browser, live_server, t) for t in setup["links"]]
    try:
        first, second, third = (page for _context, page in phones)
        # /vote lists the open consent check first, without jumping to a ballot.
        expect(first.locator("a.check-link")).to_have_count(1)
        first.locator("a.check-link").tap()
        first.wait_for_url(re.compile(r"/vote/consent/\d+$"))
        fits_the_phone(first)
        check_axe(first)
        shot(first, "adoption-phone-question")

        answer(first, "agree")
        answer(second, "stand_aside")
        answer(third, "object", REASON)
        sent = time.monotonic()
        fits_the_phone(third)
        shot(third, "adoption-phone-answered")
        expect(display.locator("#consent-objections")).to_contain_text(
            REASON, timeout=3000
        )
        assert time.monotonic() - sent < 3.5
        objector = display.locator("#consent-objections li").first
        expect(objector.locator("strong")).not_to_be_empty()
        expect(display.locator("#consent-answered")).to_contain_text("3 ")
        shot(display, "adoption-display-objection")

        # Closed: not adopted (consensus rule), late answers are refused.
        console.goto(poll_url)
        expect(console.locator(".consent-counts .count-object")).to_have_text("1")
        console.get_by_role("link", name="Close the consent check").click()
        console.get_by_role("button", name="Close the consent check").click()
        expect(console.locator("#consent .outcome")).to_contain_text("Not adopted")
        expect(display.locator("#consent-outcome.outcome-not_adopted")).to_be_visible(
            timeout=3000
        )
        shot(display, "adoption-display-not-adopted")
        # The phone follows the room: it reloads by itself once the check closed.
        follows_the_room(first, base)
        expect(first.locator("form.consent")).to_have_count(0)

        # Amend: swap the first two items, propose again.
        console.locator("#position-0").fill("2")
        console.locator("#position-1").fill("1")
        shot(console, "adoption-console-amend")
        console.get_by_role("button", name="Propose again").click()
        expect(console.locator("#consent")).to_contain_text("Proposal 2 — open")
        for page in (first, second, third):
            follows_the_room(page, base)
            answer(page, "agree")
        expect(display.locator("#consent-answered")).to_contain_text("3 ", timeout=3000)
        console.goto(poll_url)
        console.get_by_role("link", name="Close the consent check").click()
        console.get_by_role("button", name="Close the consent check").click()
        expect(console.locator("#consent .outcome")).to_contain_text(
            "Adopted by consensus"
        )
        shot(console, "adoption-console-history")
        expect(display.locator("#consent-outcome.outcome-consensus")).to_be_visible(
            timeout=3000
        )
        shot(display, "adoption-display-adopted")
    finally:
        for context, _page in phones:
            context.close()
        display_context.close()
        console_context.close()
    assert proposals(live_app) == [
        (1, "closed", "not_adopted"),
        (2, "closed", "consensus"),
    ]
