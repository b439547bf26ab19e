"""Authorisation matrix: every route × every kind of visitor (OWASP ASVS V4).

``TABLE`` classifies each (endpoint, method) of ``app.url_map``; a route it
does not list fails :func:`test_the_table_covers_every_route`, so each new
route gets classified. The URLs are filled with real ids of
:func:`tests.factories.make_world` (two events, two facilitators …). Visitors
replay a captured session cookie on a fresh client, so a request that signs
out or switches identity does not leak into the next one.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests import factories
from voting.extensions import db
from voting.models import Ballot

ROLES = (
    "anonymous",
    "delegate",
    "other_delegate",
    "facilitator",
    "other_facilitator",
    "secretariat",
    "admin",
)
DELEGATES = ("delegate", "other_delegate")
STAFF = ("facilitator", "other_facilitator", "secretariat", "admin")

#: Expected: the request is let through (any status but a refusal or a 5xx).
ALLOWED = "allowed"
#: Expected: a redirect to the staff sign-in page.
LOGIN = "login"


def public(ok):
    return dict.fromkeys(ROLES, ok)


def console(ok, other=403):
    """Staff pages for facilitators of the object (and admins)."""
    return {
        "anonymous": LOGIN,
        "delegate": LOGIN,
        "other_delegate": LOGIN,
        "facilitator": ok,
        "other_facilitator": other,
        "secretariat": 403,
        "admin": ok,
    }


def secretariat(ok):
    return {
        "anonymous": LOGIN,
        "delegate": LOGIN,
        "other_delegate": LOGIN,
        "facilitator": 403,
        "other_facilitator": 403,
        "secretariat": ok,
        "admin": ok,
    }


def staff(ok):
    """Pages of every signed-in staff member."""
    return {
        "anonymous": LOGIN,
        "delegate": LOGIN,
        "other_delegate": LOGIN,
        **dict.fromkeys(STAFF, ok),
    }


def admin_only(ok):
    """Staff accounts: admins only."""
    return staff(403) | {"admin": ok}


def delegate(ok, other):
    """Delegate pages: the world's URLs belong to event 1, the delegate's event."""
    return {
        "anonymous": 401,
        **dict.fromkeys(STAFF, 401),
        "delegate": ok,
        "other_delegate": other,
    }


#: (endpoint, method) → {role: expected status, ALLOWED or LOGIN}.
TABLE = {
    # public pages
    ("main.index", "GET"): public(200),
    ("main.set_language", "POST"): public(ALLOWED),
    ("auth.login", "GET"): public(200),
    ("auth.login", "POST"): public(ALLOWED),
    ("auth.logout", "POST"): public(ALLOWED),
    # a one-time link nobody in the walk holds; one's own password
    ("auth.set_password", "GET"): public(404),
    ("auth.set_password", "POST"): public(404),
    ("auth.change_password", "GET"): staff(200),
    ("auth.change_password", "POST"): staff(ALLOWED),
    # staff accounts
    ("facilitator.accounts", "GET"): admin_only(200),
    ("facilitator.accounts", "POST"): admin_only(ALLOWED),
    ("facilitator.edit_account", "GET"): admin_only(200),
    ("facilitator.edit_account", "POST"): admin_only(ALLOWED),
    ("facilitator.disable_account", "POST"): admin_only(ALLOWED),
    ("facilitator.enable_account", "POST"): admin_only(ALLOWED),
    ("facilitator.reset_account", "POST"): admin_only(ALLOWED),
    ("delegate.link", "GET"): public(302),  # anyone holding the personal link
    ("delegate.join", "GET"): public(200),
    ("delegate.join", "POST"): public(ALLOWED),
    ("delegate.check_receipt", "GET"): public(200),
    ("delegate.check_receipt", "POST"): public(ALLOWED),
    # the projector: anyone with the unguessable token
    ("display.poll", "GET"): public(200),
    ("display.live", "GET"): public(200),
    ("display.plenary", "GET"): public(200),
    ("api.display_tally", "GET"): public(200),
    ("api.openapi", "GET"): public(200),
    # operations (voting/ops.py): no personal data; the test schema is not
    # stamped by Alembic (readyz 503) and metrics are off in testing (404)
    ("ops.healthz", "GET"): public(200),
    ("ops.readyz", "GET"): public(503),
    ("ops.metrics", "GET"): public(404),
    # the delegate's own pages
    # each their own list, or straight to the only open ballot
    ("delegate.polls", "GET"): delegate({200, 302}, {200, 302}),
    ("delegate.language", "GET"): delegate(200, 200),
    ("delegate.language", "POST"): delegate(ALLOWED, ALLOWED),
    ("delegate.ballot", "GET"): delegate(200, 404),
    ("delegate.ballot", "POST"): delegate(ALLOWED, 404),
    ("delegate.receipt", "GET"): delegate(200, 404),
    # what the delegate's page follows: its own event's round and check states
    ("delegate.room_state", "GET"): delegate(204, 204),
    ("delegate.consent", "GET"): delegate(200, 403),
    ("delegate.consent", "POST"): delegate(ALLOWED, 403),
    ("api.get_ballot", "GET"): delegate(200, 400),
    ("api.cast_ballot", "POST"): delegate(ALLOWED, 400),
    ("api.answer_proposal", "POST"): delegate(ALLOWED, 403),
    # the console: facilitators of the workshop's event, and admins
    ("facilitator.index", "GET"): console(200, other=200),
    ("facilitator.create_event", "GET"): console(200, other=200),
    ("facilitator.create_event", "POST"): console(ALLOWED, other=ALLOWED),
    ("facilitator.event", "GET"): console(200),
    ("facilitator.event_live", "GET"): console(200),
    ("facilitator.edit_event", "GET"): console(200),
    ("facilitator.edit_event", "POST"): console(ALLOWED),
    ("facilitator.audit_log", "GET"): console(200),
    ("facilitator.badges", "POST"): console(ALLOWED),
    ("facilitator.delegations", "GET"): console(200),
    ("facilitator.delegations", "POST"): console(ALLOWED),
    ("facilitator.edit_delegation", "GET"): console(200),
    ("facilitator.edit_delegation", "POST"): console(ALLOWED),
    ("facilitator.delete_delegation", "POST"): console(ALLOWED),
    ("facilitator.participants", "GET"): console(200),
    ("facilitator.import_participants", "GET"): console(200),
    ("facilitator.import_participants", "POST"): console(ALLOWED),
    ("facilitator.create_participant", "GET"): console(200),
    ("facilitator.create_participant", "POST"): console(ALLOWED),
    ("facilitator.edit_participant", "GET"): console(200),
    ("facilitator.edit_participant", "POST"): console(ALLOWED),
    ("facilitator.delete_participant", "POST"): console(ALLOWED),
    # the lobby (world.voters[3] is no walk-in: admitting it is a 409)
    ("facilitator.lobby", "GET"): console(200),
    ("facilitator.paper_ballot", "GET"): console(200),
    ("facilitator.paper_ballot", "POST"): console(ALLOWED),
    ("facilitator.paper_ballots", "GET"): console(200),
    ("facilitator.duplicate_poll", "GET"): console(200),
    ("facilitator.duplicate_poll", "POST"): console(ALLOWED),
    ("facilitator.event_from", "GET"): console(200),
    ("facilitator.event_from", "POST"): console(ALLOWED),
    ("facilitator.lobby_live", "GET"): console(200),
    ("facilitator.admit_walk_in", "POST"): console(ALLOWED),
    ("facilitator.refuse_walk_in", "POST"): console(ALLOWED),
    ("facilitator.create_workshop", "GET"): console(200),
    ("facilitator.create_workshop", "POST"): console(ALLOWED),
    ("facilitator.edit_workshop", "GET"): console(200),
    ("facilitator.edit_workshop", "POST"): console(ALLOWED),
    ("facilitator.create_poll", "GET"): console(200),
    ("facilitator.create_poll", "POST"): console(ALLOWED),
    ("facilitator.poll", "GET"): console(200),
    ("facilitator.poll_live", "GET"): console(200),
    ("facilitator.edit_poll", "GET"): console(200),
    ("facilitator.edit_poll", "POST"): console(ALLOWED),
    ("facilitator.add_option", "GET"): console(200),
    ("facilitator.add_option", "POST"): console(ALLOWED),
    ("facilitator.bulk_options", "GET"): console(200),
    ("facilitator.bulk_options", "POST"): console(ALLOWED),
    ("facilitator.edit_option", "GET"): console(200),
    ("facilitator.edit_option", "POST"): console(ALLOWED),
    ("facilitator.move_option", "POST"): console(ALLOWED),
    ("facilitator.delete_option", "POST"): console(ALLOWED),
    # round and adoption controls: a confirm page (GET), then the change (POST)
    ("facilitator.open_round", "GET"): console(ALLOWED),
    ("facilitator.open_round", "POST"): console(ALLOWED),
    ("facilitator.close_round", "GET"): console(ALLOWED),
    ("facilitator.close_round", "POST"): console(ALLOWED),
    ("facilitator.next_round", "GET"): console(ALLOWED),
    ("facilitator.next_round", "POST"): console(ALLOWED),
    ("facilitator.reopen_round", "GET"): console(ALLOWED),
    ("facilitator.reopen_round", "POST"): console(ALLOWED),
    ("facilitator.delete_round", "GET"): console(ALLOWED),
    ("facilitator.delete_round", "POST"): console(ALLOWED),
    ("facilitator.close_proposal", "GET"): console(ALLOWED),
    ("facilitator.reopen_adoption", "GET"): console(ALLOWED),
    ("facilitator.reopen_adoption", "POST"): console(ALLOWED),
    ("facilitator.propose", "POST"): console(ALLOWED),
    ("facilitator.propose_plenary", "POST"): console(ALLOWED),
    ("facilitator.close_proposal", "POST"): console(ALLOWED),
    ("facilitator.amend_proposal", "POST"): console(ALLOWED),
    # the secretariat's exports (every event), and admins
    ("secretariat.index", "GET"): secretariat(200),
    ("secretariat.export_round", "GET"): secretariat(200),
    ("secretariat.export_poll", "GET"): secretariat(200),
    ("secretariat.export_plenary", "GET"): secretariat(200),
    ("secretariat.named_ballots", "GET"): secretariat(200),  # a named poll
    ("secretariat.audit_log", "GET"): secretariat(200),
    ("secretariat.archive_page", "GET"): secretariat(200),
    ("secretariat.archive_zip", "GET"): secretariat(200),
    # an empty confirmation: 400, nothing purged
    ("secretariat.purge_event", "POST"): admin_only(ALLOWED),
}


def routes(app):
    """(rule, method) of every route but static files."""
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def test_the_table_covers_every_route(app):
    found = {(rule.endpoint, method) for rule, method in routes(app)}
    assert found - TABLE.keys() == set(), "classify the new routes in TABLE"
    assert TABLE.keys() - found == set(), "remove the routes that are gone"
    for expected in TABLE.values():
        assert set(expected) == set(ROLES)


def test_no_url_carries_a_ballot_id(app):
    known = {
        "event_id",
        "workshop_id",
        "delegation_id",
        "option_id",
        "participant_id",
        "poll_id",
        "round_id",
        "proposal_id",
        "account_id",
        "token",
        "fmt",
        "filename",
    }
    for rule in app.url_map.iter_rules():
        assert "ballot" not in " ".join(rule.arguments).lower(), rule.rule
        assert rule.arguments <= known, f"{rule.rule}: is a new argument a ballot?"
        assert not re.search(r"ballots?/<", rule.rule), rule.rule


# --- the walk ---------------------------------------------------------------------


def session_cookie(app, world, role) -> str | None:
    """The session cookie of a signed-in visitor of this kind."""
    client = app.test_client()
    if role == "anonymous":
        return None
    if role in DELEGATES:
        participant = world.d1 if role == "delegate" else world.d2
        assert client.get(f"/j/{participant.token}").status_code == 302
    else:
        account = {
            "facilitator": world.fac1,
            "other_facilitator": world.fac2,
            "secretariat": world.secretariat,
            "admin": world.admin,
        }[role]
        assert factories.login(client, account).status_code == 302
    return client.get_cookie("session").value


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def request_body(world, endpoint: str) -> dict:
    if endpoint == "api.cast_ballot":
        return {"json": {"ranking": [[o.id] for o in world.open_poll.options]}}
    if endpoint == "api.answer_proposal":
        return {"json": {"answer": "agree"}}
    if endpoint == "facilitator.badges":
        # An empty badge form is a 500 today (see test_bad_input.py).
        return {"data": {"participants": str(world.voters[3].id)}}
    return {"data": {}}


def walk_order(item):
    """GETs first, then changes, deletions last (they remove the world's ids)."""
    rule, method = item
    return (method != "GET", "delete" in rule.endpoint, rule.rule, method)


def check(expected, response, role, label):
    status = response.status_code
    if expected == ALLOWED:
        assert status < 500 and status not in (401, 403, 405), (label, role, status)
        assert not response.location or "/login" not in response.location, (
            label,
            role,
        )
    elif expected == LOGIN:
        assert status == 302, (label, role, status)
        assert response.location.startswith("/login"), (label, role)
    elif isinstance(expected, set):
        assert status in expected, (label, role, status)
    else:
        assert status == expected, (label, role, status)


@pytest.mark.parametrize("role", ROLES)
def test_authorisation_matrix(app, world, role):
    cookie = session_cookie(app, world, role)
    refused = 0
    for rule, method in sorted(routes(app), key=walk_order):
        url = factories.world_url(world, rule)
        expected = TABLE[(rule.endpoint, method)][role]
        refusal = expected == LOGIN or expected in (400, 401, 403, 404)
        before = row_counts() if refusal else None
        client = app.test_client()
        if cookie is not None:
            client.set_cookie("session", cookie)
        kwargs = request_body(world, rule.endpoint) if method != "GET" else {}
        response = client.open(url, method=method, **kwargs)
        response.get_data()  # streamed exports run to the end
        response.close()
        check(expected, response, role, f"{method} {url}")
        if rule.endpoint == "auth.logout" and cookie is not None:
            # Logout revokes the account's sessions (test_sessions.py): sign in
            # again for the routes that follow.
            cookie = session_cookie(app, world, role)
        if before is not None:
            refused += 1
            db.session.expire_all()
            assert row_counts() == before, f"{method} {url} as {role} changed rows"
    if role in ("anonymous", "other_delegate", "other_facilitator", "secretariat"):
        assert refused >= 10


# --- secret polls -------------------------------------------------------------------


def readable(response) -> str:
    """The text of a page or an export (xlsx, docx and pdf opened up)."""
    body = response.get_data()
    if response.mimetype.endswith(("spreadsheetml.sheet", "wordprocessingml.document")):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8")
                for name in archive.namelist()
                if name.endswith(".xml")
            )
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(body)).pages
        )
    return body.decode("utf-8")


