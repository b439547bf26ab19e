"""Staff accounts in the console: an admin creates, edits, disables and resets
them; their owners choose and change their passwords."""

import re
from datetime import timedelta

import sqlalchemy as sa

from tests import factories
from voting.models import Account, AuditEntry
from voting.models.base import utcnow

LINK = re.compile(r'id="password-link">(https?://[^<]+)<')


def _link_path(page) -> str:
    """The path of the one-time set-password link a page shows."""
    found = LINK.search(page.get_data(as_text=True))
    assert found, "no password link on the page"
    return "/" + found.group(1).split("/", 3)[3]


def _create(admin_client, **data):
    form = {
        "name": "Ana Facilitadora",
        "email": "ana@example.org",
        "role": "facilitator",
    }
    return admin_client.post("/console/accounts", data=form | data)


def _actions(db):
    return [e.action for e in db.session.scalars(sa.select(AuditEntry))]


def test_an_admin_creates_a_facilitator_with_a_workshop_and_a_one_time_link(
    app, db, admin_client
):
    workshop = factories.make_workshop()
    page = _create(admin_client, workshops=[workshop.id])
    assert page.status_code == 201
    body = page.get_data(as_text=True)
    assert "<svg" in body  # the link's QR code
    path = _link_path(page)
    account = db.session.scalar(sa.select(Account).filter_by(email="ana@example.org"))
    assert account.role == "facilitator"
    assert [w.id for w in account.workshops] == [workshop.id]
    assert account.password_token_hash and path.rsplit("/", 1)[1] not in (
        account.password_token_hash
    )
    assert "account_created" in _actions(db)
    # The list shows the account as waiting for its password.
    listing = admin_client.get("/console/accounts").get_data(as_text=True)
    assert "Ana Facilitadora" in listing and path not in listing


def test_the_owner_sets_a_password_through_the_link_once_and_is_signed_in(
    app, db, admin_client
):
    path = _link_path(_create(admin_client))
    owner = app.test_client()
    assert owner.get(path).status_code == 200
    mismatch = owner.post(path, data={"password": "s3cret-pass", "confirm": "other"})
    assert mismatch.status_code == 400
    short = owner.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 400
    account = db.session.scalar(sa.select(Account).filter_by(email="ana@example.org"))
    db.session.refresh(account)
    assert account.password_hash == ""  # nothing stored by the bad tries

    done = owner.post(path, data={"password": "s3cret-pass", "confirm": "s3cret-pass"})
    assert done.status_code == 302
    assert owner.get("/console/").status_code == 200  # signed in
    assert owner.get(path).status_code == 404  # the link is spent
    again = app.test_client()
    assert factories.login(again, account, "s3cret-pass").status_code == 302
    assert "account_password_set" in _actions(db)


def test_an_expired_or_unknown_link_is_refused(app, db, admin_client):
    path = _link_path(_create(admin_client))
    account = db.session.scalar(sa.select(Account).filter_by(email="ana@example.org"))
    account.password_token_expires = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client()
    answer = client.post(
        path, data={"password": "s3cret-pass", "confirm": "s3cret-pass"}
    )
    assert answer.status_code == 404
    assert "caducó" in answer.get_data(as_text=True)  # Spanish, the default
    assert client.get("/set-password/" + "x" * 43).status_code == 404
    db.session.refresh(account)
    assert account.password_hash == ""


def test_only_admins_manage_accounts(app, facilitator_client, secretariat_client):
    for client in (facilitator_client, secretariat_client):
        assert client.get("/console/accounts").status_code == 403
        assert _create(client).status_code == 403
    assert app.test_client().get("/console/accounts").status_code == 302


def test_a_duplicate_e_mail_is_refused_and_nothing_is_stored(app, db, admin_client):
    factories.make_account(email="ana@example.org")
    before = db.session.scalar(sa.select(sa.func.count(Account.id)))
    answer = _create(admin_client)
    assert answer.status_code == 409
    assert "Ya existe una cuenta" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Account.id))) == before


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(app, db, admin_client):
    colleague = factories.make_account()
    their = app.test_client()
    factories.login(their, colleague)
    assert their.get("/console/").status_code == 200
    done = admin_client.post(f"/console/accounts/{colleague.id}/disable")
    assert done.status_code == 302
    assert their.get("/console/").status_code == 302  # back to the sign-in
    assert factories.login(app.test_client(), colleague).status_code == 401
    admin_client.post(f"/console/accounts/{colleague.id}/enable")
    assert factories.login(app.test_client(), colleague).status_code == 302
    assert {"account_disabled", "account_enabled"} <= set(_actions(db))


def test_the_last_admin_can_be_neither_disabled_nor_demoted(app, db, admin_client):
    me = admin_client.account
    assert admin_client.post(f"/console/accounts/{me.id}/disable").status_code == 409
    demote = admin_client.post(
        f"/console/accounts/{me.id}/edit", data={"role": "facilitator"}
    )
    assert demote.status_code == 409
    db.session.refresh(me)
    assert me.role == "admin" and not me.disabled


def test_an_admin_changes_a_role_and_the_workshops(app, db, admin_client):
    colleague = factories.make_account()
    first, second = factories.make_workshop(), factories.make_workshop()
    answer = admin_client.post(
        f"/console/accounts/{colleague.id}/edit",
        data={"role": "secretariat", "workshops": [first.id, second.id]},
    )
    assert answer.status_code == 302
    db.session.refresh(colleague)
    assert colleague.role == "secretariat"
    assert sorted(w.id for w in colleague.workshops) == sorted([first.id, second.id])
    unknown = admin_client.post(
        f"/console/accounts/{colleague.id}/edit",
        data={"role": "facilitator", "workshops": [99999]},
    )
    assert unknown.status_code == 400
    db.session.refresh(colleague)
    assert colleague.role == "secretariat"


def test_a_reset_link_ends_the_old_password_and_sessions(app, db, admin_client):
    colleague = factories.make_account()
    their = app.test_client()
    factories.login(their, colleague)
    page = admin_client.post(f"/console/accounts/{colleague.id}/reset")
    assert page.status_code == 200
    path = _link_path(page)
    assert their.get("/console/").status_code == 302
    assert factories.login(app.test_client(), colleague).status_code == 401
    owner = app.test_client()
    owner.post(path, data={"password": "brand-new-1", "confirm": "brand-new-1"})
    assert (
        factories.login(app.test_client(), colleague, "brand-new-1").status_code == 302
    )


def test_staff_change_their_own_password_and_their_other_sessions_end(
    app, db, facilitator_client
):
    account = facilitator_client.account
    elsewhere = app.test_client()
    factories.login(elsewhere, account)
    url = "/account/password"
    assert facilitator_client.get(url).status_code == 200
    wrong = facilitator_client.post(
        url,
        data={"current": "nope", "password": "brand-new-1", "confirm": "brand-new-1"},
    )
    assert wrong.status_code == 400
    assert factories.login(app.test_client(), account).status_code == 302  # unchanged
    done = facilitator_client.post(
        url,
        data={
            "current": factories.PASSWORD,
            "password": "brand-new-1",
            "confirm": "brand-new-1",
        },
    )
    assert done.status_code == 302
    assert facilitator_client.get("/console/").status_code == 200  # still in
    assert elsewhere.get("/console/").status_code == 302  # the other one ended
    assert factories.login(app.test_client(), account, "brand-new-1").status_code == 302
    assert "account_password_changed" in _actions(db)
    assert app.test_client().get(url).status_code == 302  # staff only
