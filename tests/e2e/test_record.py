"""The record in the browser after an amendment: Agreements = the adopted list.

The demo's first workshop closes a round, the room refuses the tally's list
and adopts an amended one (its first two items swapped). The secretariat
opens the bilingual record at the address typed in the issue
(``?lang=es+en``) on a laptop and a phone: the Agreements' tiers are the
adopted list, the Adoption paragraph names the same, the tally follows as
supporting data, and the Word record holds the same lists.
"""

import io

import pytest
import sqlalchemy as sa
from docx import Document

from tests import factories
from tests.e2e.conftest import sign_in
from tests.e2e.test_adoption import closed_round
from voting import adoption
from voting.extensions import db
from voting.models import Participant, Poll

pytestmark = pytest.mark.e2e


def _amend_and_adopt(live_app, poll_id):
    """Proposal 1 (the tally) refused; proposal 2 (first two swapped) adopted."""
    with live_app.app_context():
        poll = db.session.get(Poll, poll_id)
        round_ = poll.rounds[0]
        voters = [
            p
            for p in db.session.scalars(
                sa.select(Participant).filter_by(workshop_id=poll.workshop_id)
            )
            if p.eligible_for(poll)
        ]
        first = adoption.propose(round_, "test")
        adoption.answer(voters[0], first.id, "object", "La interoperabilidad primero")
        adoption.close(first.id, "test")
        items = [list(i) for i in first.items]
        items[0], items[1] = items[1], items[0]
        second = adoption.amend(first, items, first.cut, "test")
        for voter in voters[:3]:
            adoption.answer(voter, second.id, "agree")
        adoption.close(second.id, "test")
        by_id = {o.id: o for o in poll.options}
        adopted = [by_id[o].title_in("en") for item in items for o in item]
        account = factories.make_account(role="secretariat")
        found = (round_.id, adopted, account.email)
        db.session.remove()
    return found


def test_record_after_an_amendment_states_the_adopted_list(
    browser, live_app, live_server, shot
):
    setup = closed_round(live_app)
    round_id, adopted, email = _amend_and_adopt(live_app, setup["poll_id"])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url, email)
    page.wait_for_url(lambda url: "/login" not in url)
    url = f"{live_server.url}/secretariat/rounds/{round_id}/export.html?lang=es+en"
    page.goto(url)
    english = page.locator('section.column[lang="en"]')
    shown = english.locator("ul.highest li, ul.high li").all_inner_texts()
    assert shown == adopted
    assert english.locator("p.status.adopted").is_visible()
    tally = english.locator("ul.tally li").all_inner_texts()
    assert tally[0].endswith(adopted[1]) and tally[1].endswith(adopted[0])
    paragraph = english.locator("p.adoption").inner_text()
    assert paragraph.index(adopted[0]) < paragraph.index(adopted[1])
    shot(page, "record-amended-es-en-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "record-amended-es-en-360")
    docx = page.request.get(url.replace("export.html", "export.docx"))
    assert docx.ok
    document = Document(io.BytesIO(docx.body()))
    bullets = [
        paragraph.text
        for row in document.tables[0].rows
        for paragraph in row.cells[1].paragraphs  # the English column
        if paragraph.style.name == "List Bullet"
    ]
    assert bullets[: len(adopted)] == adopted
    context.close()
