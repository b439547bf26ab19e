"""The projector as the back of the room sees it: every display state on one
fixed 16:9 canvas, at 1920×1080 and 1280×720, with room-sized type, a large
join QR, the presenter's keys, reveal on cue and the facilitator's controls."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_delegate import check_axe
from voting import adoption, ballots, rounds
from voting.extensions import db
from voting.models import Participant, Poll, RoundStatus

pytestmark = pytest.mark.e2e

SIZES = [(1920, 1080), (1280, 720)]
#: Everything the canvas shows, measured in canvas pixels (1080p).
MEASURE = """() => {
  const stage = document.getElementById('stage');
  const box = stage.getBoundingClientRect();
  let body = 1e9, title = 1e9, small = [];
  for (const el of stage.querySelectorAll('*')) {
    if (el.closest('svg') || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const size = parseFloat(style.fontSize);
    if (size < body) body = size;
    if (size < 28) small.push(el.className + ': ' + el.textContent.trim().slice(0, 40));
    if (el.matches('.t1')) title = Math.min(title, size);
  }
  // SVG text: its rendered height over the canvas's scale (the stage is
  // transformed to the window), i.e. font-size × the SVG's own scale.
  const canvas = box.width / 1920;
  let svg = 1e9, svgSmall = [];
  for (const t of stage.querySelectorAll('svg text')) {
    if (!t.getClientRects().length || !t.textContent.trim()) continue;
    const ctm = t.getScreenCTM();
    const scale = Math.sqrt(Math.abs(ctm.a * ctm.d - ctm.b * ctm.c));
    const size = parseFloat(getComputedStyle(t).fontSize) * scale / canvas;
    if (size < svg) svg = size;
    if (size < 28) svgSmall.push(
        (t.closest('div') || {}).className + ': ' + t.textContent.trim().slice(0, 20)
        + ' ' + size.toFixed(1));
  }
  const qr = document.querySelector('.stage[data-view=join] .qr svg path');
  const live = document.getElementById('live');
  const clipped = [...live.querySelectorAll(
      '.side, .main-col, .view, .consent-panel, .turnout')].filter(
    p => p.offsetParent !== null && p.scrollHeight > p.clientHeight + 1
  ).map(p => p.className);
  return {scrollHeight: document.documentElement.scrollHeight,
          scrollWidth: document.documentElement.scrollWidth,
          innerHeight, innerWidth, body, title, small, clipped,
          svg, svgSmall: svgSmall.slice(0, 8),
          stage: [box.left, box.top, box.right, box.bottom],
          // of the screen's height: the canvas's, where it is letterboxed
          qr: qr ? qr.getBoundingClientRect().height / box.height : null,
          view: stage.dataset.view};
}"""


def room(live_app, **settings):
    """Workshop 1's poll of the demo seminar, named, with a facilitator."""
    with live_app.app_context():
        poll = db.session.scalars(
            sa.select(Poll).where(Poll.workshop_id.is_not(None)).order_by(Poll.id)
        ).first()
        poll.secret = False
        poll.rounds[0].status = "draft"
        for key, value in settings.items():
            setattr(poll, key, value)
        account = factories.make_account(role="facilitator")
        poll.workshop.facilitators.append(account)
        db.session.commit()
        found = {"poll_id": poll.id, "token": poll.display_token}
        found["email"] = account.email
        db.session.remove()
    return found


def change(live_app, poll_id, action):
    with live_app.app_context():
        poll = db.session.get(Poll, poll_id)
        action(poll)
        db.session.commit()
        db.session.remove()


def voters(poll):
    return list(
        db.session.scalars(
            sa.select(Participant)
            .filter_by(workshop_id=poll.workshop_id)
            .order_by(Participant.id)
        )
    )


def cast_most(poll, reverse=False):
    """Ballots from all but the last three delegates of the workshop."""
    ids = [o.id for o in poll.options]
    for i, voter in enumerate(voters(poll)[:-3]):
        order = ids[i % 3 :] + ids[: i % 3]
        order = list(reversed(order)) if reverse else order
        ballots.cast(voter, poll.rounds[-1].id, [[o] for o in order])


def screens(browser):
    contexts = [
        browser.new_context(viewport={"width": w, "height": h}, locale="en-GB")
        for w, h in SIZES
    ]
    return contexts, [c.new_page() for c in contexts]


def check_state(pages, url, name, shot, view=None, key=None, axe=True):
    """Every size: one screen, no scrolling, room-sized type; a screenshot."""
    for page in pages:
        w, h = page.viewport_size["width"], page.viewport_size["height"]
        if page.url != url:
            page.goto(url)
        if key:
            page.keyboard.press(key)
        if view:
            expect(page.locator("#stage")).to_have_attribute("data-view", view)
        page.wait_for_timeout(300)
        m = page.evaluate(MEASURE)
        shot(page, f"projector-{name}-{w}x{h}")
        assert m["scrollHeight"] <= m["innerHeight"], (name, w, m)
        assert m["scrollWidth"] <= m["innerWidth"], (name, w, m)
        left, top, right, bottom = m["stage"]
        assert left >= -1 and top >= -1 and right <= w + 1 and bottom <= h + 1, m
        assert m["clipped"] == [], (name, w, m["clipped"])
        assert m["body"] >= 28, (name, w, m["small"])
        print(f"SVG-TEXT {name} {w}x{h} min={m['svg']:.1f}")
        assert m["svg"] >= 28, (name, w, m["svgSmall"])
        if m["view"] in ("matrix", "agreement", "consent"):
            assert m["svg"] < 1e9, (name, w)  # its chart was measured
        if m["title"] < 1e9:
            assert m["title"] >= 36, (name, w, m)
        if m["view"] == "join":
            assert m["qr"] >= 0.45, (name, w, m)
        if axe and w == 1920:
            check_axe(page)
    return m


def test_every_state_fits_one_screen(live_app, live_server, browser, shot):
    setup = room(live_app, results_visibility="live")
    url = f"{live_server.url}/display/{setup['token']}"
    poll_id = setup["poll_id"]
    contexts, pages = screens(browser)
    try:
        check_state(pages, url, "join", shot, view="join")

        change(live_app, poll_id, lambda p: rounds.open_round(p.rounds[0].id, "t"))
        change(live_app, poll_id, cast_most)
        for page in pages:
            page.goto(url)
        check_state(pages, url, "open-live", shot, view="results")
        check_state(pages, url, "open-live-join", shot, view="join", key="j")

        def hide(poll):
            poll.results_visibility = "hidden"

        change(live_app, poll_id, hide)
        for page in pages:
            page.goto(url)
        check_state(pages, url, "open-hidden", shot, view="join")
        for page in pages:
            expect(page.locator("#live")).to_contain_text("hidden until the round")
            # R: not while the rule hides them; the screen says why.
            page.keyboard.press("r")
            expect(page.locator("#stage")).to_have_attribute("data-view", "join")
            expect(page.locator("#toast")).to_contain_text("hidden until the round")

        # Closing a hidden round: "results ready", R reveals them.
        change(live_app, poll_id, lambda p: rounds.close_round(p.rounds[0].id, "t"))
        for page in pages:
            expect(page.locator(".ready-title")).to_be_visible(timeout=4000)
            expect(page.locator(".ranking")).to_be_hidden()
        check_state(pages, url, "closed-ready", shot, view="results")
        check_state(pages, url, "closed", shot, view="results", key="r")
        for page in pages:
            expect(page.locator(".ranking")).to_be_visible()
            expect(page.locator(".ready-title")).to_be_hidden()
        check_state(pages, url, "matrix", shot, view="matrix", key="m")
        check_state(pages, url, "agreement", shot, view="agreement", key="a")
        # More under the list than the screen holds: it condenses by itself.
        for page in pages:
            page.evaluate(
                """() => { const body = document.querySelector('.results-body');
                  for (let i = 0; i < 2; i++) { const p = document.createElement('p');
                    p.className = 'note'; p.textContent = 'An extra sentence that '
                      + 'explains the result to the room, long enough to wrap. '
                      .repeat(2); body.appendChild(p); } }"""
            )
        check_state(pages, url, "condensed", shot, view="results", key="r")
        for page in pages:
            expect(page.locator("#stage")).to_have_class(re.compile("fit-"))

        def round_two(poll):
            poll.results_visibility = "live"
            rounds.next_round(poll.rounds[0].id, "t")
            db.session.refresh(poll)
            cast_most(poll, reverse=True)
            rounds.close_round(poll.rounds[1].id, "t")

        change(live_app, poll_id, round_two)
        for page in pages:
            expect(page.locator("#live")).to_contain_text(
                "Round 2 — closed", timeout=5000
            )
        check_state(pages, url, "round2", shot, view="results", key="r")

        def propose(poll):
            proposal = adoption.propose(poll.rounds[-1], "t")
            for voter in voters(poll)[:5]:
                adoption.answer(voter, proposal.id, "agree")

        change(live_app, poll_id, propose)
        for page in pages:
            expect(page.locator("#consent-panel")).to_be_attached(timeout=4000)
        check_state(pages, url, "consent", shot, view="consent", key="c")

        def adopt(poll):
            proposal = adoption.latest(poll)
            adoption.close(proposal.id, "t")

        change(live_app, poll_id, adopt)
        for page in pages:
            expect(page.locator("#consent-outcome")).to_be_visible(timeout=4000)
        check_state(pages, url, "adopted", shot, view="consent")

        with live_app.app_context():
            plenary = db.session.scalar(sa.select(Poll).filter_by(workshop_id=None))
            plenary_url = f"{url.rsplit('/', 1)[0]}/{plenary.display_token}/plenary"
            db.session.remove()
        check_state(pages, plenary_url, "plenary", shot, view="results")
    finally:
        for context in contexts:
            context.close()


def test_presenter_keys_do_what_the_help_says(live_app, live_server, browser, shot):
    setup = room(live_app, results_visibility="live")

    def closed_round(poll):
        rounds.open_round(poll.rounds[0].id, "t")
        cast_most(poll)
        rounds.close_round(poll.rounds[0].id, "t")
        adoption.propose(poll.rounds[0], "t")

    change(live_app, setup["poll_id"], closed_round)
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-GB"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/display/{setup['token']}")
    stage = page.locator("#stage")
    expect(stage).to_have_attribute("data-view", "consent")  # a check is open

    page.keyboard.press("?")
    help_box = page.locator("#help")
    expect(help_box).to_be_visible()
    keys = help_box.locator("dd[data-key]")
    assert keys.evaluate_all("els => els.map(e => e.dataset.key)") == [
        "f", "j", "r", "m", "a", "c", "arrows", "?",
    ]  # fmt: skip
    shot(page, "projector-help-1920x1080")
    check_axe(page)
    page.keyboard.press("?")
    expect(help_box).to_be_hidden()

    views = {"r": "results", "m": "matrix", "a": "agreement", "c": "consent"}
    for key, view in views.items():
        page.keyboard.press(key)
        expect(stage).to_have_attribute("data-view", view)
        expect(page.locator(f".view-{view}")).to_be_visible()
    # J: the round is closed, nobody joins it any more; the screen says so.
    page.keyboard.press("j")
    expect(stage).to_have_attribute("data-view", "consent")
    expect(page.locator("#toast")).to_be_visible()
    # Arrows step through the views in order, and wrap.
    page.keyboard.press("r")
    for view in ("matrix", "agreement", "consent", "results"):
        page.keyboard.press("ArrowRight")
        expect(stage).to_have_attribute("data-view", view)
    page.keyboard.press("ArrowLeft")
    expect(stage).to_have_attribute("data-view", "consent")

    # Keys typed into a field are text, not commands.
    page.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'probe';"
        " document.getElementById('stage').appendChild(i); }"
    )
    page.locator("#probe").type("rm?")
    expect(stage).to_have_attribute("data-view", "consent")
    expect(help_box).to_be_hidden()
    page.locator("#probe").evaluate("i => { i.blur(); i.remove(); }")

    # F: full screen on, F again: off.
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement !== null")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")

    # The chosen view survives the 2 s refresh, also when the fragment
    # changes (the dark theme is chosen meanwhile), and a reload.
    page.keyboard.press("m")

    def dark(poll):
        poll.display_theme = "dark"

    change(live_app, setup["poll_id"], dark)
    expect(page.locator("body")).to_have_class("projector theme-dark", timeout=5000)
    expect(stage).to_have_attribute("data-view", "matrix")
    page.reload()
    expect(stage).to_have_attribute("data-view", "matrix")
    check_state([page], page.url, "dark-matrix", shot, view="matrix")
    page.keyboard.press("r")
    check_state([page], page.url, "dark-results", shot, view="results")
    page.keyboard.press("c")
    check_state([page], page.url, "dark-consent", shot, view="consent")
    context.close()


