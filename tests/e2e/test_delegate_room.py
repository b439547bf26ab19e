"""The delegate's phone follows the room (issue 14: "delegates follow the room").

A round closing or opening shows on the phone without a manual reload; round 2
starts from the delegate's round-1 ranking, marked as such; equal ranks are
numbered 1=, 1=, 3 as in the results; ▲/▼ keep the keyboard on the moved
option; at 200 % zoom on a 360-px phone the language buttons are not cut off.
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.test_delegate import PHONE, choose_spanish, personal_link
from voting import rounds
from voting.extensions import db
from voting.models import Poll

pytestmark = pytest.mark.e2e


def poll_of(page) -> int:
    return int(re.search(r"/vote/(\d+)$", page.url).group(1))


def with_poll(live_app, poll_id, change):
    with live_app.app_context():
        poll = db.session.get(Poll, poll_id)
        result = change(poll)
        db.session.commit()
        db.session.remove()
    return result


def ranked_titles(page):
    return page.locator("#ranked li.opt .t").all_inner_texts()


def test_the_phone_follows_the_rounds_and_round_two_starts_from_round_one(
    live_app, live_server, browser, shot
):
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    poll_id = poll_of(phone)
    for _ in range(3):
        phone.locator("#pool .pick").nth(1).tap()
    mine = ranked_titles(phone)
    assert len(mine) == 3
    phone.locator("#send").tap()
    phone.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    phone.goto(f"{live_server.url}/vote/{poll_id}")
    expect(phone.locator("#ballot")).to_be_visible()

    round_1 = with_poll(live_app, poll_id, lambda poll: poll.rounds[-1].id)
    with live_app.app_context():
        rounds.close_round(round_1, "test")
        db.session.remove()
    # No reload by the test: the page notices the close by itself.
    expect(phone.locator(".flash-closed")).to_be_visible(timeout=12000)
    shot(phone, "delegate-round-closed-followed-360x740")

    with live_app.app_context():
        rounds.next_round(round_1, "test")
        db.session.remove()
    expect(phone.locator("#carried")).to_be_visible(timeout=12000)
    expect(phone.locator("#carried")).to_contain_text("1")
    assert ranked_titles(phone) == mine
    shot(phone, "delegate-round-two-carried-360x740")


def test_ties_are_numbered_as_in_the_results_and_arrows_keep_the_focus(
    live_app, live_server, browser, shot
):
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    poll_id = poll_of(phone)

    def allow_ties(poll):
        poll.allow_ties = True

    with_poll(live_app, poll_id, allow_ties)
    phone.reload()
    for _ in range(3):
        phone.locator("#pool .pick").first.tap()
    # Keyboard: ▲ on the third option twice takes it to the top; the focus
    # stays on that option (its ▲ is disabled at the top).
    third = phone.locator("#ranked li.opt").nth(2)
    title = third.locator(".t").inner_text()
    third.locator('[data-step="-1"]').focus()
    for _ in range(2):
        phone.keyboard.press("Enter")
    assert ranked_titles(phone)[0] == title
    focused_title = phone.evaluate(
        "document.activeElement.closest('li.opt')"
        " && document.activeElement.closest('li.opt').querySelector('.t').textContent"
    )
    assert focused_title == title

    second = phone.locator("#ranked li.opt").nth(1)
    second.locator(".tie").tap()
    badges = phone.locator("#ranked li.opt .badge").all_inner_texts()
    assert badges == ["1=", "1=", "3"]
    shot(phone, "delegate-ties-numbered-360x740")


def test_language_buttons_fit_at_200_percent_zoom(live_app, live_server, browser, shot):
    # 200 % zoom on a 360-px phone: a 180-CSS-pixel-wide layout viewport.
    zoomed = {
        **PHONE,
        "viewport": {"width": 180, "height": 370},
        "device_scale_factor": 4,
    }
    phone = browser.new_context(**zoomed).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    for code in ("ES", "EN", "PT", "FR"):
        box = phone.locator(f".langs button:text-is('{code}')").bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 180, (code, box)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 180
    shot(phone, "delegate-zoom-200-360x740")


def test_no_poll_open_then_the_round_opens(live_app, live_server, browser):
    """A delegate waiting on "no poll is open" gets the ballot when it opens."""
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    poll_id = poll_of(phone)

    def back_to_draft(poll):
        poll.rounds[-1].status = "draft"

    with_poll(live_app, poll_id, back_to_draft)
    phone.goto(f"{live_server.url}/vote")
    expect(phone.locator("#ballot")).to_have_count(0)
    with live_app.app_context():
        round_id = (
            db.session.scalar(sa.select(Poll).filter_by(id=poll_id)).rounds[-1].id
        )
        rounds.open_round(round_id, "test")
        db.session.remove()
    expect(phone.locator("#ballot")).to_be_visible(timeout=12000)


def test_a_poll_after_the_session_ended_leaves_the_cookie_alone(
    live_app, live_server, browser
):
    """The page's poll of /vote/state, once the session is gone, gets a JSON
    401 with no cookie: an HTML error page set a new session (its form token),
    which could land after a link opened meanwhile and sign the phone out."""
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    expect(phone.locator('meta[name="room-state"]')).to_have_count(1)
    phone.context.clear_cookies()
    # A poll sent before the cookies went may still come back 304: wait for
    # the first answer that is not.
    with phone.expect_response(
        lambda r: "/vote/state" in r.url and r.status != 304
    ) as answer:
        pass
    response = answer.value
    assert response.status == 401
    assert "application/json" in response.request.headers["accept"]
    assert "set-cookie" not in response.all_headers()
    assert phone.context.cookies() == []


def test_a_consent_check_opening_and_closing_shows_on_the_phone(
    live_app, live_server, browser, shot
):
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(personal_link(live_app, live_server))
    choose_spanish(phone)
    poll_id = poll_of(phone)
    # A named poll: a secret one with a single ballot cannot be proposed.
    with_poll(live_app, poll_id, lambda poll: setattr(poll, "secret", False))
    phone.locator("#pool .pick").first.tap()
    phone.locator("#send").tap()
    phone.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    round_id = with_poll(live_app, poll_id, lambda poll: poll.rounds[-1].id)
    with live_app.app_context():
        rounds.close_round(round_id, "test")
        db.session.remove()
    phone.goto(f"{live_server.url}/vote")
    expect(phone.locator(".check-link")).to_have_count(0)
    with live_app.app_context():
        from voting import adoption
        from voting.models import Round

        proposal = adoption.propose(db.session.get(Round, round_id), "test")
        proposal_id = proposal.id
        db.session.remove()
    expect(phone.locator(".check-link")).to_be_visible(timeout=12000)
    shot(phone, "delegate-consent-opened-followed-360x740")
    phone.locator(".check-link").tap()
    phone.wait_for_url(re.compile(r"/vote/consent/\d+$"))
    expect(phone.locator("input[type=radio]").first).to_be_visible()
    with live_app.app_context():
        from voting import adoption

        adoption.close(proposal_id, "test")
        db.session.remove()
    # The open form gives way to the closed check without a manual reload.
    expect(phone.locator(".flash-closed")).to_be_visible(timeout=12000)
    expect(phone.locator("input[type=radio]")).to_have_count(0)
