"""The round and adoption life cycle in the browser, on a laptop and a phone:
every control asks on a confirm page (no JavaScript needed), an empty extra
round is deleted with a reason, a tie stays a tie in the proposal, the
adopted list is locked and re-opened with a reason."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import PHONE, check_axe
from voting import adoption, ballots
from voting.extensions import db
from voting.models import Participant, Poll, RoundStatus, Weighting

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"}


def setup_poll(live_app):
    """Workshop 1's poll (named, its round back to draft), a facilitator,
    its delegates."""
    with live_app.app_context():
        poll = db.session.scalars(
            sa.select(Poll).where(Poll.workshop_id.is_not(None)).order_by(Poll.id)
        ).first()
        poll.secret = False
        poll.weighting = Weighting.DELEGATE  # every ballot weighs 1: a clean tie
        poll.rounds[0].status, poll.rounds[0].opened_at = RoundStatus.DRAFT, None
        account = factories.make_account(role="facilitator")
        poll.workshop.facilitators.append(account)
        voters = db.session.scalars(
            sa.select(Participant)
            .filter_by(workshop_id=poll.workshop_id)
            .order_by(Participant.id)
        ).all()
        found = {
            "poll_id": poll.id,
            "email": account.email,
            "voters": [v.id for v in voters][: len(voters) // 2 * 2],
            "options": [o.id for o in poll.options],
        }
        db.session.commit()
        db.session.remove()
    return found


def vote_tied(live_app, poll_id, voter_ids, options):
    """Half the delegates put options 2 then 3, half 3 then 2: a tie."""
    with live_app.app_context():
        poll = db.session.get(Poll, poll_id)
        a, b, c, *rest = options
        for i, pid in enumerate(voter_ids):
            middle = [b, c] if i % 2 else [c, b]
            ranking = [[o] for o in [a, *middle, *rest]]
            ballots.cast(db.session.get(Participant, pid), poll.rounds[-1].id, ranking)
        db.session.remove()


def agree_all(live_app, poll_id, voter_ids):
    with live_app.app_context():
        poll = db.session.get(Poll, poll_id)
        proposal = adoption.latest(poll)
        for pid in voter_ids:
            adoption.answer(db.session.get(Participant, pid), proposal.id, "agree")
        db.session.remove()


def fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"horizontal scroll: {scroll}px at {width}px"


def test_the_life_cycle_on_a_laptop_and_a_phone(live_app, live_server, browser, shot):
    setup = setup_poll(live_app)
    url = live_server.url
    poll_url = f"{url}/console/polls/{setup['poll_id']}"
    laptop_ctx = browser.new_context(**LAPTOP)
    phone_ctx = browser.new_context(**{**PHONE, "locale": "en-US"})
    pages = []
    for ctx in (laptop_ctx, phone_ctx):
        page = ctx.new_page()
        sign_in(page, url, setup["email"])
        pages.append(page)
    laptop, phone = pages

    def both(path, name):
        for page, size, width in ((laptop, "1280x800", 1280), (phone, "360x740", 360)):
            page.goto(path)
            fits(page, width)
            shot(page, f"lifecycle-{name}-{size}")

    # Open: the button leads to a confirm page, which works without script.
    laptop.goto(poll_url)
    laptop.get_by_role("link", name="Open round", exact=True).click()
    expect(laptop.locator("h1")).to_have_text("Open round 1?")
    check_axe(laptop)
    both(laptop.url, "confirm-open")
    laptop.get_by_role("button", name="Open round 1").click()
    expect(laptop.locator("body")).to_contain_text("The round is open.")

    # Rewording while delegates vote: a warning, and a box to tick.
    with live_app.app_context():
        option_id = setup["options"][0]
    both(f"{url}/console/options/{option_id}/edit", "reword-warning")
    expect(phone.locator("body")).to_contain_text("A round is open")

    # Close (a tie between options 2 and 3), then propose with the tie kept.
    vote_tied(live_app, setup["poll_id"], setup["voters"], setup["options"])
    laptop.goto(poll_url)
    laptop.get_by_role("link", name="Close round", exact=True).click()
    both(laptop.url, "confirm-close")
    laptop.get_by_role("button", name="Close round 1").click()
    expect(laptop.locator("#consent")).to_contain_text("The result has 1 tie.")
    both(poll_url + "#consent", "propose-with-tie")
    laptop.get_by_role("button", name="Propose round 1").click()
    expect(laptop.locator("#consent .proposal-list")).to_contain_text("2= ")
    both(poll_url + "#consent", "proposal-tie-kept")

    # Close the consent check (confirm page), adopted: the list is locked.
    agree_all(live_app, setup["poll_id"], setup["voters"])
    laptop.get_by_role("link", name="Close the consent check").click()
    both(laptop.url, "confirm-close-consent")
    laptop.get_by_role("button", name="Close the consent check").click()
    expect(laptop.locator("#consent")).to_contain_text("The adopted list is locked")
    expect(laptop.get_by_role("button", name="Propose again")).to_have_count(0)
    both(poll_url, "adopted-locked")

    # The accidental extra round: opened, closed empty, deleted with a reason.
    laptop.goto(poll_url)
    laptop.get_by_role("link", name="Open round 2").click()
    laptop.get_by_role("button", name="Open round 2").click()
    laptop.get_by_role("link", name="Close round", exact=True).click()
    expect(laptop.locator(".confirm")).to_contain_text("Nobody has voted yet.")
    laptop.get_by_role("button", name="Close round 2").click()
    laptop.get_by_role("link", name="Delete", exact=True).click()
    both(laptop.url, "confirm-delete-round")
    laptop.fill("#reason", "Opened by mistake")
    laptop.get_by_role("button", name="Delete round 2").click()
    expect(laptop.locator("body")).to_contain_text("The round is deleted.")
    expect(laptop.locator("body")).to_contain_text("adopted")

    # Re-open the adoption: the reason is required (the browser asks first).
    laptop.get_by_role("link", name="Re-open the adoption").click()
    both(laptop.url, "confirm-reopen-adoption")
    laptop.fill("#reason", "Amendment from the floor")
    laptop.get_by_role("button", name="Re-open the adoption").click()
    expect(laptop.locator("#consent")).to_contain_text("Propose again")

    # The qualified majority is chosen as a fraction.
    both(f"{poll_url}/edit", "poll-settings-threshold")
    expect(laptop.locator("#adoption_threshold")).to_contain_text("Two thirds — 67%")
    laptop_ctx.close()
    phone_ctx.close()