def test_a_signed_in_facilitator_opens_and_closes_from_the_projector(
    live_app, live_server, browser, shot
):
    setup = room(live_app, results_visibility="hidden")
    url = f"{live_server.url}/display/{setup['token']}"
    bare = browser.new_context(viewport={"width": 1280, "height": 720})
    bare_page = bare.new_page()
    bare_page.goto(url)
    expect(bare_page.locator("#live")).to_contain_text("not open yet")
    assert bare_page.locator(".controls").count() == 0  # a display link: none

    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="en-GB"
    )
    page = context.new_page()
    sign_in(page, live_server.url, setup["email"])
    page.goto(url)
    controls = page.locator(".controls")
    # Cancel changes nothing.
    controls.get_by_role("button", name="Open round").click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("Open round 1?")
    page.locator("#confirm [data-answer=no]").click()
    expect(page.locator("#confirm")).to_be_hidden()
    page.wait_for_timeout(500)
    expect(page.locator("#live")).to_contain_text("not open yet")

    controls.get_by_role("button", name="Open round").click()
    check_state([page], url, "controls-confirm", shot, axe=True)
    page.locator("#confirm [data-answer=yes]").click()
    expect(page.locator("#live")).to_contain_text("voting is open", timeout=4000)
    expect(bare_page.locator("#live")).to_contain_text("voting is open", timeout=4000)
    change(live_app, setup["poll_id"], cast_most)
    controls.get_by_role("button", name="Close round").click()
    page.locator("#confirm [data-answer=yes]").click()
    # Hidden until close: closing shows "results ready"; R reveals them.
    expect(page.locator(".ready-title")).to_be_visible(timeout=4000)
    expect(bare_page.locator(".ready-title")).to_be_visible(timeout=4000)
    page.keyboard.press("r")
    expect(page.locator(".ranking")).to_be_visible()
    expect(page.locator("#stage")).to_have_class(re.compile(r"\brevealing\b"))
    check_state([page], url, "controls-closed", shot)
    # Next: round 2 opens from the projector too, after the same confirmation.
    controls.get_by_role("button", name="Open round 2").click()
    expect(page.locator("#confirm-text")).to_contain_text("round 2")
    page.locator("#confirm [data-answer=yes]").click()
    expect(page.locator("#live")).to_contain_text("Round 2", timeout=4000)
    expect(bare_page.locator("#live")).to_contain_text("Round 2", timeout=4000)
    for ctx in (bare, context):
        ctx.close()


