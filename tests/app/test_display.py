"""The projector page: ETag/304 from the version, results rules, closing view."""

import pytest
import sqlalchemy as sa

from tests import factories
from voting import ballots, rounds, tallies
from voting.extensions import db


@pytest.fixture
def room(app):
    """A bilingual poll with five delegates in three delegations."""
    poll = factories.make_poll(options=("Alpha", "Beta", "Gamma"))
    event = poll.event
    delegations = factories.make_delegations(event)
    voters = [factories.make_participant(event, delegations[i % 3]) for i in range(5)]
    return poll, voters, [o.id for o in poll.options]


def url(poll, live=False):
    return f"/display/{poll.display_token}" + ("/live" if live else "")


def vote_all(poll, voters, ids, order=None):
    for i, voter in enumerate(voters):
        split = (
            ([ids[0]], [ids[1]], [ids[2]])
            if i % 2 == 0
            else ([ids[1]], [ids[0]], [ids[2]])
        )
        ranking = order or split
        ballots.cast(voter, poll.rounds[-1].id, list(map(list, ranking)))


def test_unknown_token_is_404(client, room):
    assert client.get("/display/not-a-token").status_code == 404
    assert client.get("/display/not-a-token/live").status_code == 404


@pytest.mark.parametrize("live", [False, True])
def test_matching_etag_answers_304_until_a_ballot_lands(client, room, live):
    poll, voters, ids = room
    poll.secret = False
    db.session.commit()
    first = client.get(url(poll, live))
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-store"
    etag = first.headers["ETag"]
    assert (
        client.get(url(poll, live), headers={"If-None-Match": etag}).status_code == 304
    )
    ballots.cast(voters[0], poll.rounds[0].id, [[ids[0]]])
    again = client.get(url(poll, live), headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


@pytest.mark.parametrize("live", [False, True])
def test_a_secret_rounds_etag_changes_only_when_a_batch_is_published(
    client, room, live
):
    poll, voters, ids = room
    poll.publish_every = 3
    db.session.commit()
    etag = client.get(url(poll, live)).headers["ETag"]
    round_id = poll.rounds[0].id
    ballots.cast(voters[0], round_id, [[ids[0]]])
    ballots.cast(voters[1], round_id, [[ids[1]]])
    unchanged = client.get(url(poll, live), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    ballots.cast(voters[0], round_id, [[ids[2]]])  # a revision is a change too
    published = client.get(url(poll, live), headers={"If-None-Match": etag})
    assert published.status_code == 200 and published.headers["ETag"] != etag


@pytest.mark.parametrize("secret", [False, True])
def test_304_path_does_not_read_ballots(app, client, room, secret):
    """A secret round's 304 counts its ballot changes; no path reads a ranking."""
    poll, voters, ids = room
    poll.secret = secret
    db.session.commit()
    ballots.cast(voters[0], poll.rounds[0].id, [[ids[0]]])
    etag = client.get(url(poll, True)).headers["ETag"]
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.lower())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url(poll, True), headers={"If-None-Match": etag})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 304
    reads = [s for s in statements if ("ranking" if secret else "ballot") in s]
    assert statements and not reads


def test_tally_is_computed_once_per_version_for_many_screens(client, room):
    poll, voters, ids = room
    vote_all(poll, voters, ids)
    before = tallies.cache.computed
    for _ in range(10):
        client.get(url(poll, True))
    assert tallies.cache.computed == before + 1


def test_open_round_shows_join_code_turnout_and_bilingual_ranking(client, room):
    poll, voters, ids = room
    vote_all(poll, voters, ids)
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert poll.event.join_code in html and "<svg" in html
    assert "5 of 5 ballots" in html
    assert "3 of 3 delegations have voted" in html
    assert "Alpha" in html and "Alpha (es)" in html  # both languages side by side
    assert "Argentina" in html


def test_hidden_results_stay_hidden_until_close(client, room):
    poll, voters, ids = room
    poll.results_visibility = "hidden"
    db.session.commit()
    vote_all(poll, voters, ids)
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Results are hidden until the round closes." in html
    assert "Current ranking" not in html
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Priority list" in html


def test_secret_poll_needs_three_ballots(client, room):
    poll, voters, ids = room
    poll.publish_every = 3
    db.session.commit()
    round_id = poll.rounds[0].id
    for order in ([0, 1, 2], [1, 2, 0], [2, 0, 1]):  # one delegate, three changes
        ballots.cast(voters[0], round_id, [[ids[i]] for i in order])
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Results appear once 3 ballots are in." in html
    assert "Secret ballot: results update every 3 ballots." in html
    vote_all(poll, voters[:3], ids)
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Current ranking" in html


