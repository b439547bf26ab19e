"""The projector's poll settings and who gets controls on it: results kept on
the console, the dark theme, round controls only for the poll's facilitator."""

import pytest
import sqlalchemy as sa

from tests import factories
from voting import presentation
from voting.extensions import db
from voting.models import Poll, RoundStatus

POLL_DATA = {
    "question_es": "¿Qué áreas?",
    "question_en": "Which areas?",
    "method": "schulze",
    "weighting": "delegate",
    "top_k": "1",
    "results_visibility": "console",
    "display_theme": "dark",
}


def display(poll, suffix=""):
    return f"/display/{poll.display_token}{suffix}"


def test_console_only_results_never_reach_the_projector(client, closed_poll):
    poll, _voters, _ids = closed_poll
    poll.secret = False
    db.session.commit()
    shown = client.get(display(poll), headers={"Accept-Language": "en"})
    assert "Priority list" in shown.get_data(True)
    poll.results_visibility = "console"
    db.session.commit()
    for suffix in ("", "/live"):
        html = client.get(display(poll, suffix), headers={"Accept-Language": "en"})
        text = html.get_data(True)
        assert "shown on the console only" in text
        assert "Priority list" not in text and 'class="ranking' not in text
        assert "Kendall" not in text
    api = client.get(f"/api/display/{poll.display_token}/tally").get_json()
    assert api["results_visible"] is False and api["tally"] is None
    # The record (the same view model, not for the projector) keeps them.
    assert presentation.build(poll, "en").show_results
    assert presentation.build(poll, "en").rows


def test_console_only_results_are_on_the_console(fac, closed_poll):
    poll, _voters, _ids = closed_poll
    poll.workshop.facilitators.append(fac.account)
    db.session.commit()
    assert 'id="console-result"' not in fac.get(f"/console/polls/{poll.id}").get_data(
        True
    )
    poll.results_visibility = "console"
    db.session.commit()
    page = fac.get(f"/console/polls/{poll.id}").get_data(True)
    assert 'id="console-result"' in page
    assert page.index("1. A") < page.index("2. B") < page.index("3. C")


def test_theme_and_console_only_are_poll_settings(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, status=RoundStatus.DRAFT)
    response = fac.post(f"/console/polls/{poll.id}/edit", data=POLL_DATA)
    assert response.status_code == 302
    db.session.refresh(poll)
    assert (poll.display_theme, poll.results_visibility) == ("dark", "console")
    page = fac.get(f"/console/polls/{poll.id}").get_data(True)
    assert "never: console and record only" in page and "dark theme" in page
    html = fac.get(display(poll)).get_data(True)
    assert 'class="projector theme-dark"' in html


@pytest.mark.parametrize(
    "change", [{"display_theme": "neon"}, {"results_visibility": "projector"}]
)
def test_bad_projector_settings_store_nothing(fac, change):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, status=RoundStatus.DRAFT)
    response = fac.post(f"/console/polls/{poll.id}/edit", data={**POLL_DATA, **change})
    assert response.status_code == 400
    db.session.refresh(poll)
    assert (poll.display_theme, poll.results_visibility) == ("light", "live")


def test_the_theme_changes_the_etag(client, closed_poll):
    poll, _voters, _ids = closed_poll
    etag = client.get(display(poll, "/live")).headers["ETag"]
    poll.display_theme = "dark"
    db.session.commit()
    again = client.get(display(poll, "/live"), headers={"If-None-Match": etag})
    assert again.status_code == 200 and 'data-theme="dark"' in again.get_data(True)


def test_round_controls_only_for_the_facilitator_who_runs_the_poll(app, client, fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, status=RoundStatus.OPEN)
    close = f"/console/rounds/{poll.rounds[0].id}/close"
    bare = client.get(display(poll, "/live"))
    assert close not in bare.get_data(True)
    mine = fac.get(
        display(poll, "/live"), headers={"If-None-Match": bare.headers["ETag"]}
    )
    # Not the bare link's 304: the controls are part of what the manager sees.
    assert mine.status_code == 200
    html = mine.get_data(True)
    assert f'action="{close}"' in html and 'name="csrf_token"' in html
    assert "data-confirm=" in html
    # A facilitator of another workshop sees the display, not the controls.
    other = factories.make_account(role="facilitator")
    factories.make_workshop(event=poll.event, facilitators=[other])
    stranger = app.test_client()
    factories.login(stranger, other)
    assert close not in stranger.get(display(poll, "/live")).get_data(True)
    # The controls post to the console's endpoint, which wants its CSRF token.
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert fac.post(close).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    poll = db.session.scalar(sa.select(Poll).filter_by(id=poll.id))
    assert poll.rounds[0].status == RoundStatus.OPEN


def test_the_projector_has_no_site_header_nor_language_switcher(client, closed_poll):
    poll, _voters, _ids = closed_poll
    html = client.get(display(poll)).get_data(True)
    assert 'id="stage"' in html
    assert 'class="top"' not in html and 'class="langs"' not in html
    assert 'action="/lang"' not in html


def test_a_console_only_plenary_keeps_the_pooled_list_off_the_projector(app, client):
    from voting import rounds as round_service
    from voting.seed import load_demo

    load_demo()
    plenary = db.session.scalar(sa.select(Poll).filter_by(workshop_id=None))
    workshop_poll = db.session.scalars(
        sa.select(Poll).where(Poll.workshop_id.is_not(None)).order_by(Poll.id)
    ).first()
    workshop_poll.secret = False
    db.session.commit()
    from voting import ballots
    from voting.models import Participant

    ids = [o.id for o in workshop_poll.options]
    for voter in db.session.scalars(
        sa.select(Participant).filter_by(workshop_id=workshop_poll.workshop_id)
    ):
        ballots.cast(voter, workshop_poll.rounds[0].id, [[o] for o in ids])
    round_service.close_round(workshop_poll.rounds[0].id, "test")
    url = f"/display/{plenary.display_token}/plenary"
    english = {"Accept-Language": "en"}
    first = client.get(url, headers=english)
    assert "Priority list" in first.get_data(True)
    plenary.results_visibility = "console"
    db.session.commit()
    for suffix in ("", "?fragment=1"):
        html = client.get(url + suffix, headers=english).get_data(True)
        assert "shown on the console only" in html
        assert "Priority list" not in html and "Kendall" not in html
    # The ETag follows the setting: a projector polling with the old one
    # gets the new page.
    again = client.get(url, headers={**english, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
