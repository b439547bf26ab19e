"""Event join codes: from a CSPRNG, hashed at rest; joins and logins rate limited.

The database holds a random salt and a keyed hash per event; the code shown on
the projector is derived on demand (HMAC of the salt under SECRET_KEY, in the
unambiguous alphabet) and looked up by its hash.
"""

import time

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from tests import factories
from voting import create_app
from voting.extensions import db, limiter
from voting.models import (
    CODE_ALPHABET,
    AuditEntry,
    Event,
    Participant,
    derive_join_code,
    hash_join_code,
)


def database_text() -> str:
    """Everything the database holds, as text: every row of every table."""
    parts = []
    connection = db.engine.raw_connection()
    try:
        if db.engine.dialect.name == "sqlite":
            parts.extend(connection.driver_connection.iterdump())
    finally:
        connection.close()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_the_clear_code_is_nowhere_in_the_database(app):
    world = factories.make_world()
    client = app.test_client()
    # A code join too: the typed code must not end up in a row either.
    response = client.post(
        "/join",
        data={
            "code": world.event.join_code.lower(),
            "name": "Walk-in",
            "delegation": str(world.delegations[1].id),
        },
    )
    assert response.status_code == 302
    projector = client.get(f"/display/{world.open_poll.display_token}")
    assert world.event.join_code in projector.get_data(as_text=True)
    dump = database_text()
    assert "CREATE TABLE" in dump or db.engine.dialect.name != "sqlite"
    for event in (world.event, world.other_event):
        assert event.join_code not in dump
        assert event.join_code.lower() not in dump
        assert event.join_code_hash in dump  # the dump really is the database


def test_codes_are_short_unambiguous_and_distinct(app):
    events = [factories.make_event() for _ in range(200)]
    codes = {event.join_code for event in events}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    # Salts come from the CSPRNG: 128 bits each, never repeated.
    salts = {event.code_salt for event in events}
    assert len(salts) == 200 and all(len(salt) == 32 for salt in salts)


def test_the_code_and_its_hash_depend_on_the_secret_key(app, tmp_path):
    salt = "0123456789abcdef0123456789abcdef"
    code, digest = derive_join_code(salt), hash_join_code("ABC234")
    other = create_app(
        "testing",
        {
            "SECRET_KEY": "another-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite3'}",
        },
    )
    with other.app_context():
        assert derive_join_code(salt) != code
        assert hash_join_code("ABC234") != digest
    assert derive_join_code(salt) == code  # stable under the same key


def test_the_hash_is_keyed_not_a_bare_sha256(app):
    import hashlib

    event = factories.make_event()
    bare = hashlib.sha256(event.join_code.encode()).hexdigest()
    assert event.join_code_hash != bare
    assert event.join_code_hash == hash_join_code(event.join_code)


def test_typed_codes_are_normalised(app, client):
    poll = factories.make_poll(open_mode=True)
    code = poll.event.join_code
    for typed in (
        code,
        code.lower(),
        f" {code[:3]}-{code[3:]} ",
        f"{code[:3]} {code[3:]}",
    ):
        assert client.get("/join", query_string={"code": typed}).status_code == 200


def test_rotating_the_code_ends_the_old_one(app, client):
    poll = factories.make_poll(open_mode=True)
    event = db.session.get(Event, poll.event_id)
    old = event.join_code
    old_hash = event.join_code_hash
    new = event.rotate_join_code()
    db.session.commit()
    assert new != old and event.join_code_hash != old_hash
    assert client.get(f"/join?code={old}").status_code == 404
    assert client.get(f"/join?code={new}").status_code == 200


def test_a_code_without_an_open_mode_poll_does_not_join(app, client):
    poll = factories.make_poll(open_mode=False)
    assert client.get(f"/join?code={poll.event.join_code}").status_code == 404


# --- rate limits --------------------------------------------------------------------


@pytest.fixture
def limited_app(make_app):
    """The testing app with Flask-Limiter on and the default limits."""
    # make_app gives each request a clean ``g`` (Flask-Babel caches the locale
    # there) before the limiter looks at it.
    app = make_app(RATELIMIT_ENABLED=True)
    limiter.reset()
    yield app
    limiter.reset()


