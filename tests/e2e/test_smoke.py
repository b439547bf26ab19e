"""The browser can reach the app and the pages load nothing from elsewhere."""

import pytest

pytestmark = pytest.mark.e2e


def test_home_page_in_chromium(live_server, phone, shot):
    page = phone.new_page()
    origins = set()
    page.on("request", lambda r: origins.add(r.url.split("/")[2]))
    page.goto(live_server.url + "/")
    assert "III Seminario Interamericano" in page.content()
    page.get_by_role("button", name="EN", exact=True).click()
    page.wait_for_load_state()
    assert "III Inter-American Seminar" in page.content()
    assert origins == {live_server.url.split("/")[2]}
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
    shot(page, "home-phone")
