"""A delegate on a 360×740 phone: link, language, tap to rank, receipt, bad network.

Every page of the flow is checked with axe-core (vendored under
tests/e2e/vendor, never served by the app) and saved as a screenshot.
"""

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from voting import tallies
from voting.extensions import db
from voting.models import Ballot, Participant, Round

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
    "locale": "es-ES",
}
API = "**/api/rounds/*/ballot"


def personal_link(live_app, live_server, participant_id=1):
    """A fresh personal link for a demo delegate (workshop 1: one open poll)."""
    with live_app.app_context():
        participant = db.session.get(Participant, participant_id)
        token = participant.issue_token()
        db.session.commit()
    return f"{live_server.url}/j/{token}"


def stored_ballots(live_app, participant_id=1):
    with live_app.app_context():
        rows = db.session.execute(
            sa.select(Ballot.round_id, Ballot.ranking, Ballot.revision).filter_by(
                participant_id=participant_id
            )
        ).all()
        db.session.remove()
        return rows


def check_axe(page):
    """Zero serious or critical axe-core violations on the current page."""
    # Evaluated through the DevTools protocol, which the page's strict CSP
    # (no inline script) does not govern, unlike add_script_tag(path=...).
    assert page.locator("script[src*=axe]").count() == 0  # the app never ships it
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]}))
             .violations.map(v => ({id: v.id, impact: v.impact,
                                    nodes: v.nodes.map(n => n.target.join(" "))}))"""
    )
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps(bad, indent=1)


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"horizontal scroll: {width}px"


def same_origin_only(page, live_server):
    hosts = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    return lambda: hosts <= {live_server.url.split("/")[2]}


def choose_spanish(page):
    page.locator('label.choice:has(input[value="es"])').tap()
    page.locator("form.stack button[type=submit]").tap()
    page.wait_for_url(re.compile(r"/vote/\d+$"))


def ranked_titles(page):
    return page.locator("#ranked li .t").all_inner_texts()


def test_link_language_tap_rank_submit_receipt_and_revise(
    live_app, live_server, phone, shot
):
    page = phone.new_page()
    only_here = same_origin_only(page, live_server)
    page.goto(personal_link(live_app, live_server))
    assert page.url.endswith("/vote/language")
    assert page.locator('input[value="es"]').is_checked()  # from the browser
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-language")
    choose_spanish(page)
    assert page.locator("html").get_attribute("lang") == "es"

    picks = page.locator("#pool .pick")
    assert picks.count() == 5
    titles = page.locator("#pool .t").all_inner_texts()
    assert "Participación competitiva de las PYMEs en compras gubernamentales" in titles
    assert page.locator("#pool .t2").first.inner_text().startswith("Competitive SME")
    assert not page.locator("select.rank").first.is_visible()  # enhanced
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-ballot")

    order = [titles[i] for i in (1, 0, 4, 2, 3)]
    for title in order:
        page.locator("#pool .pick", has_text=title).tap()
    assert ranked_titles(page) == order
    assert page.locator("#ranked .badge").all_inner_texts() == ["1", "2", "3", "4", "5"]
    # Tapping a ranked option removes it and closes the gap; tap it back last.
    page.locator("#ranked .pick", has_text=order[1]).tap()
    assert page.locator("#ranked .badge").all_inner_texts() == ["1", "2", "3", "4"]
    page.locator("#pool .pick", has_text=order[1]).tap()
    order = [order[0], *order[2:], order[1]]
    assert ranked_titles(page) == order
    for el in page.locator(".pick, .mv:visible, #send").all():
        box = el.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-ballot-ranked")

    page.locator("#send").tap()
    page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    code = page.locator("#receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{10}", code)
    assert page.locator(".tiers li").all_inner_texts()[0].endswith(order[0])
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-receipt")
    [(round_id, ranking, revision)] = stored_ballots(live_app)
    assert revision == 1 and len(ranking) == 5

    # Change of mind: move the last one to the top, resubmit.
    page.locator("a.button.wide").tap()
    page.wait_for_url(re.compile(r"/vote/\d+$"))
    assert ranked_titles(page) == order  # the current ballot, ready to edit
    for _ in range(4):
        page.locator("#ranked li", has_text=order[-1]).locator('[data-step="-1"]').tap()
    assert ranked_titles(page)[0] == order[-1]
    page.locator("#send").tap()
    page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    assert page.locator("#receipt-code").inner_text() == code
    [(_, revised, revision)] = stored_ballots(live_app)
    assert revision == 2 and revised[0] == ranking[-1]
    with live_app.app_context():
        round_ = db.session.get(Round, round_id)
        result = tallies.compute(round_, with_agreement=False)
        assert result.turnout.ballots == 1  # counted once
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Ballot.id)).filter_by(round_id=round_id)
            )
            == 1
        )
        db.session.remove()

    # The receipt check page confirms it, without the ranking.
    page.goto(live_server.url + "/receipt")
    check_axe(page)
    page.locator("#code").fill(code.lower())
    page.locator("form.stack button[type=submit]").tap()
    page.locator(".result").wait_for()
    fits_the_phone(page)
    shot(page, "delegate-receipt-check")
    assert only_here()


def test_join_page_with_a_code(live_app, live_server, phone, shot):
    page = phone.new_page()
    page.goto(live_server.url + "/join")
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-join")
    page.locator("#code").fill("WRONG9")
    page.locator("form.stack button[type=submit]").tap()
    page.locator("#code-error").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    check_axe(page)
    shot(page, "delegate-join-wrong-code")


def test_without_javascript_the_plain_form_works(live_app, browser, live_server, shot):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(personal_link(live_app, live_server, 2))
        choose_spanish(page)
        selects = page.locator("select.rank")
        assert selects.count() == 5 and selects.first.is_visible()
        fits_the_phone(page)
        shot(page, "delegate-ballot-nojs")
        for i, rank in enumerate(["2", "", "5", "1", ""]):  # gaps get closed
            if rank:
                selects.nth(i).select_option(rank)
        page.locator("#send").click()
        page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
        assert page.locator("#receipt-code").is_visible()
        [(_, ranking, _)] = stored_ballots(live_app, 2)
        assert len(ranking) == 3
        shot(page, "delegate-receipt-nojs")
    finally:
        context.close()


def test_network_cut_during_submit_keeps_the_draft_and_retries(
    live_app, live_server, phone, shot
):
    page = phone.new_page()
    page.goto(personal_link(live_app, live_server, 3))
    choose_spanish(page)
    titles = page.locator("#pool .t").all_inner_texts()
    for title in titles[:3]:
        page.locator("#pool .pick", has_text=title).tap()
    page.route(API, lambda route: route.abort())
    page.locator("#send").tap()
    status = page.locator("#ballot-status.bad")
    status.wait_for()
    assert page.locator("#retry").is_visible()
    assert page.url.endswith(tuple("0123456789"))  # no receipt
    draft = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('prioriza-draft-'))"
        ".map(k => JSON.parse(localStorage[k]))"
    )
    assert len(draft) == 1 and draft[0]["queued"] and len(draft[0]["ranking"]) == 3
    shot(page, "delegate-ballot-offline")
    assert stored_ballots(live_app, 3) == []

    # Nothing is lost on reload: the draft comes back (and tries to send).
    page.reload()
    assert ranked_titles(page) == titles[:3]
    page.locator("#ballot-status.bad").wait_for()

    page.unroute(API)
    page.locator("#retry").tap()
    page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    [(_, ranking, revision)] = stored_ballots(live_app, 3)
    assert revision == 1 and len(ranking) == 3
    assert page.evaluate("Object.keys(localStorage).length") == 0


def test_lost_answer_is_replayed_not_counted_twice(live_app, live_server, phone):
    page = phone.new_page()
    page.goto(personal_link(live_app, live_server, 4))
    choose_spanish(page)
    page.locator("#pool .pick").first.tap()

    def drop_answer(route):
        route.fetch()  # the server commits the ballot…
        route.abort()  # …but the phone never hears back

    page.route(API, drop_answer)
    page.locator("#send").tap()
    page.locator("#ballot-status.bad").wait_for()
    page.unroute(API)
    page.locator("#retry").tap()
    page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    [(_, _, revision)] = stored_ballots(live_app, 4)
    assert revision == 1  # the retry with the same key was a replay


def test_closed_round_is_read_only(live_app, live_server, phone, shot):
    from voting.rounds import close_round

    page = phone.new_page()
    page.goto(personal_link(live_app, live_server, 5))
    choose_spanish(page)
    page.locator("#pool .pick").first.tap()
    with live_app.app_context():
        participant = db.session.get(Participant, 5)
        round_id = db.session.scalar(
            sa.select(Round.id)
            .join(Round.poll)
            .where(Round.status == "open")
            .where(Round.poll.has(workshop_id=participant.workshop_id))
        )
        close_round(round_id, "test")
        db.session.remove()
    # A submit from the page left open: refused with a message, nothing stored.
    page.locator("#send").tap()
    page.locator("#ballot-status.bad").wait_for()
    assert stored_ballots(live_app, 5) == []
    # The page follows the room and reloads by itself now that the round closed
    # (a reload from here could collide with that one).
    expect(page.locator(".flash-closed")).to_be_visible(timeout=15000)
    assert page.locator("#ballot").count() == 0
    fits_the_phone(page)
    check_axe(page)
    shot(page, "delegate-ballot-closed")


def test_equal_ranks_where_the_poll_allows_them(live_app, live_server, phone):
    with live_app.app_context():
        participant = db.session.get(Participant, 6)
        poll = db.session.scalar(
            sa.select(Round)
            .where(Round.status == "open")
            .where(Round.poll.has(workshop_id=participant.workshop_id))
        ).poll
        poll.allow_ties = True
        db.session.commit()
        db.session.remove()
    page = phone.new_page()
    page.goto(personal_link(live_app, live_server, 6))
    choose_spanish(page)
    titles = page.locator("#pool .t").all_inner_texts()
    for title in titles[:3]:
        page.locator("#pool .pick", has_text=title).tap()
    ranked = page.locator("#ranked li")
    assert not ranked.nth(0).locator(".tie").is_visible()  # nothing above the first
    ranked.nth(1).locator(".tie").tap()  # second = first
    assert page.locator("#ranked .badge").all_inner_texts() == ["1=", "1=", "3"]
    assert ranked.nth(1).locator(".tie").get_attribute("aria-pressed") == "true"
    ranked.nth(1).locator('[data-step="1"]').tap()  # leaves the tie, goes below
    assert page.locator("#ranked .badge").all_inner_texts() == ["1", "2", "3"]
    page.locator("#ranked li").nth(2).locator(".tie").tap()
    assert page.locator("#ranked .badge").all_inner_texts() == ["1", "2=", "2="]
    page.locator("#send").tap()
    page.wait_for_url(re.compile(r"/vote/receipt/\d+$"))
    [(_, ranking, _)] = stored_ballots(live_app, 6)
    assert [len(tier) for tier in ranking] == [1, 2]


def test_ballot_reads_at_double_text_size(live_app, live_server, phone, shot):
    page = phone.new_page()
    page.goto(personal_link(live_app, live_server, 7))
    choose_spanish(page)
    # Text zoom as a phone's font-size setting does it (CSSOM: allowed by the CSP).
    page.evaluate(
        "document.documentElement.style.setProperty('font-size', '200%', 'important')"
    )
    page.locator("#pool .pick").first.tap()
    fits_the_phone(page)
    shot(page, "delegate-ballot-200pct")