COUNTRIES = [
    "Argentina", "Bahamas", "Barbados", "Belice", "Bolivia", "Brasil", "Canadá",
    "Chile", "Colombia", "Costa Rica", "Ecuador", "El Salvador", "Guatemala",
    "Honduras", "Jamaica", "México", "Panamá", "República Dominicana",
    "San Vicente y las Granadinas", "Trinidad y Tobago",
]  # fmt: skip
AREAS = [
    ("Open contracting data", "Datos abiertos de contratación"),
    ("Life-cycle costing", "Costo del ciclo de vida"),
    ("Sustainable public procurement", "Compras públicas sostenibles"),
    ("E-invoicing and payments", "Facturación y pagos electrónicos"),
    ("Supplier registers", "Registros de proveedores"),
    ("Framework agreements", "Acuerdos marco"),
    ("Procurement of innovation", "Compra pública de innovación"),
    ("Integrity and risk indicators", "Integridad e indicadores de riesgo"),
    ("Professional certification", "Certificación profesional"),
    ("Small firms and women-owned businesses", "Pymes y empresas de mujeres"),
    ("Interoperability of national systems", "Interoperabilidad de sistemas"),
    ("Complaints and review bodies", "Órganos de reclamos y revisión"),
]


def largest_room(live_app):
    """The sizes the projector must hold on one screen: 12 options, 20
    delegations, 4 workshops; workshop 1 open with 15 delegations voted."""
    from voting.models import Option, Round

    with live_app.app_context():
        event = factories.make_event()
        delegations = factories.make_delegations(
            event, [(f"D{i}", name) for i, name in enumerate(COUNTRIES)]
        )
        polls = []
        for number in range(1, 5):
            workshop = factories.make_workshop(event=event)
            workshop.name = {"es": f"Mesa {number}", "en": f"Workshop {number}"}
            polls.append(factories.make_poll(workshop, secret=False, top_k=3))
        plenary = Poll(event=event, question={"es": "¿Plenario?", "en": "Plenary?"})
        plenary.rounds.append(Round(number=1, status=RoundStatus.DRAFT))
        db.session.add(plenary)
        for poll in [*polls, plenary]:
            poll.options = [
                Option(key=f"a{i}", position=i, title={"en": en, "es": es})
                for i, (en, es) in enumerate(AREAS)
            ]
        db.session.commit()
        ids = [o.id for o in polls[0].options]
        for i, delegation in enumerate(delegations):
            voter = factories.make_participant(
                event, delegation, workshop_id=polls[0].workshop_id
            )
            if i < 15:
                order = ids[i % 4 :] + ids[: i % 4]
                ballots.cast(voter, polls[0].rounds[0].id, [[o] for o in order])
        for n, poll in enumerate(polls[1:], start=1):
            others = [o.id for o in poll.options]
            for i in range(4):
                voter = factories.make_participant(
                    event, delegations[i + 4 * n], workshop_id=poll.workshop_id
                )
                order = others[n + i :] + others[: n + i]
                ballots.cast(voter, poll.rounds[0].id, [[o] for o in order])
            rounds.close_round(poll.rounds[0].id, "t")
        found = {
            "poll_id": polls[0].id,
            "token": polls[0].display_token,
            "plenary": plenary.display_token,
        }
        db.session.remove()
    return found


