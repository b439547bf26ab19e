"""Every output path asks the one disclosure policy what it may show.

``OUTPUTS`` classifies each GET route of ``app.url_map`` by what it shows of
a round; a route it does not list fails :func:`test_every_output_is_classified`
(as the authorisation matrix does), so a new page, fragment, API answer or
export gets classified, and the walk below then checks that every route that
shows a tally or ballots asks :mod:`voting.disclosure` while answering.
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.app.test_authorization import routes, session_cookie
from voting import disclosure

#: Shows a round's tally or ballots: asks ``disclosure.results`` or
#: ``disclosure.ballot_file`` on every answer.
TALLY = "tally"
#: Shows a proposed list: the list was checked by the policy when proposed
#: (``adoption.propose``), and is stored as proposed.
PROPOSAL = "proposal"
#: Names who voted what: refused outright for secret polls.
NAMED = "named"
#: Shows nothing of any round's ballots (counts of ballots at most, to staff).
NOTHING = "nothing"

OUTPUTS = {
    "display.poll": TALLY,
    "display.live": TALLY,
    "display.plenary": TALLY,
    "api.display_tally": TALLY,
    "secretariat.export_round": TALLY,
    "secretariat.export_poll": TALLY,
    "secretariat.export_plenary": TALLY,
    "secretariat.named_ballots": NAMED,
    # every closed round's exports: asks ``ballot_file`` per round
    "secretariat.archive_zip": TALLY,
    "delegate.consent": PROPOSAL,
    "facilitator.poll": PROPOSAL,
    # the poll page itself, as console.js polls it
    "facilitator.poll_live": PROPOSAL,
    **dict.fromkeys(
        [
            "main.index",
            "auth.login",
            "auth.set_password",
            "auth.change_password",
            "facilitator.accounts",
            "facilitator.edit_account",
            "api.openapi",
            "delegate.link",
            "delegate.join",
            "delegate.check_receipt",
            "delegate.polls",
            "delegate.language",
            # the delegate's own ballot, to the delegate alone
            "delegate.ballot",
            "delegate.receipt",
            # open / closed states of the delegate's event, never a count
            "delegate.room_state",
            "api.get_ballot",
            "facilitator.index",
            "facilitator.create_event",
            "facilitator.event",
            "facilitator.edit_event",
            "facilitator.audit_log",
            "facilitator.lobby",
            "facilitator.duplicate_poll",
            # who has not voted yet (never how); a blank printable ballot
            "facilitator.paper_ballot",
            "facilitator.paper_ballots",
            "facilitator.event_from",
            "facilitator.lobby_live",
            "facilitator.event_live",
            "facilitator.delegations",
            "facilitator.edit_delegation",
            "facilitator.participants",
            "facilitator.import_participants",
            "facilitator.create_participant",
            "facilitator.edit_participant",
            "facilitator.create_workshop",
            "facilitator.edit_workshop",
            "facilitator.create_poll",
            "facilitator.edit_poll",
            "facilitator.add_option",
            "facilitator.bulk_options",
            "facilitator.edit_option",
            # confirm pages: what a change will do, ballot counts at most
            "facilitator.open_round",
            "facilitator.close_round",
            "facilitator.next_round",
            "facilitator.reopen_round",
            "facilitator.delete_round",
            "facilitator.close_proposal",
            "facilitator.reopen_adoption",
            "secretariat.index",
            "secretariat.audit_log",
            "secretariat.archive_page",
            # operations: status, and counts over every round (no round's tally)
            "ops.healthz",
            "ops.readyz",
            "ops.metrics",
        ],
        NOTHING,
    ),
}


def get_routes(app):
    return [rule for rule, method in routes(app) if method == "GET"]


def test_every_output_is_classified(app):
    found = {rule.endpoint for rule in get_routes(app)}
    assert found - OUTPUTS.keys() == set(), "classify the new outputs in OUTPUTS"
    assert OUTPUTS.keys() - found == set(), "remove the outputs that are gone"


@pytest.fixture
def asked(monkeypatch):
    """The policy questions asked while answering: ``[(question, poll id)]``."""
    calls = []
    for name in ("results", "ballot_file"):
        original = getattr(disclosure, name)

        def spy(poll, *args, _original=original, _name=name, **kwargs):
            calls.append((_name, poll.id))
            return _original(poll, *args, **kwargs)

        monkeypatch.setattr(disclosure, name, spy)
    return calls


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "soi", "html", "pdf", "docx"])
def test_every_tally_output_asks_the_policy(app, world, asked, fmt):
    cookie = session_cookie(app, world, "admin")
    walked = 0
    for rule in get_routes(app):
        if OUTPUTS[rule.endpoint] != TALLY:
            continue
        if "<fmt>" not in rule.rule and fmt != "csv":
            continue  # the pages are walked once
        url = factories.world_url(world, rule).replace(".csv", f".{fmt}")
        client = app.test_client()
        client.set_cookie("session", cookie)
        asked.clear()
        with client.get(url) as response:
            response.get_data()
            assert response.status_code < 500, url
        assert asked, f"{url} answered without asking the disclosure policy"
        walked += 1
    assert walked >= (7 if fmt == "csv" else 3)


def test_the_spy_sees_a_question(app, world, asked):
    """The walk above can fail: a projector page does ask, and is recorded."""
    client = app.test_client()
    client.get(f"/display/{world.closed_poll.display_token}")
    assert ("results", world.closed_poll.id) in asked
