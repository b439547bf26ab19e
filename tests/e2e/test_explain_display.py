"""The projector's explanation and readable results, seen in a browser."""

import pytest

from tests.e2e.test_delegate import check_axe
from voting import rounds, simulation
from voting.extensions import db
from voting.models import Event

pytestmark = pytest.mark.e2e


def test_closed_round_explains_itself_on_the_projector(
    live_app, live_server, browser, shot
):
    with live_app.app_context():
        event = db.session.scalar(db.select(Event).filter_by(slug="santiago-2005"))
        poll = event.polls[0]
        token = poll.display_token
        simulation.simulate_votes(poll.rounds[0], 20, "test", seed=5)
        rounds.close_round(poll.rounds[0].id, "test")
        second = rounds.next_round(poll.rounds[0].id, "test")
        simulation.simulate_votes(second, 20, "test", seed=6)
        rounds.close_round(second.id, "test")
        live = event.polls[1]
        live_token = live.display_token
        simulation.simulate_votes(live.rounds[0], 15, "test", seed=7)
        db.session.remove()
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-GB"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/display/{token}")
    explanation = page.locator(".explanation p").first
    explanation.wait_for()
    assert "head to head" in explanation.inner_text()
    arrows = page.locator(".ranking .change")
    assert arrows.count() == 5
    for i in range(arrows.count()):
        label = arrows.nth(i).get_attribute("aria-label")
        assert label and (label == "unchanged" or label.startswith(("up ", "down ")))
        assert "=" not in arrows.nth(i).inner_text()
    # The matrix's first row is the list's first option, by its short name.
    first = page.locator(".ranking li .t1").first.inner_text()
    matrix = page.locator(".closing svg").last
    row_names = matrix.locator('text[text-anchor="end"]').evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    assert first.startswith(row_names[0].rstrip("…"))
    check_axe(page)
    shot(page, "explain-round2-closed-1920x1080")
    # The live bars of an open round say what they count.
    page.goto(f"{live_server.url}/display/{live_token}")
    bars = page.locator(".ranking .score").all_inner_texts()
    assert any(t.startswith("wins ") and t.endswith(" head-to-head") for t in bars)
    check_axe(page)
    shot(page, "explain-open-bars-1920x1080")
    context.close()