def test_the_largest_room_still_fits(live_app, live_server, browser, shot):
    setup = largest_room(live_app)
    url = f"{live_server.url}/display/{setup['token']}"
    contexts, pages = screens(browser)
    try:
        check_state(pages, url, "max-open", shot, view="results")
        check_state(pages, url, "max-join", shot, view="join", key="j")
        for page in pages:  # 20 delegations: the 5 still missing are named
            expect(page.locator("#live")).to_contain_text("15 of 20 delegations")
            waiting = page.locator(".waiting-names")
            expect(waiting).to_contain_text("Not yet")
            for name in COUNTRIES[15:]:
                expect(waiting).to_contain_text(name)
        change(
            live_app,
            setup["poll_id"],
            lambda p: rounds.close_round(p.rounds[0].id, "t"),
        )
        for page in pages:
            expect(page.locator("#live")).to_contain_text("closed", timeout=5000)
        check_state(pages, url, "max-closed", shot, view="results")
        check_state(pages, url, "max-matrix", shot, view="matrix", key="m")
        check_state(pages, url, "max-agreement", shot, view="agreement", key="a")

        def propose(poll):  # all 20 delegations answer: 20 rows of bars
            proposal = adoption.propose(poll.rounds[0], "t")
            for i, voter in enumerate(voters(poll)):
                answer = ("agree", "agree", "stand_aside")[i % 3]
                adoption.answer(voter, proposal.id, answer)

        change(live_app, setup["poll_id"], propose)
        for page in pages:
            expect(page.locator("#consent-panel")).to_be_attached(timeout=5000)
        check_state(pages, url, "max-consent", shot, view="consent")
        plenary = url.rsplit("/", 1)[0] + f"/{setup['plenary']}/plenary"
        check_state(pages, plenary, "max-plenary", shot, view="results")
    finally:
        for context in contexts:
            context.close()


def test_a_4_to_3_screen_is_letterboxed(live_app, live_server, browser, shot):
    setup = room(live_app)
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(f"{live_server.url}/display/{setup['token']}")
    m = check_state([page], page.url, "join", shot, view="join", axe=False)
    left, top, right, bottom = m["stage"]
    # The whole 16:9 canvas, full width, centred with equal bands.
    assert (left, right) == (0, 1024)
    assert abs(top - (768 - bottom)) <= 1 and bottom - top == pytest.approx(576, 1)
    context.close()
