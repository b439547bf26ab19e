"""A paper ballot: printed, entered by the facilitator, counted once; the
delegate's phone is refused afterwards."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from voting.extensions import db
from voting.models import Ballot

pytestmark = pytest.mark.e2e


def _setup(live_app) -> dict:
    with live_app.app_context():
        account = factories.make_account()
        event = factories.make_event()
        workshop = factories.make_workshop(event, facilitators=[account])
        poll = factories.make_poll(workshop, secret=False)
        ana = factories.make_participant(event, workshop_id=workshop.id)
        found = {
            "email": account.email,
            "poll_id": poll.id,
            "round_id": poll.rounds[0].id,
            "ana": ana.id,
            "name": ana.name,
            "token": ana.token,
            "options": [o.id for o in poll.options],
        }
        db.session.remove()
    return found


def test_a_paper_ballot_is_printed_entered_and_counted_once(
    live_app, live_server, browser, shot
):
    setup = _setup(live_app)
    url = live_server.url
    for width, height in ((360, 740), (1280, 800)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-US"
        )
        page = context.new_page()
        sign_in(page, url, setup["email"])
        page.goto(f"{url}/console/polls/{setup['poll_id']}")
        page.get_by_role("link", name="Paper ballots").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"paper-entry-{width}x{height}")
        if width == 360:
            context.close()
            continue  # the phone sees the form; the laptop enters the ballot
        href = page.get_by_role("link", name="Print the ballot (PDF)").get_attribute(
            "href"
        )
        printed = page.request.get(url + href)
        assert printed.headers["content-type"] == "application/pdf"
        assert printed.body().startswith(b"%PDF")
        a, b, c = setup["options"]
        page.select_option("select[name=participant]", str(setup["ana"]))
        page.select_option(f"select[name=rank-{b}]", "1")
        page.select_option(f"select[name=rank-{a}]", "2")
        page.get_by_role("button", name="Check the ballot").click()
        expect(page.locator("h2#check")).to_contain_text(setup["name"])
        shot(page, "paper-check-1280x800")
        page.get_by_role("button", name="Count this ballot").click()
        expect(page.locator(".flash-info")).to_contain_text("counted")
        expect(page.locator("select[name=participant]")).to_have_count(0)
        context.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True
    )
    page = phone.new_page()
    page.goto(f"{url}/j/{setup['token']}")
    answer = page.request.post(
        f"{url}/api/rounds/{setup['round_id']}/ballot",
        data={"ranking": [[a], [b]]},
        headers={
            "X-CSRFToken": page.locator("meta[name=csrf-token]").get_attribute(
                "content"
            )
        },
    )
    assert answer.status == 409
    assert "papel" in answer.json()["message"]  # the event's language, Spanish
    phone.close()
    with live_app.app_context():
        rows = db.session.scalars(
            sa.select(Ballot).filter_by(round_id=setup["round_id"])
        ).all()
        assert [(r.ranking, r.paper) for r in rows] == [([[b], [a]], True)]
        db.session.remove()
