"""The delegate's pages and ballot API with the Flask test client."""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

from tests import factories
from voting import lobby
from voting.extensions import db as _db
from voting.extensions import limiter
from voting.models import (
    AuditEntry,
    Ballot,
    Participant,
    RoundStatus,
    hash_token,
)

ROOT = Path(__file__).resolve().parents[2]


# --- helpers ------------------------------------------------------------------


@pytest.fixture
def poll(app):
    return factories.make_poll(options=("Alpha", "Beta", "Gamma", "Delta"))


@pytest.fixture
def voter(poll):
    return factories.make_participant(poll.event, workshop_id=poll.workshop_id)


def join(client, participant, lang="en"):
    response = client.get(f"/j/{participant.token}")
    assert response.status_code == 302
    client.post("/vote/language", data={"lang": lang})
    return response


def option_ids(poll):
    return [option.id for option in poll.options]


def ballots(db):
    return db.session.scalars(sa.select(Ballot)).all()


def html_of(response):
    return response.get_data(as_text=True)


def form_data(poll, ranks, key="k-1", round_id=None):
    data = {"round": str(round_id or poll.rounds[0].id), "key": key}
    for option, rank in zip(poll.options, ranks, strict=True):
        data[f"rank-{option.id}"] = str(rank)
    return data