def test_twenty_failed_joins_a_minute_then_429_translated(limited_app):
    poll = factories.make_poll(open_mode=True)
    voter = factories.make_participant(poll.event)
    client = limited_app.test_client()
    for n in range(20):
        path = "/j/not-a-valid-token-at-all" if n % 2 else "/join?code=WRONG9"
        assert client.get(path).status_code == 404, n
    for path in ("/join?code=WRONG9", "/j/not-a-valid-token-at-all"):
        blocked = client.get(path, headers={"Accept-Language": "fr"})
        assert blocked.status_code == 429, path
        html = blocked.get_data(as_text=True)
        with force_locale("fr"):
            assert gettext("Too many attempts") in html
        # Seconds until the spent one-minute window resets.
        retry_after = int(blocked.headers["Retry-After"])
        assert retry_after >= 1, retry_after
        assert retry_after <= 60, retry_after
    # A valid link or code from the same address is never refused.
    assert client.get(f"/j/{voter.token}").status_code == 302
    assert client.get(f"/join?code={poll.event.join_code}").status_code == 200
    # The limit is per address: the venue's other network is not blocked.
    other = client.get(f"/j/{voter.token}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 302


def test_a_failed_code_post_counts_too(limited_app):
    factories.make_poll(open_mode=True)
    client = limited_app.test_client()
    for _ in range(20):
        assert client.post("/join", data={"code": "WRONG9"}).status_code == 404
    assert client.post("/join", data={"code": "WRONG9"}).status_code == 429


def test_300_valid_joins_from_one_address_in_a_minute_all_pass(limited_app):
    poll = factories.make_poll(open_mode=True)
    event = poll.event
    delegation = factories.make_participant(event).delegation
    voters = []
    for n in range(150):
        participant = Participant(event=event, delegation=delegation, name=f"V{n}")
        participant.token = participant.issue_token()
        voters.append(participant)
    db.session.add_all(voters)
    db.session.commit()
    code = event.join_code
    started = time.monotonic()
    statuses = []
    for n, voter in enumerate(voters):  # one venue address: 127.0.0.1
        phone = limited_app.test_client()
        statuses.append(phone.get(f"/j/{voter.token}").status_code)
        phone = limited_app.test_client()
        statuses.append(
            phone.post(
                "/join",
                data={
                    "code": code,
                    "name": f"Walk-in {n}",
                    "delegation": delegation.id,
                },
            ).status_code
        )
        if n % 10 == 0:  # a few typos on the way (19 in all) do not block anyone
            statuses.append(phone.get("/join?code=WRONG9").status_code)
    elapsed = time.monotonic() - started
    joins = [s for s in statuses if s != 404]
    assert len(joins) == 300 and set(joins) == {302}
    assert statuses.count(404) == 15
    assert elapsed < 60, f"300 joins took {elapsed:.1f} s"
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Participant).filter_by(event_id=event.id)
    )
    assert count == 1 + 150 + 150


def test_twenty_failed_logins_a_minute_then_429(limited_app):
    account = factories.make_account()
    client = limited_app.test_client()
    for _ in range(20):
        response = factories.login(client, account, password="wrong password")
        assert response.status_code == 401
    # The account is locked (from every address, see test_lockouts.py); its
    # colleagues are not.
    assert factories.login(client, account).status_code == 429
    colleague = factories.make_account()
    assert factories.login(limited_app.test_client(), colleague).status_code == 302


def test_successful_logins_do_not_count(limited_app):
    account = factories.make_account()
    client = limited_app.test_client()
    for _ in range(21):
        assert factories.login(client, account).status_code == 302


def code_found(code: str) -> bool:
    return (
        db.session.scalar(
            sa.select(Event).filter_by(join_code_hash=hash_join_code(code))
        )
        is not None
    )


def test_join_codes_after_a_new_secret_key(app, runner):
    world = factories.make_world()
    old_code = world.event.join_code
    assert code_found(old_code)
    app.config["SECRET_KEY"] = "another-secret-key-for-this-test"
    new_code = world.event.join_code
    assert new_code != old_code and not code_found(new_code)  # lookups are stale
    result = runner.invoke(args=["join-codes"])
    assert result.exit_code == 0, result.output
    assert f"{world.event.slug}: {new_code}" in result.output
    assert f"{world.other_event.slug}: {world.other_event.join_code}" in result.output
    assert code_found(new_code) and not code_found(old_code)


def test_join_codes_rotate_replaces_a_leaked_code(app, runner):
    world = factories.make_world()
    leaked, other = world.event.join_code, world.other_event.join_code
    result = runner.invoke(args=["join-codes", "--rotate", world.event.slug])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    fresh = world.event.join_code
    assert fresh != leaked and f"{world.event.slug}: {fresh}" in result.output
    assert not code_found(leaked) and code_found(fresh)
    assert world.other_event.join_code == other and code_found(other)  # untouched
    actions = db.session.scalars(
        sa.select(AuditEntry.action).filter_by(event_id=world.event.id)
    ).all()
    assert "join_code_rotated" in actions


def test_join_codes_of_an_unknown_event_change_nothing(app, runner):
    world = factories.make_world()
    code = world.event.join_code
    result = runner.invoke(args=["join-codes", "--rotate", world.event.slug, "nope"])
    assert result.exit_code != 0 and "No event nope" in result.output
    db.session.expire_all()
    assert world.event.join_code == code and code_found(code)