def names_in(text: str, world) -> list[str]:
    people = [*world.voters, world.d2]
    return [p.name for p in people if p.name in text] + [
        f"participant:{p.id}" for p in people if f"participant:{p.id}" in text
    ]


def test_no_page_or_export_of_a_secret_poll_names_a_delegate(app, world):
    admin = app.test_client()
    factories.login(admin, world.admin)
    poll = world.closed_poll
    round_id = poll.rounds[0].id
    urls = [
        f"/console/polls/{poll.id}",
        f"/console/polls/{poll.id}/live",
        f"/display/{poll.display_token}",
        f"/display/{poll.display_token}/live",
        f"/api/display/{poll.display_token}/tally",
        *(
            f"/secretariat/{kind}/{ident}/export.{fmt}"
            for kind, ident in (("rounds", round_id), ("polls", poll.id))
            for fmt in (
                *("csv", "xlsx", "json", "toi", "soi", "weights", "html", "pdf"),
                "docx",
            )
        ),
    ]
    secret_ballots = db.session.scalars(
        sa.select(Ballot).filter_by(round_id=round_id)
    ).all()
    assert len(secret_ballots) == 4
    for n, ballot in enumerate(secret_ballots):  # times nothing else has
        ballot.created_at = datetime(2001, 2, 3, 4, 5, 10 + n)
        ballot.updated_at = datetime(2001, 2, 3, 4, 6, 10 + n)
    db.session.commit()
    # Receipt codes and times would tie a ballot to its holder or reveal
    # the order of submission.
    traces = [b.receipt_code for b in secret_ballots] + [
        moment.isoformat(sep=sep, timespec="minutes")
        for b in secret_ballots
        for moment in (b.created_at, b.updated_at)
        for sep in ("T", " ")
    ]
    checked = 0
    for url in urls:
        response = admin.get(url)
        if response.status_code == 503 and url.endswith(".pdf"):
            continue  # no PDF fonts on this machine
        if response.status_code == 404 and url.endswith(".weights"):
            continue  # every ballot weighs one: no weights file
        assert response.status_code == 200, url
        text = readable(response)
        assert names_in(text, world) == [], url
        assert [t for t in traces if t in text] == [], url
        checked += 1
    assert checked >= 12
    refused = admin.get(f"/secretariat/rounds/{round_id}/named-ballots.csv")
    assert refused.status_code == 403


def test_the_name_finder_finds_names_in_a_named_poll(app, world):
    """The control: the named poll's named-ballots export does name people."""
    admin = app.test_client()
    factories.login(admin, world.secretariat)
    for fmt in ("csv", "xlsx"):
        url = f"/secretariat/rounds/{world.named_poll.rounds[0].id}/named-ballots.{fmt}"
        response = admin.get(url)
        assert response.status_code == 200
        assert len(names_in(readable(response), world)) >= 4, fmt


def test_the_ballot_api_never_shows_a_ballot_id(app, world):
    client = app.test_client()
    client.get(f"/j/{world.d1.token}")
    round_id = world.open_poll.rounds[0].id
    ballot = client.get(f"/api/rounds/{round_id}/ballot").json["ballot"]
    assert ballot is not None and "id" not in ballot
    answer = client.post(
        f"/api/rounds/{round_id}/ballot",
        json={"ranking": [[world.open_poll.options[0].id]]},
    ).json
    assert "id" not in answer and "ballot_id" not in answer