def translated(msgid: str, lang: str) -> str:
    """The catalogue's translation (test_i18n checks every entry has one)."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        message = read_po(f).get(msgid)
    assert message is not None and message.string, f"{lang}: {msgid!r}"
    return message.string


# --- personal link --------------------------------------------------------------


def test_personal_link_starts_a_session_and_asks_the_language(client, voter):
    response = client.get(f"/j/{voter.token}")
    assert response.status_code == 302
    assert response.location.endswith("/vote/language")
    assert response.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as session:
        assert session["participant_id"] == voter.id
        assert session["event_id"] == voter.event_id
        assert session["link"] == voter.token_hash[:16]


@pytest.mark.parametrize("token", ["not-a-token", "x" * 32, "x" * 200])
def test_wrong_personal_link_is_a_translated_404(client, voter, token):
    response = client.get(f"/j/{token}", headers={"Accept-Language": "fr"})
    assert response.status_code == 404
    assert '<html lang="fr"' in html_of(response)
    with client.session_transaction() as session:
        assert "participant_id" not in session


def test_joining_rotates_the_session(client, poll, voter):
    other = factories.make_participant(poll.event, workshop_id=poll.workshop_id)
    with client.session_transaction() as session:
        session["stale"] = "from before"
        session["lang"] = "pt"
    join(client, voter)
    client.get(f"/j/{other.token}")
    with client.session_transaction() as session:
        assert session["participant_id"] == other.id
        assert "stale" not in session
        assert session["lang"] == "en"  # the language choice survives


def test_reissued_link_ends_older_sessions(client, db, poll, voter):
    join(client, voter)
    assert client.get("/vote").status_code == 302
    old = voter.token
    voter.issue_token()
    db.session.commit()
    response = client.get("/vote")
    assert response.status_code == 401
    assert client.get(f"/j/{old}").status_code == 404
    api = client.get(f"/api/rounds/{poll.rounds[0].id}/ballot")
    assert api.status_code == 401 and api.is_json and api.json["message"]


def test_pages_need_a_session(client, poll):
    for path in [
        "/vote",
        "/vote/language",
        f"/vote/{poll.id}",
        f"/vote/receipt/{poll.rounds[0].id}",
    ]:
        assert client.get(path).status_code == 401, path


# --- language -------------------------------------------------------------------


def test_language_is_preselected_from_the_browser(client, voter):
    client.get(f"/j/{voter.token}")
    response = client.get("/vote/language", headers={"Accept-Language": "pt-BR,pt"})
    html = html_of(response)
    assert re.search(r'value="pt"\s+checked', html)
    assert response.headers["Cache-Control"] == "no-store"
    for name in ["Español", "English", "Português", "Français"]:
        assert name in html


def test_language_choice_sticks(client, db, voter):
    client.get(f"/j/{voter.token}")
    response = client.post("/vote/language", data={"lang": "fr"})
    assert response.status_code == 302 and response.location.endswith("/vote")
    db.session.refresh(voter)
    assert voter.language == "fr"
    html = html_of(
        client.get("/vote", headers={"Accept-Language": "en"}, follow_redirects=True)
    )
    assert '<html lang="fr"' in html


def test_unknown_language_is_refused(client, db, voter):
    client.get(f"/j/{voter.token}")
    response = client.post("/vote/language", data={"lang": "xx"})
    assert response.status_code == 400
    db.session.refresh(voter)
    assert voter.language is None


# --- poll list ------------------------------------------------------------------


def test_one_open_poll_goes_straight_to_the_ballot(client, poll, voter):
    join(client, voter)
    response = client.get("/vote")
    assert response.status_code == 302
    assert response.location.endswith(f"/vote/{poll.id}")


def test_poll_list_shows_only_the_delegates_polls(client, db, poll, voter):
    second = factories.make_poll(workshop=poll.workshop, options=("X", "Y"))
    second.question = {"en": "Second question"}
    factories.make_poll(workshop=factories.make_workshop(event=poll.event))
    draft = factories.make_poll(workshop=poll.workshop, status=RoundStatus.DRAFT)
    draft.question = {"en": "Draft question"}
    db.session.commit()
    join(client, voter)
    html = html_of(client.get("/vote"))
    assert "Priorities?" in html and "Second question" in html
    assert html.count('class="poll-link"') == 2
    assert "Draft question" not in html


def test_no_open_poll(client, db, poll, voter):
    poll.rounds[0].status = RoundStatus.DRAFT
    db.session.commit()
    join(client, voter)
    response = client.get("/vote")
    assert response.status_code == 200
    assert 'class="poll-link"' not in html_of(response)
    assert client.get(f"/vote/{poll.id}").status_code == 409


def test_poll_of_another_workshop_is_404(client, poll, voter):
    other = factories.make_poll(workshop=factories.make_workshop(event=poll.event))
    join(client, voter)
    assert client.get(f"/vote/{other.id}").status_code == 404
    assert client.get(f"/vote/{987654}").status_code == 404


# --- ballot page and plain form ----------------------------------------------------


def test_ballot_page_budget(client, demo):
    from tests.bench.bench_ballot_page import (
        MAX_BYTES,
        MAX_REQUESTS,
        measure_transfer,
    )

    participant = _db.session.get(Participant, 1)
    token = participant.issue_token()
    _db.session.commit()
    client.get(f"/j/{token}")
    client.post("/vote/language", data={"lang": "es"})
    page = client.get("/vote").location
    transfer = measure_transfer(client, page)
    assert transfer["other_origins"] == []
    assert transfer["requests"] <= MAX_REQUESTS
    assert transfer["bytes"] <= MAX_BYTES
    assert "/static/js/ballot.js" in transfer["sizes"]


def test_ballot_page_in_the_chosen_language_with_the_second_one(client, poll, voter):
    join(client, voter, lang="es")
    response = client.get(f"/vote/{poll.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = html_of(response)
    assert '<html lang="es"' in html
    assert '<span class="t">Alpha (es)</span>' in html
    assert '<span class="t2" lang="en">Alpha</span>' in html
    for option in poll.options:
        assert f'name="rank-{option.id}"' in html
    assert 'src="/static/js/ballot.js"' in html
    assert "css/delegate.css" in html
    # No inline script, no event handler attribute, nothing from elsewhere.
    assert "<script>" not in html and not re.search(r"\son\w+=", html)
    assert "http://" not in html and "https://" not in html


def test_plain_form_submit_closes_gaps_and_shows_the_receipt(client, db, poll, voter):
    join(client, voter)
    a, b, c, d = option_ids(poll)
    response = client.post(f"/vote/{poll.id}", data=form_data(poll, [3, "", 1, 4]))
    assert response.status_code == 303
    round_id = poll.rounds[0].id
    assert response.location.endswith(f"/vote/receipt/{round_id}")
    [ballot] = ballots(db)
    assert ballot.ranking == [[c], [a], [d]]
    receipt = client.get(response.location)
    assert receipt.headers["Cache-Control"] == "no-store"
    html = html_of(receipt)
    assert ballot.receipt_code in html
    assert html.index("Gamma") < html.index("Alpha") < html.index("Delta")
    # The ballot's id is never in a URL.
    assert f"/{ballot.id}" not in response.location or ballot.id == round_id


def test_plain_form_double_submit_counts_once(client, db, poll, voter):
    join(client, voter)
    data = form_data(poll, [1, 2, "", ""], key="same-key")
    assert client.post(f"/vote/{poll.id}", data=data).status_code == 303
    assert client.post(f"/vote/{poll.id}", data=data).status_code == 303
    [ballot] = ballots(db)
    assert ballot.revision == 1


def test_plain_form_error_keeps_the_entries_and_stores_nothing(client, db, poll, voter):
    join(client, voter)
    response = client.post(f"/vote/{poll.id}", data=form_data(poll, [1, 1, 2, ""]))
    assert response.status_code == 400
    html = html_of(response)
    assert 'role="alert"' in html
    for option, rank in zip(poll.options, [1, 1, 2], strict=False):
        select = re.search(rf'name="rank-{option.id}">(.*?)</select>', html, re.S)
        assert f'value="{rank}" selected' in select.group(1)
    assert ballots(db) == []
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_plain_form_for_another_round_is_400(client, db, poll, voter):
    other = factories.make_poll(workshop=poll.workshop)
    join(client, voter)
    data = form_data(poll, [1, "", "", ""], round_id=other.rounds[0].id)
    assert client.post(f"/vote/{poll.id}", data=data).status_code == 400
    data["round"] = "nonsense"
    assert client.post(f"/vote/{poll.id}", data=data).status_code == 400
    assert ballots(db) == []


def test_returning_shows_the_current_ballot_to_edit(client, poll, voter):
    join(client, voter)
    a, b, c, d = option_ids(poll)
    client.post(f"/vote/{poll.id}", data=form_data(poll, [2, 1, "", ""]))
    html = html_of(client.get(f"/vote/{poll.id}"))
    assert re.search(rf'name="rank-{a}">.*?value="2" selected', html, re.S)
    assert re.search(rf'name="rank-{b}">.*?value="1" selected', html, re.S)
    assert "Submit my new ranking" in html


def test_closed_round_is_read_only_and_late_post_is_409(client, db, poll, voter):
    join(client, voter)
    client.post(f"/vote/{poll.id}", data=form_data(poll, [1, 2, "", ""]))
    poll.rounds[0].status = RoundStatus.CLOSED
    db.session.commit()
    html = html_of(client.get(f"/vote/{poll.id}"))
    assert "This round is closed" in html
    assert '<form id="ballot"' not in html
    # The script stays only to follow the room (round 2 opening reloads it).
    assert 'name="room-state"' in html
    receipt = ballots(db)[0].receipt_code
    assert receipt in html
    late = client.post(f"/vote/{poll.id}", data=form_data(poll, [2, 1, "", ""], "k-2"))
    assert late.status_code == 409
    assert "Your earlier ballot" in html_of(late)
    [ballot] = ballots(db)
    assert ballot.revision == 1 and ballot.ranking == [
        [option_ids(poll)[0]],
        [option_ids(poll)[1]],
    ]


def test_receipt_of_a_round_without_ballot_is_404(client, poll, voter):
    join(client, voter)
    assert client.get(f"/vote/receipt/{poll.rounds[0].id}").status_code == 404


# --- JSON API ---------------------------------------------------------------------


def api(client, round_id, ranking, key="key-1", **kwargs):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/api/rounds/{round_id}/ballot",
        json={"ranking": ranking},
        headers=headers,
        **kwargs,
    )


def test_api_cast_revise_and_replay(client, db, poll, voter):
    join(client, voter)
    rid = poll.rounds[0].id
    a, b, c, d = option_ids(poll)
    first = api(client, rid, [[b], [a]])
    assert first.status_code == 201
    assert first.headers["Cache-Control"] == "no-store"
    assert set(first.json) == {"receipt_code", "revision", "ranking", "round_id"}
    assert first.json["ranking"] == [[b], [a]] and first.json["round_id"] == rid
    replay = api(client, rid, [[b], [a]])
    assert replay.status_code == 201 and replay.json == first.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    revised = api(client, rid, [[c]], key="key-2")
    assert revised.status_code == 200 and revised.json["revision"] == 2
    assert revised.json["receipt_code"] == first.json["receipt_code"]
    assert len(ballots(db)) == 1
    current = client.get(f"/api/rounds/{rid}/ballot")
    assert current.json["ballot"]["ranking"] == [[c]]
    assert current.json["round_status"] == "open"
    assert current.json["ballot"]["revision"] == 2


def test_api_same_key_other_ranking_is_422(client, db, poll, voter):
    join(client, voter)
    rid = poll.rounds[0].id
    a, b, *_ = option_ids(poll)
    api(client, rid, [[a]])
    response = api(client, rid, [[b]])
    assert response.status_code == 422
    assert response.json["message"] and response.json["error"]
    assert ballots(db)[0].ranking == [[a]]


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        {"rank": []},
        {"ranking": "1,2"},
        {"ranking": [[9999]]},
        {"ranking": []},
    ],
)
def test_api_invalid_body_is_400_and_stores_nothing(client, db, poll, voter, body):
    join(client, voter)
    response = client.post(f"/api/rounds/{poll.rounds[0].id}/ballot", json=body)
    assert response.status_code == 400
    assert response.is_json and response.json["message"]
    assert ballots(db) == []


def test_api_not_json_is_400(client, db, poll, voter):
    join(client, voter)
    response = client.post(
        f"/api/rounds/{poll.rounds[0].id}/ballot",
        data="ranking=1",
        content_type="text/plain",
    )
    assert response.status_code == 400 and response.is_json


def test_api_closed_round_is_409(client, db, poll, voter):
    join(client, voter)
    poll.rounds[0].status = RoundStatus.CLOSED
    db.session.commit()
    response = api(client, poll.rounds[0].id, [[option_ids(poll)[0]]])
    assert response.status_code == 409
    assert "closed" in response.json["message"]
    assert ballots(db) == []


def test_api_without_session_or_for_another_round(client, db, poll, voter):
    rid = poll.rounds[0].id
    assert api(client, rid, [[option_ids(poll)[0]]]).status_code == 401
    other = factories.make_poll(workshop=factories.make_workshop(event=poll.event))
    join(client, voter)
    response = api(client, other.rounds[0].id, [[option_ids(other)[0]]])
    assert response.status_code == 400
    assert api(client, 987654, [[1]]).status_code == 400
    assert ballots(db) == []


def test_api_messages_in_the_delegates_language(client, db, poll, voter):
    join(client, voter, lang="es")
    poll.rounds[0].status = RoundStatus.CLOSED
    db.session.commit()
    response = api(client, poll.rounds[0].id, [[option_ids(poll)[0]]])
    msgid = "This round is closed. Your ballot was not recorded."
    assert response.json["message"] == translated(msgid, "es")


def test_api_needs_the_csrf_header_when_csrf_is_on(app, poll, voter):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    join_with_csrf(client, voter)
    html = html_of(client.get(f"/vote/{poll.id}"))
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    rid = poll.rounds[0].id
    refused = api(client, rid, [[option_ids(poll)[0]]])
    assert refused.status_code == 400 and refused.is_json
    accepted = client.post(
        f"/api/rounds/{rid}/ballot",
        json={"ranking": [[option_ids(poll)[0]]]},
        headers={"Idempotency-Key": "k", "X-CSRFToken": token},
    )
    assert accepted.status_code == 201


def join_with_csrf(client, participant):
    client.get(f"/j/{participant.token}")
    html = html_of(client.get("/vote/language"))
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    client.post("/vote/language", data={"lang": "en", "csrf_token": token})


# --- open mode: join with the event code ----------------------------------------------


@pytest.fixture
def open_poll(app):
    return factories.make_poll(open_mode=True)


def test_code_join_creates_a_participant(client, db, open_poll):
    event = open_poll.event
    delegation = factories.make_participant(event).delegation
    assert client.get("/join").status_code == 200
    code = event.join_code
    step = client.post("/join", data={"code": f" {code[:3].lower()}-{code[3:]} "})
    assert step.status_code == 200
    html = html_of(step)
    assert 'name="name"' in html and delegation.name in html
    done = client.post(
        "/join",
        data={"code": code, "name": "Rosa Díaz", "delegation": str(delegation.id)},
    )
    assert done.status_code == 302 and done.location.endswith("/vote/language")
    joined = db.session.scalar(sa.select(Participant).filter_by(name="Rosa Díaz"))
    assert joined.delegation_id == delegation.id
    # The only workshop open to walk-ins; waiting in the lobby.
    assert joined.workshop_id == open_poll.workshop_id
    assert joined.walk_in and not joined.admitted
    with client.session_transaction() as session:
        assert session["participant_id"] == joined.id and session["via"] == "code"
    client.post("/vote/language", data={"lang": "en"})
    waiting = client.get("/vote")
    assert waiting.status_code == 200 and 'id="waiting"' in html_of(waiting)
    lobby.admit(joined, "test")
    assert client.get("/vote").location.endswith(f"/vote/{open_poll.id}")


def test_qr_link_opens_the_details_step(client, open_poll):
    response = client.get(f"/join?code={open_poll.event.join_code}")
    assert response.status_code == 200
    assert 'name="name"' in html_of(response)


def test_code_join_needs_name_and_delegation(client, db, open_poll):
    factories.make_participant(open_poll.event)
    before = db.session.scalar(sa.select(sa.func.count(Participant.id)))
    response = client.post(
        "/join",
        data={"code": open_poll.event.join_code, "name": "  ", "delegation": ""},
    )
    assert response.status_code == 400
    assert html_of(response).count('role="alert"') == 2
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == before


@pytest.mark.parametrize("code", ["WRONG9", "", "A" * 30])
def test_wrong_code_is_refused_in_the_pages_language(client, open_poll, code):
    response = client.post(
        "/join", data={"code": code}, headers={"Accept-Language": "pt"}
    )
    assert response.status_code in (400, 404)
    html = html_of(response)
    assert '<html lang="pt"' in html and 'role="alert"' in html
    assert 'name="name"' not in html


def test_code_of_an_event_without_open_poll_is_refused(client, poll):
    response = client.post("/join", data={"code": poll.event.join_code})
    assert response.status_code == 404
    details = client.post(
        "/join", data={"code": poll.event.join_code, "name": "Eve", "delegation": "1"}
    )
    assert details.status_code == 404


def test_code_joined_delegate_votes_only_in_open_polls(client, db, open_poll):
    closed_list = factories.make_poll(workshop=open_poll.workshop)
    client.post("/join", data={"code": open_poll.event.join_code, "name": "Eve"})
    client.post("/vote/language", data={"lang": "en"})
    lobby.admit(db.session.scalar(sa.select(Participant).filter_by(name="Eve")), "t")
    assert client.get(f"/vote/{closed_list.id}").status_code == 404
    response = api(client, closed_list.rounds[0].id, [[closed_list.options[0].id]])
    assert response.status_code == 400
    assert (
        api(client, open_poll.rounds[0].id, [[open_poll.options[0].id]]).status_code
        == 201
    )


# --- receipt check -------------------------------------------------------------------


def test_receipt_check_says_counted_and_nothing_more(client, db, poll, voter):
    join(client, voter)
    client.post(f"/vote/{poll.id}", data=form_data(poll, [1, 2, "", ""]))
    code = ballots(db)[0].receipt_code
    other = client.application.test_client()  # anyone, without a session
    assert other.get("/receipt").status_code == 200
    spaced = f"{code[:5].lower()} {code[5:].lower()}"
    response = other.post(
        "/receipt", data={"code": spaced}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = html_of(response)
    assert "This ballot is recorded." in html and "Priorities?" in html
    assert voter.name not in html and voter.delegation.name not in html
    assert "Alpha" not in html  # never the ranking


def test_wrong_receipt_code(client):
    response = client.post("/receipt", data={"code": "NOPE123456"})
    assert response.status_code == 404
    assert 'role="alert"' in html_of(response)
    assert client.post("/receipt", data={"code": ""}).status_code == 400


# --- rate limits ---------------------------------------------------------------


@pytest.fixture
def limited_app(make_app):
    app = make_app(
        fresh_g=False, RATELIMIT_ENABLED=True, DELEGATE_JOIN_LIMIT="5 per minute"
    )
    limiter.reset()
    yield app
    limiter.reset()


def test_failed_joins_are_rate_limited_valid_ones_are_not(limited_app):
    poll = factories.make_poll(open_mode=True)
    voter = factories.make_participant(poll.event)
    client = limited_app.test_client()
    for _ in range(8):  # valid joins never count
        assert client.get(f"/j/{voter.token}").status_code == 302
        assert client.get(f"/join?code={poll.event.join_code}").status_code == 200
    for n in range(5):
        path = "/j/wrong-token-wrong-token" if n % 2 else "/join?code=WRONG9"
        assert client.get(path).status_code == 404
    blocked = client.get(
        "/j/wrong-token-wrong-token", headers={"Accept-Language": "es"}
    )
    assert blocked.status_code == 429
    html = html_of(blocked)
    assert '<html lang="es"' in html
    with force_locale("es"):
        assert gettext("Too many attempts") in html
    # Another address is not affected.
    other = client.get(f"/j/{voter.token}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302


def test_failed_receipt_checks_are_rate_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(5):
        assert client.post("/receipt", data={"code": "NOPE123456"}).status_code == 404
    blocked = client.post("/receipt", data={"code": "NOPE123456"})
    assert blocked.status_code == 429 and blocked.headers["Retry-After"]


# --- flask delegate-link ------------------------------------------------------------


def test_delegate_link_reissues_and_prints_the_url(app, runner, client, db, voter):
    app.config["PUBLIC_URL"] = "https://vote.example.org/"
    old_hash = voter.token_hash
    result = runner.invoke(args=["delegate-link", str(voter.id)])
    assert result.exit_code == 0, result.output
    url = result.output.strip()
    assert re.fullmatch(r"https://vote\.example\.org/j/[\w-]{32,}", url)
    token = url.rsplit("/", 1)[1]
    db.session.refresh(voter)
    assert voter.token_hash == hash_token(token) != old_hash
    assert client.get(f"/j/{voter.token}").status_code == 404  # the old link
    assert client.get(f"/j/{token}").status_code == 302
    entry = db.session.scalar(
        sa.select(AuditEntry).filter_by(action="delegate_link_issued")
    )
    assert entry.actor == "cli" and entry.details == {"participant_id": voter.id}


def test_delegate_link_by_email(runner, db, poll):
    participant = factories.make_participant(poll.event, email="Ana@Example.org")
    result = runner.invoke(args=["delegate-link", "ana@example.org"])
    assert result.exit_code == 0
    db.session.refresh(participant)
    assert participant.token_hash == hash_token(result.output.strip().rsplit("/")[-1])


@pytest.mark.parametrize("ref", ["987654", "nobody@example.org"])
def test_delegate_link_unknown_participant(runner, app, ref):
    result = runner.invoke(args=["delegate-link", ref])
    assert result.exit_code != 0
    assert "No participant" in result.output


def test_delegate_link_on_the_demo(runner, client, demo):
    result = runner.invoke(args=["delegate-link", "1"])
    token = result.output.strip().rsplit("/", 1)[1]
    client.get(f"/j/{token}")
    client.post("/vote/language", data={"lang": "es"})
    response = client.get("/vote")
    assert response.status_code == 302
    html = html_of(client.get(response.location))
    assert "Participación competitiva de las PYMEs" in html
    assert "Competitive SME participation" in html


def test_expired_page_keeps_the_plain_form_ranks(app, db, poll, voter):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    join_with_csrf(client, voter)
    data = form_data(poll, [2, 1, "", ""])
    data["csrf_token"] = "stale-token"
    response = client.post(f"/vote/{poll.id}", data=data)
    assert response.status_code == 400
    html = html_of(response)
    assert 'id="ballot-error"' in html
    a, b, *_ = option_ids(poll)
    assert re.search(rf'name="rank-{a}">.*?value="2" selected', html, re.S)
    assert re.search(rf'name="rank-{b}">.*?value="1" selected', html, re.S)
    assert ballots(db) == []
    # Elsewhere the usual translated page.
    other = client.post("/vote/language", data={"lang": "es"})
    assert other.status_code == 400 and 'id="ballot-error"' not in html_of(other)


def test_home_page_join_box_posts_to_join(app, client, open_poll):
    from flask import render_template_string

    with app.test_request_context("/"):
        html = render_template_string('{% include "delegate/_join_form.html" %}')
    assert 'action="/join"' in html and 'name="code"' in html
    response = client.post("/join", data={"code": open_poll.event.join_code})
    assert response.status_code == 200 and 'name="name"' in html_of(response)


def test_the_room_poll_after_the_session_ended_is_json_and_sets_no_cookie(client):
    """ballot.js asks /vote/state as JSON: a session that has ended gets a
    short JSON 401 that writes no session cookie (see the browser test
    ``test_a_poll_after_the_session_ended_leaves_the_cookie_alone``)."""
    response = client.get("/vote/state", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.is_json and response.json["message"]
    assert "Set-Cookie" not in response.headers
