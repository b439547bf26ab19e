"""An admin adds a facilitator in the browser; the facilitator sets a password
through the one-time link and reaches the workshop assigned."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from voting.extensions import db
from voting.models import Account, Workshop

pytestmark = pytest.mark.e2e


def _admin(live_app) -> tuple[str, str]:
    """An admin account, and the title of a demo workshop (English)."""
    with live_app.app_context():
        admin = factories.make_account(role="admin")
        workshop = db.session.scalars(sa.select(Workshop).order_by(Workshop.id)).first()
        found = admin.email, workshop.title("en")
        db.session.remove()
    return found


def test_an_admin_adds_a_facilitator_who_sets_a_password(
    live_app, live_server, browser, shot
):
    email, workshop = _admin(live_app)
    url = live_server.url
    for width, height in ((1280, 800), (360, 740)):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-US"
        )
        page = context.new_page()
        sign_in(page, url, email)
        page.goto(f"{url}/console/")
        page.get_by_role("link", name="Staff accounts").click()
        expect(page.locator("h1")).to_have_text("Staff accounts")
        shot(page, f"accounts-{width}x{height}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1280:
            admin_page = page
            admin_context = context
        else:
            context.close()

    page = admin_page
    page.fill("input[name=name]", "Ana Facilitadora")
    page.fill("input[name=email]", "ana@example.org")
    page.select_option("select[name=role]", "facilitator")
    page.get_by_label(workshop, exact=False).first.check()
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("h1")).to_contain_text("Password link for Ana Facilitadora")
    assert page.locator(".account-qr svg").count() == 1
    link = page.locator("#password-link").inner_text()
    shot(page, "account-link-1280x800")
    admin_context.close()

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="en-US", is_mobile=True
    )
    page = phone.new_page()
    page.goto(link)
    page.fill("input[name=password]", "a-long-secret")
    page.fill("input[name=confirm]", "a-long-secret")
    shot(page, "set-password-360x740")
    page.get_by_role("button", name="Set password").click()
    expect(page.locator(".flash-info")).to_contain_text("Your password is set.")
    page.goto(f"{url}/console/")
    expect(page.locator("main")).to_contain_text(workshop)
    phone.close()

    with live_app.app_context():
        account = db.session.scalar(
            sa.select(Account).filter_by(email="ana@example.org")
        )
        assert account.check_password("a-long-secret")
        assert [w.title("en") for w in account.workshops] == [workshop]
        db.session.remove()
