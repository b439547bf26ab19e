"""Scenes 3 and 4 in the browser: the facilitator opens a round from the
console, a delegate votes on a phone, the projector follows without reload;
the round closes, a late ballot is refused, round 2 shows the comparison."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import PHONE
from voting import ballots
from voting.extensions import db
from voting.models import Participant, Poll

pytestmark = pytest.mark.e2e


def plenary_setup(live_app):
    """A facilitator of workshop 1 (who runs the event's plenary poll), and
    personal links for three delegates of different delegations."""
    with live_app.app_context():
        plenary = db.session.scalar(sa.select(Poll).filter_by(workshop_id=None))
        # A named poll: the projector follows every ballot (a secret one only
        # publishes in batches, see tests/app/test_secrecy.py).
        plenary.secret = False
        account = factories.make_account(role="facilitator")
        plenary.event.workshops[0].facilitators.append(account)
        voters, seen = [], set()
        for participant in db.session.scalars(
            sa.select(Participant).order_by(Participant.id)
        ):
            if participant.delegation_id not in seen:
                seen.add(participant.delegation_id)
                voters.append(participant)
        voters = voters[:4]
        found = {
            "poll_id": plenary.id,
            "email": account.email,
            "links": [voter.issue_token() for voter in voters],
            "voter_ids": [voter.id for voter in voters],
            "option_ids": [o.id for o in plenary.options],
        }
        db.session.commit()
        db.session.remove()
    return found


def cast_directly(live_app, participant_id, round_number, ranking_ids):
    """A ballot through the service (the other delegates of the room)."""
    with live_app.app_context():
        participant = db.session.get(Participant, participant_id)
        plenary = db.session.scalar(sa.select(Poll).filter_by(workshop_id=None))
        round_ = plenary.rounds[round_number - 1]
        ballots.cast(participant, round_.id, [[o] for o in ranking_ids])
        db.session.remove()


def test_console_phone_and_projector(live_app, live_server, browser, shot):
    setup = plenary_setup(live_app)
    url = live_server.url

    console_ctx = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    console = console_ctx.new_page()
    sign_in(console, url, setup["email"])
    console.goto(f"{url}/console/polls/{setup['poll_id']}")
    console.get_by_role("link", name="Open round", exact=True).click()
    console.get_by_role("button", name="Open round 1", exact=True).click()
    expect(console.locator("body")).to_contain_text("The round is open.")
    display_url = console.locator("code.link").inner_text()
    shot(console, "console-poll-1280x800")

    screen_ctx = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-US"
    )
    screen = screen_ctx.new_page()
    screen.goto(display_url)
    expect(screen.locator("#live")).to_contain_text("0 of 38 ballots")
    assert screen.locator(".join .code").inner_text().strip()

    phone_ctx = browser.new_context(**PHONE)
    phone = phone_ctx.new_page()
    phone.goto(f"{url}/j/{setup['links'][0]}")
    phone.locator('label.choice:has(input[value="es"])').tap()
    phone.locator("form.stack button[type=submit]").tap()
    phone.wait_for_url(re.compile(r"/vote(/\d+)?$"))
    phone.goto(f"{url}/vote/{setup['poll_id']}")
    for _ in range(5):
        phone.locator("#pool .pick").first.tap()
    expect(phone.locator("#ranked .badge")).to_have_count(5)
    phone.locator("#send").tap()
    phone.wait_for_url(re.compile(r"/vote/receipt/\d+$"))

    started = time.monotonic()
    expect(screen.locator("#live")).to_contain_text("1 of 38 ballots", timeout=3000)
    lag = time.monotonic() - started
    assert lag < 3
    for participant_id in setup["voter_ids"][1:]:
        cast_directly(live_app, participant_id, 1, setup["option_ids"])
    expect(screen.locator("#live")).to_contain_text("4 of 38 ballots", timeout=3000)
    expect(screen.locator("#live")).to_contain_text("Current ranking")
    shot(screen, "display-open-1920x1080")

    # What the phone's page would send later: its CSRF token and its round.
    csrf = phone.locator("meta[name=csrf-token]").get_attribute("content")
    ballot_url = f"{live_server.url}/api/rounds/{phone.url.rsplit('/', 1)[1]}/ballot"
    console.reload()
    console.get_by_role("link", name="Close round", exact=True).click()
    console.get_by_role("button", name="Close round 1", exact=True).click()
    expect(console.locator("body")).to_contain_text("The round is closed.")
    expect(screen.locator("#live")).to_contain_text("Round 1 — closed", timeout=3000)
    expect(screen.locator("#live")).to_contain_text("Kendall")
    shot(screen, "display-closed-1920x1080")

    # A ballot from a page left open after the close is refused. (Sent with
    # the phone's cookies and token, not from its page: the page follows the
    # room and may be reloading itself right now.)
    late = phone.context.request.post(
        ballot_url,
        data={"ranking": [[setup["option_ids"][0]]]},
        headers={"X-CSRFToken": csrf},
    )
    assert late.status == 409

    console.get_by_role("link", name="Open round 2", exact=True).click()
    console.get_by_role("button", name="Open round 2", exact=True).click()
    expect(console.locator("body")).to_contain_text("The next round is open")
    reversed_ids = list(reversed(setup["option_ids"]))
    for participant_id in setup["voter_ids"]:
        cast_directly(live_app, participant_id, 2, reversed_ids)
    console.reload()
    console.get_by_role("link", name="Close round", exact=True).click()
    console.get_by_role("button", name="Close round 2", exact=True).click()
    expect(screen.locator("#live")).to_contain_text("Round 2 — closed", timeout=3000)
    expect(screen.locator("#live")).to_contain_text("Change since the previous round")
    assert screen.locator(".change.up").count() >= 1
    shot(screen, "display-round2-1920x1080")
    for context in (console_ctx, screen_ctx, phone_ctx):
        context.close()


def test_a_secret_projector_moves_only_in_batches(live_app, live_server, browser, shot):
    """Watching the live tally of a secret round: one ballot changes nothing
    on the screen (not even the turnout chips); a batch of three does."""
    setup = plenary_setup(live_app)
    with live_app.app_context():
        plenary = db.session.get(Poll, setup["poll_id"])
        plenary.secret, plenary.results_visibility = True, "live"
        plenary.publish_every = 3
        plenary.rounds[0].status = "open"
        token = plenary.display_token
        db.session.commit()
        db.session.remove()
    screen_ctx = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-US"
    )
    screen = screen_ctx.new_page()
    screen.goto(f"{live_server.url}/display/{token}")
    live = screen.locator("#live")
    expect(live).to_contain_text("0 of 38 ballots")
    expect(live).to_contain_text("results update every 3 ballots")
    cast_directly(live_app, setup["voter_ids"][0], 1, setup["option_ids"])
    # Two refreshes of the projector, and some.
    screen.wait_for_timeout(2 * live_app.config["DISPLAY_POLL_MS"] + 500)
    expect(live).to_contain_text("0 of 38 ballots")
    expect(live.locator(".delegations .voted")).to_have_count(0)
    for participant_id in setup["voter_ids"][1:3]:
        cast_directly(live_app, participant_id, 1, setup["option_ids"])
    expect(live).to_contain_text("3 of 38 ballots", timeout=5000)
    expect(live).to_contain_text("Current ranking")
    shot(screen, "display-secret-batch-1920x1080")
    screen_ctx.close()
