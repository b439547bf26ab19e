"""Badges in the browser: the page, then the PDF of the same people, and the
page's links still open on a phone; reissuing asks first. Sign-in lands on
the console, whose header links to it."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import PHONE
from voting.extensions import db
from voting.models import Participant, Workshop

pytestmark = pytest.mark.e2e


def facilitator(live_app):
    with live_app.app_context():
        workshop = db.session.scalars(sa.select(Workshop).order_by(Workshop.id)).first()
        account = factories.make_account(role="facilitator")
        workshop.facilitators.append(account)
        ids = db.session.scalars(
            sa.select(Participant.id)
            .filter_by(workshop_id=workshop.id)
            .order_by(Participant.id)
            .limit(2)
        ).all()
        found = (account.email, workshop.event_id, ids)
        db.session.commit()
        db.session.remove()
    return found


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 360, "height": 740}]
)
def test_badges_twice_keep_their_links_and_reissue_asks(
    live_app, live_server, browser, shot, viewport
):
    email, event_id, ids = facilitator(live_app)
    size = f"{viewport['width']}x{viewport['height']}"
    page = browser.new_context(viewport=viewport, locale="en-US").new_page()
    sign_in(page, live_server.url, email)
    page.wait_for_url(re.compile(r"/console/$"))  # the facilitator's home
    expect(page.locator("header.top nav.homes a")).to_have_text("Console")
    shot(page, f"console-home-after-sign-in-{size}")

    participants = f"{live_server.url}/console/events/{event_id}/participants"
    page.goto(participants)
    for person in ids:
        page.check(f"#p{person}")
    shot(page, f"console-participants-badges-{size}")
    page.get_by_role("button", name="Print badges").click()
    page.wait_for_url(re.compile(r"/badges$"))
    links = re.findall(r"http://[^\s<]+/j/[A-Za-z0-9_-]+", page.content())
    assert len(links) == 2
    shot(page, f"badge-sheet-{size}")

    # The PDF of the same people, then the links of the page still open.
    page.goto(participants)
    for person in ids:
        page.check(f"#p{person}")
    page.check("input[name=format][value=pdf]")
    with page.expect_download() as download:
        page.get_by_role("button", name="Print badges").click()
    assert download.value.suggested_filename.endswith(".pdf")
    phone = browser.new_context(**PHONE).new_page()
    for link in links:
        leave(phone)
        phone.goto(link)
        # The link signs the delegate in: the language choice, not a 404.
        expect(phone.locator("label.choice").first).to_be_visible()

    # Reissue: a confirmation page first, nothing replaced until confirmed.
    page.goto(participants)
    page.check(f"#p{ids[0]}")
    page.get_by_role("button", name="Reissue links…").click()
    expect(page.locator("h1")).to_have_text("Reissue links")
    shot(page, f"console-reissue-confirm-{size}")
    leave(phone)
    phone.goto(links[0])
    expect(phone.locator("label.choice").first).to_be_visible()


def leave(phone):
    """Sign the phone out between links: its open page first goes blank, so
    that its room poll cannot reload it over the next link's navigation (the
    poll sees the new link's session and reloads, aborting the goto)."""
    phone.goto("about:blank")
    phone.context.clear_cookies()
