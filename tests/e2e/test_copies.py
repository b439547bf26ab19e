"""A facilitator duplicates a four-language poll into the other workshop."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from voting.extensions import db
from voting.models import Poll

pytestmark = pytest.mark.e2e


def _setup(live_app) -> dict:
    with live_app.app_context():
        account = factories.make_account()
        event = factories.make_event(languages="es,en,pt,fr")
        first = factories.make_workshop(event, facilitators=[account])
        second = factories.make_workshop(event, facilitators=[account])
        second.name = {"es": "Mesa 2", "en": "Workshop 2"}
        poll = factories.make_poll(first, options=("Training", "Indicators"))
        for option in poll.options:
            option.title = option.title | {
                "pt": f"{option.key} (pt)",
                "fr": f"{option.key} (fr)",
            }
        db.session.commit()
        found = {
            "email": account.email,
            "poll_id": poll.id,
            "second": second.id,
            "titles": [o.title for o in poll.options],
        }
        db.session.remove()
    return found


def test_a_poll_is_duplicated_into_the_other_workshop(
    live_app, live_server, browser, shot
):
    setup = _setup(live_app)
    url = live_server.url
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    page = context.new_page()
    sign_in(page, url, setup["email"])
    page.goto(f"{url}/console/polls/{setup['poll_id']}")
    page.get_by_role("link", name="Duplicate", exact=True).click()
    page.check(f"input[value=w{setup['second']}]")
    shot(page, "duplicate-poll-1280x800")
    page.get_by_role("button", name="Duplicate the poll").click()
    expect(page.locator(".flash-info")).to_contain_text("Poll duplicated")
    expect(page.locator("main")).to_contain_text("Workshop 2")
    shot(page, "duplicated-poll-1280x800")
    context.close()

    with live_app.app_context():
        copy = db.session.scalars(
            sa.select(Poll).filter_by(workshop_id=setup["second"])
        ).one()
        assert [o.title for o in copy.options] == setup["titles"]
        assert set(copy.options[0].title) == {"es", "en", "pt", "fr"}
        db.session.remove()
