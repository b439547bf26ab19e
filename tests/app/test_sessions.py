"""Server-side revocation of staff sessions: a signed cookie is not enough."""

from tests import factories
from voting import permissions
from voting.extensions import db


def _signed_in(app, account):
    client = app.test_client()
    assert factories.login(client, account).status_code == 302
    assert client.get("/console/").status_code == 200
    return client


def _replay(app, cookie):
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief.get("/console/")


def test_a_cookie_copied_before_logout_is_anonymous_after_it(app):
    account = factories.make_account()
    client = _signed_in(app, account)
    copied = client.get_cookie("session")
    assert _replay(app, copied).status_code == 200  # the copy works while signed in
    assert client.post("/logout").status_code == 302
    replayed = _replay(app, copied)
    assert replayed.status_code == 302
    assert "/login" in replayed.headers["Location"]
    # Signing in again gives a working session; the old copy stays dead.
    fresh = _signed_in(app, account)
    assert fresh.get("/console/").status_code == 200
    assert _replay(app, copied).status_code == 302


def test_logout_ends_the_accounts_other_devices_too(app):
    account = factories.make_account()
    laptop = _signed_in(app, account)
    phone = _signed_in(app, account)
    laptop.post("/logout")
    assert phone.get("/console/").status_code == 302


def test_revoke_sessions_and_a_password_change_end_sessions(app):
    account = factories.make_account()
    client = _signed_in(app, account)
    permissions.revoke_sessions(account)
    assert client.get("/console/").status_code == 302
    client = _signed_in(app, account)
    account.set_password("a brand new password")
    db.session.commit()
    assert client.get("/console/").status_code == 302
    # Other accounts' sessions are untouched.
    colleague = factories.make_account()
    other = _signed_in(app, colleague)
    permissions.revoke_sessions(account)
    assert other.get("/console/").status_code == 200


def test_a_session_id_without_the_epoch_is_anonymous(app):
    account = factories.make_account()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(account.id)  # the format before revocation
        session["_fresh"] = True
    assert client.get("/console/").status_code == 302
