"""One venue, one address: failures lock out the failures, not the venue.

Hundreds of phones share the venue's public address. A failed join or
sign-in counts against the address and against what was attacked (the code
or link typed, the account's e-mail); a valid link, code, receipt or
password is never refused because of someone else's failures
(:mod:`voting.throttle`).
"""

import pytest

from tests import factories
from voting.extensions import db, limiter
from voting.models import Participant


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    limiter.reset()
    yield app
    limiter.reset()


def test_300_phones_behind_one_address_40_typos_all_join_brute_force_stopped(
    limited_app,
):
    poll = factories.make_poll(open_mode=True)
    event = poll.event
    delegation = factories.make_participant(event).delegation
    code = event.join_code
    statuses = []
    for n in range(300):  # one venue address: 127.0.0.1
        phone = limited_app.test_client()
        if n < 40:  # 40 phones mistype the code first
            typo = phone.post("/join", data={"code": f"WRONG{n:02d}"})
            statuses.append(typo.status_code)
        assert phone.get(f"/join?code={code}").status_code == 200, n
        joined = phone.post(
            "/join",
            data={"code": code, "name": f"Walk-in {n}", "delegation": delegation.id},
        )
        assert joined.status_code == 302, n
    assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}
    count = db.session.query(Participant).filter_by(event_id=event.id).count()
    assert count == 1 + 300
    # A brute force of the code from that address is still stopped.
    attacker = limited_app.test_client()
    for guess in ("AAAAAA", "BBBBBB", "CCCCCC"):
        blocked = attacker.get(f"/join?code={guess}")
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1


def test_a_valid_link_and_code_pass_after_20_wrong_codes_from_the_address(
    limited_app,
):
    poll = factories.make_poll(open_mode=True)
    voter = factories.make_participant(poll.event)
    client = limited_app.test_client()
    for n in range(20):
        assert client.get(f"/join?code=WRONG{n:02d}").status_code == 404
    assert client.get("/join?code=WRONG99").status_code == 429
    assert client.get("/j/not-a-valid-token-at-all").status_code == 429
    assert client.get(f"/j/{voter.token}").status_code == 302
    phone = limited_app.test_client()
    assert phone.get(f"/join?code={poll.event.join_code}").status_code == 200
    posted = phone.post("/join", data={"code": poll.event.join_code})
    assert posted.status_code == 200


def test_one_wrong_code_typed_everywhere_is_limited_per_code(limited_app):
    factories.make_poll(open_mode=True)
    for n in range(20):  # 20 addresses, the same wrong code
        phone = limited_app.test_client()
        answer = phone.get(
            "/join?code=WRONG9", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
        assert answer.status_code == 404
    other = limited_app.test_client()
    blocked = other.get("/join?code=WRONG9", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert blocked.status_code == 429
    fresh = other.get("/join?code=WRONG8", environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert fresh.status_code == 404


def test_a_valid_receipt_check_passes_after_failures_from_the_address(make_app):
    app = make_app(RATELIMIT_ENABLED=True, DELEGATE_JOIN_LIMIT="5 per minute")
    limiter.reset()
    poll = factories.make_poll(open_mode=True)
    voter = factories.make_participant(poll.event)
    ballot = factories.make_ballot(
        poll.rounds[0], voter, [[o.id] for o in poll.options]
    )
    client = app.test_client()
    for _ in range(5):
        assert client.post("/receipt", data={"code": "NOPE123456"}).status_code == 404
    assert client.post("/receipt", data={"code": "NOPE123456"}).status_code == 429
    found = client.post("/receipt", data={"code": ballot.receipt_code})
    assert found.status_code == 200
    limiter.reset()


def test_another_staff_members_sign_in_passes_after_20_wrong_passwords(
    limited_app,
):
    attacked = factories.make_account()
    colleague = factories.make_account()
    client = limited_app.test_client()
    for _ in range(20):
        wrong = factories.login(client, attacked, password="wrong password")
        assert wrong.status_code == 401
    blocked = factories.login(client, attacked, password="still wrong")
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    # The colleague at the same address signs in; the attacked account is
    # locked from every address, even with its password.
    assert factories.login(limited_app.test_client(), colleague).status_code == 302
    elsewhere = limited_app.test_client()
    locked = elsewhere.post(
        "/login",
        data={"email": attacked.email.upper(), "password": factories.PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert locked.status_code == 429


def test_a_spray_from_one_address_is_stopped_without_locking_others(limited_app):
    accounts = [factories.make_account() for _ in range(3)]
    client = limited_app.test_client()
    for n in range(20):  # wrong passwords spread over many e-mails
        wrong = client.post(
            "/login", data={"email": f"guess{n}@example.org", "password": "x"}
        )
        assert wrong.status_code == 401
    assert (
        client.post(
            "/login", data={"email": accounts[0].email, "password": "x"}
        ).status_code
        == 429
    )
    for account in accounts:  # each account's own counter is untouched
        assert factories.login(limited_app.test_client(), account).status_code == 302


# --- behind a reverse proxy -----------------------------------------------------


def _fail_twenty_from(client, forwarded: str) -> None:
    for n in range(20):
        answer = client.get(
            f"/join?code=WRONG{n:02d}", headers={"X-Forwarded-For": forwarded}
        )
        assert answer.status_code == 404


def test_without_trusted_proxies_x_forwarded_for_is_ignored(limited_app):
    assert limited_app.config["TRUSTED_PROXIES"] == 0
    factories.make_poll(open_mode=True)
    client = limited_app.test_client()
    _fail_twenty_from(client, "203.0.113.7")
    # A forged header does not buy a new address.
    forged = client.get("/join?code=WRONG99", headers={"X-Forwarded-For": "1.2.3.4"})
    assert forged.status_code == 429


def test_with_one_trusted_proxy_the_client_address_is_the_forwarded_one(make_app):
    app = make_app(RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)
    limiter.reset()
    factories.make_poll(open_mode=True)
    client = app.test_client()
    _fail_twenty_from(client, "203.0.113.7")
    again = client.get("/join?code=WRONG99", headers={"X-Forwarded-For": "203.0.113.7"})
    assert again.status_code == 429
    other = client.get("/join?code=WRONG98", headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 404
    # Only the last hop is trusted: a client's own forged entry is not used.
    forged = client.get(
        "/join?code=WRONG97", headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.7"}
    )
    assert forged.status_code == 429
    https = client.get(
        "/",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "vote.example.org"},
    )
    assert "Strict-Transport-Security" in https.headers
    limiter.reset()
