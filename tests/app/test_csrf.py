"""CSRF on every state-changing route (OWASP ASVS V3.5 / V50), JSON included.

With ``WTF_CSRF_ENABLED`` on, every POST/PUT/PATCH/DELETE rule of the url
map, the language switch included, answers 400 without a token and stores
nothing (every table's row count is compared). The visitor is one who would
otherwise be allowed (admin for staff routes, the event's delegate for
delegate routes), so the refusal comes from CSRF, not from authorisation. A
ballot posted with an expired or invalid token comes back with the draft kept.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from tests import factories
from voting.extensions import db
from voting.models import Ballot

CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
DELEGATE_ENDPOINTS = ("delegate.", "api.")


@pytest.fixture
def csrf_app(make_app):
    # One app context stays open for the factories and Flask reuses it for
    # requests: make_app gives each request a clean ``g`` before CSRF runs.
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def world(csrf_app):
    return factories.make_world()


def token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def signed_in(app, account):
    client = app.test_client()
    token = token_in(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={
            "email": account.email,
            "password": factories.PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    return client.get_cookie("session").value


def delegate_session(app, participant):
    client = app.test_client()
    assert client.get(f"/j/{participant.token}").status_code == 302
    return client.get_cookie("session").value


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def body_for(world, endpoint: str) -> dict:
    """A body that would be accepted with a token: only the token is missing."""
    options = world.open_poll.options
    return {
        "api.cast_ballot": {"json": {"ranking": [[o.id] for o in options]}},
        "api.answer_proposal": {"json": {"answer": "agree"}},
        "main.set_language": {"data": {"lang": "fr"}},
        "delegate.language": {"data": {"lang": "fr"}},
        "delegate.ballot": {
            "data": {
                "round": str(world.open_poll.rounds[0].id),
                **{f"rank-{o.id}": str(i) for i, o in enumerate(options, 1)},
            }
        },
        "delegate.consent": {"data": {"answer": "agree"}},
        "delegate.join": {
            "data": {
                "code": world.event.join_code,
                "name": "Walk-in",
                "delegation": str(world.delegations[0].id),
            }
        },
        "auth.login": {
            "data": {"email": world.admin.email, "password": factories.PASSWORD}
        },
        "facilitator.badges": {"data": {"participants": str(world.voters[3].id)}},
        "facilitator.delegations": {"data": {"code": "UY", "name": "Uruguay"}},
    }.get(endpoint, {"data": {}})


def test_every_state_changing_route_needs_the_token(csrf_app, world):
    staff = signed_in(csrf_app, world.admin)
    delegate = delegate_session(csrf_app, world.d1)
    walked = 0
    for rule in csrf_app.url_map.iter_rules():
        for method in sorted(rule.methods & CHANGES):
            url = factories.world_url(world, rule)
            cookie = delegate if rule.endpoint.startswith(DELEGATE_ENDPOINTS) else staff
            client = csrf_app.test_client()
            client.set_cookie("session", cookie)
            before = row_counts()
            response = client.open(url, method=method, **body_for(world, rule.endpoint))
            label = f"{method} {url}"
            assert response.status_code == 400, (label, response.status_code)
            assert row_counts() == before, label
            if rule.endpoint.startswith("api."):
                assert response.is_json and response.json["message"], label
            walked += 1
    assert walked >= 35


def test_the_language_switch_needs_the_token(csrf_app, world):
    client = csrf_app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert client.post("/lang", data={"lang": "fr", "next": "/"}).status_code == 400
    with client.session_transaction() as session:
        assert "lang" not in session
    response = client.post(
        "/lang", data={"lang": "fr", "next": "/", "csrf_token": token_in(page)}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["lang"] == "fr"


def test_the_json_api_takes_the_token_from_the_header(csrf_app, world):
    client = csrf_app.test_client()
    client.get(f"/j/{world.d1.token}")
    page = client.get(f"/vote/{world.open_poll.id}").get_data(as_text=True)
    url = f"/api/rounds/{world.open_poll.rounds[0].id}/ballot"
    ranking = {"ranking": [[o.id] for o in world.open_poll.options]}
    assert client.post(url, json=ranking).status_code == 400
    wrong = client.post(url, json=ranking, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    response = client.post(url, json=ranking, headers={"X-CSRFToken": token_in(page)})
    assert response.status_code == 200  # d1's second revision
    assert response.json["revision"] == 2


def test_a_token_from_another_session_is_refused(csrf_app, world):
    attacker = csrf_app.test_client()
    stolen = token_in(attacker.get("/").get_data(as_text=True))
    victim = csrf_app.test_client()
    victim.get("/")
    response = victim.post("/lang", data={"lang": "fr", "csrf_token": stolen})
    assert response.status_code == 400


# --- the ballot keeps its draft -----------------------------------------------------


def selected_ranks(html: str) -> dict[int, int]:
    """Option id → the rank selected in the plain form."""
    ranks = {}
    for option_id, body in re.findall(
        r'<select class="rank" id="rank-(\d+)" name="rank-\d+">(.*?)</select>',
        html,
        re.S,
    ):
        chosen = re.search(r'<option value="(\d+)" selected>', body)
        if chosen:
            ranks[int(option_id)] = int(chosen.group(1))
    return ranks


@pytest.fixture
def ballot_page(csrf_app, world):
    client = csrf_app.test_client()
    client.get(f"/j/{world.d1.token}")
    html = client.get(f"/vote/{world.open_poll.id}").get_data(as_text=True)
    a, b, c = (o.id for o in world.open_poll.options)
    assert selected_ranks(html) == {a: 1, b: 2, c: 3}  # the stored ballot
    draft = {c: 1, a: 2}  # the new, unsent choice: C first, then A, B unranked
    form = {
        "round": str(world.open_poll.rounds[0].id),
        "key": "draft-key-1",
        **{f"rank-{option}": str(rank) for option, rank in draft.items()},
        f"rank-{b}": "",
    }
    return client, html, form, draft


def assert_draft_kept(response, draft, world, before):
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert selected_ranks(html) == draft
    assert 'role="alert"' in html or "alert" in html
    assert "no-store" in response.headers["Cache-Control"]
    ballot = db.session.scalar(
        sa.select(Ballot).filter_by(
            round_id=world.open_poll.rounds[0].id, participant_id=world.d1.id
        )
    )
    db.session.refresh(ballot)
    assert (ballot.ranking, ballot.revision) == before


def stored(world):
    ballot = db.session.scalar(
        sa.select(Ballot).filter_by(
            round_id=world.open_poll.rounds[0].id, participant_id=world.d1.id
        )
    )
    return ballot.ranking, ballot.revision


def test_an_invalid_token_rerenders_the_ballot_with_the_draft(
    csrf_app, world, ballot_page
):
    client, _html, form, draft = ballot_page
    before = stored(world)
    for token in (None, "", "not-a-token"):
        data = dict(form) if token is None else {**form, "csrf_token": token}
        response = client.post(f"/vote/{world.open_poll.id}", data=data)
        assert_draft_kept(response, draft, world, before)
    # The re-rendered page carries a fresh token: sending again works.
    html = response.get_data(as_text=True)
    again = client.post(
        f"/vote/{world.open_poll.id}", data={**form, "csrf_token": token_in(html)}
    )
    assert again.status_code == 303
    a, b, c = (o.id for o in world.open_poll.options)
    assert stored(world)[0] == [[c], [a]]


def test_an_expired_token_rerenders_the_ballot_with_the_draft(
    csrf_app, world, ballot_page, monkeypatch
):
    client, html, form, draft = ballot_page
    csrf_app.config["WTF_CSRF_TIME_LIMIT"] = 3600  # production keeps None
    before = stored(world)
    later = TimestampSigner.get_timestamp(TimestampSigner("k")) + 2 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post(
        f"/vote/{world.open_poll.id}", data={**form, "csrf_token": token_in(html)}
    )
    assert_draft_kept(response, draft, world, before)
