"""The end of an event in the browser: the audit check, the archive ZIP
downloaded from the page, a wrong confirmation refused, then the purge."""

import io
import json
import zipfile

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from voting import rounds
from voting.extensions import db
from voting.models import Event, Participant, Round, RoundStatus

pytestmark = pytest.mark.e2e


def test_archive_then_purge_on_a_phone(live_app, live_server, browser, shot):
    with live_app.app_context():
        event = db.session.scalar(sa.select(Event))
        event_id, name = event.id, event.name["en"]
        account = factories.make_account(role="admin")
        email = account.email
        db.session.remove()
    url = live_server.url
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, locale="en-US"
    )
    page = context.new_page()
    sign_in(page, url, email)
    page.goto(f"{url}/secretariat/")
    page.get_by_role("link", name="Archive, audit check and end of the event").click()
    expect(page.locator("#audit-status")).to_contain_text("intact")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
    shot(page, "secretariat-archive-360x740")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the archive (ZIP)").click()
    data = download.value.path().read_bytes()
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))
    assert manifest["audit_chain_intact"] and manifest["files"]

    page.fill("#confirm", "not the name")
    page.get_by_role("button", name="Remove the personal data").click()
    expect(page.locator("body")).to_contain_text("does not match")
    # the demo has open rounds: the purge waits for them to close
    page.fill("#confirm", name)
    page.get_by_role("button", name="Remove the personal data").click()
    expect(page.locator("body")).to_contain_text("Close every open round")
    with live_app.app_context():
        for round_ in db.session.scalars(
            sa.select(Round).filter_by(status=RoundStatus.OPEN)
        ).all():
            rounds.close_round(round_.id, "test")
        db.session.remove()
    page.fill("#confirm", name)
    page.get_by_role("button", name="Remove the personal data").click()
    expect(page.locator("#purge-status")).to_contain_text("read-only")
    expect(page.locator("#audit-status")).to_contain_text("intact")
    shot(page, "secretariat-archive-purged-360x740")
    with live_app.app_context():
        names = db.session.scalars(
            sa.select(Participant.name).filter_by(event_id=event_id)
        ).all()
        assert set(names) == {""}
        db.session.remove()
    context.close()
