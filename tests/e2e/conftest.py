"""Browser fixtures: the app served on loopback, Debian's chromium driven by Playwright.

`live_server` runs the real app (SQLite file, or $TEST_DATABASE_URL) in a
thread with the demo seminar loaded; `browser` is headless chromium from apt
(never `playwright install`); `shot(page, name)` saves a screenshot under
test-output/screenshots/.
"""

import os
from pathlib import Path

import pytest

from tests import factories
from tests.conftest import LiveServer, new_app
from voting import tallies
from voting.extensions import db

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def live_app(database_url):
    app = new_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            "SERVER_NAME": None,
            # Pages poll as in production, only more often: a test waits for
            # the same refreshes in less time. (The whole-trip test serves the
            # room with the production intervals.)
            "DISPLAY_POLL_MS": 500,
            "CONSOLE_POLL_MS": 500,
            "ROOM_POLL_MS": 1000,
        },
    )
    tallies.cache.clear()
    with app.app_context():
        from voting.seed import load_demo

        load_demo()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    live_app.config["PUBLIC_URL"] = server.url
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()


@pytest.fixture
def phone(browser):
    """A 360×740 touch phone context."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        has_touch=True,
        is_mobile=True,
        device_scale_factor=2,
        locale="es-ES",
    )
    yield context
    context.close()


@pytest.fixture
def shot():
    OUTPUT.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = OUTPUT / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page, base_url: str, email: str, password: str = factories.PASSWORD):
    """Sign a staff member in through the login form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form.stack [type=submit]").click()
