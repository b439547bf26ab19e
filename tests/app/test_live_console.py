"""The console's live endpoints answer 304 until something changes (ETag)."""

from tests import factories
from voting import ballots
from voting.extensions import db


def test_poll_live_is_304_until_a_ballot_then_shows_the_new_count(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop)
    voters = [factories.make_participant(poll.event) for _ in range(2)]
    for voter in voters:
        voter.workshop_id = workshop.id
    db.session.commit()
    url = f"/console/polls/{poll.id}/live"
    first = fac.get(url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert 'data-live="rounds"' in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert fac.get(url, headers={"If-None-Match": etag}).status_code == 304
    ids = [o.id for o in poll.options]
    ballots.cast(voters[0], poll.rounds[0].id, [[i] for i in ids])
    changed = fac.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "1 / 2" in changed.get_data(as_text=True)


def test_lobby_live_changes_when_a_walk_in_arrives(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    event = workshop.event
    url = f"/console/events/{event.id}/lobby/live"
    etag = fac.get(url).headers["ETag"]
    assert fac.get(url, headers={"If-None-Match": etag}).status_code == 304
    walk_in = factories.make_participant(event)
    walk_in.walk_in, walk_in.admitted, walk_in.workshop_id = True, False, workshop.id
    walk_in.name = "Walk-in Zoë"
    db.session.commit()
    changed = fac.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Walk-in Zoë" in changed.get_data(as_text=True)
    # The event page's lobby button counts the walk-in too.
    page = fac.get(f"/console/events/{event.id}/live").get_data(as_text=True)
    tabs = page[page.index('data-live="tabs"') :]
    assert "Lobby (1)" in tabs[: tabs.index("</nav>")]