def test_closed_round_shows_tiers_consensus_heatmap_and_agreement(client, room):
    poll, voters, ids = room
    vote_all(poll, voters, ids)
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Round 1 — closed" in html
    assert "highest priority" in html and "high priority" in html
    assert "Kendall&#39;s W" in html or "Kendall's W" in html
    assert "The top 2 are the same under Schulze" in html
    assert "Head-to-head" in html
    assert poll.event.join_code not in html  # no join QR once closed
    for voter in voters:  # a secret poll never names a delegate
        assert voter.name not in html


def test_named_poll_shows_each_delegation_ranking(client, room):
    poll, voters, ids = room
    poll.secret = False
    db.session.commit()
    vote_all(poll, voters, ids)
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "How each delegation ranked the top options" in html
    assert "Perú" in html


def test_second_round_shows_rank_changes_and_w_change(client, room):
    poll, voters, ids = room
    vote_all(poll, voters, ids)
    rounds.close_round(poll.rounds[0].id, "test")
    second = rounds.next_round(poll.rounds[0].id, "test")
    db.session.refresh(poll)
    vote_all(poll, voters, ids, order=([ids[2]], [ids[1]], [ids[0]]))
    rounds.close_round(second.id, "test")
    html = client.get(url(poll), headers={"Accept-Language": "en"}).get_data(True)
    assert "Round 2 — closed" in html
    assert "▲ 2" in html  # Gamma climbed from 3rd to 1st
    assert "Change since the previous round: +" in html


def test_plenary_pools_the_workshops_closed_rounds(client, demo):
    from voting.models import Participant, Poll

    polls = db.session.scalars(sa.select(Poll).order_by(Poll.id)).all()
    workshop_polls, plenary = polls[:2], polls[2]
    participants = db.session.scalars(sa.select(Participant)).all()
    for poll, first in zip(workshop_polls, ["sme", "ppp"], strict=True):
        ids = {o.key: o.id for o in poll.options}
        order = [first] + [k for k in ids if k != first]
        for p in participants:
            if p.workshop_id == poll.workshop_id:
                ballots.cast(p, poll.rounds[0].id, [[ids[k]] for k in order])
        rounds.close_round(poll.rounds[0].id, "test")
    response = client.get(
        f"/display/{plenary.display_token}/plenary", headers={"Accept-Language": "en"}
    )
    html = response.get_data(True)
    assert "38 ballots from 2 workshops" in html
    assert "The workshops disagree on the top 2." in html
    assert "Workshop 1: E-procurement trends" in html
    etag = response.headers["ETag"]
    again = client.get(
        f"/display/{plenary.display_token}/plenary?fragment=1",
        headers={"If-None-Match": etag, "Accept-Language": "en"},
    )
    assert again.status_code == 304
    result = tallies.for_plenary(plenary).result
    key = {o.id: o.key for o in plenary.options}
    # 19 delegates put sme above ppp, 19 the reverse: a tie, reported as one.
    assert sorted(key[o] for o in result.tally.ranking[0]) == ["ppp", "sme"]
    assert result.tally.ties


def test_a_plenary_of_one_workshop_says_workshop(client, demo, admin_client):
    """The trip's plenary read "12 ballots from 1 workshops" (and the record
    "… from 1 workshops were pooled."): the count is a plural."""
    from voting.models import Participant, Poll

    polls = db.session.scalars(sa.select(Poll).order_by(Poll.id)).all()
    poll, plenary = polls[0], polls[2]
    voters = db.session.scalars(
        sa.select(Participant).filter_by(workshop_id=poll.workshop_id)
    ).all()
    for p in voters:
        ballots.cast(p, poll.rounds[0].id, [[o.id] for o in poll.options])
    rounds.close_round(poll.rounds[0].id, "test")
    html = client.get(
        f"/display/{plenary.display_token}/plenary", headers={"Accept-Language": "en"}
    ).get_data(True)
    assert f"{len(voters)} ballots from 1 workshop<" in html
    record = admin_client.get(
        f"/secretariat/plenary/{plenary.id}/export.html?lang=en"
    ).get_data(True)
    assert f"{len(voters)} ballots from 1 workshop were pooled." in record
    spanish = admin_client.get(
        f"/secretariat/plenary/{plenary.id}/export.html?lang=es"
    ).get_data(True)
    assert "papeletas de 1 mesa de trabajo." in spanish


def test_tally_json_follows_the_display_rules(client, room):
    poll, voters, ids = room
    api = f"/api/display/{poll.display_token}/tally"
    body = client.get(api).json
    assert body["turnout"] == {
        "ballots": 0,
        "participants": 5,
        "delegations_voted": 0,
        "delegations_total": 3,
    }
    assert body["tally"] is None and body["results_visible"] is False
    vote_all(poll, voters, ids)
    response = client.get(api)
    assert response.json["tally"]["ranking"] == [[ids[0]], [ids[1]], [ids[2]]]
    assert response.json["tally"]["method"] == "schulze"
    assert (
        client.get(api, headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/api/display/nope/tally").status_code == 404
