"""Optimistic concurrency of the console's edit forms.

Each edit form carries the fingerprint of what it edits as rendered
(:func:`voting.setup.fingerprint`). Saving it after another staff member
changed the object answers 409, names what changed with its current value,
keeps the input and stores nothing; a form without a fingerprint is a 400.
"""

import re

import pytest
import sqlalchemy as sa

from tests import factories
from voting import setup
from voting.extensions import db
from voting.models import AuditEntry, RoundStatus
from voting.setup import events as event_setup
from voting.setup import options as option_setup
from voting.setup import people as people_setup
from voting.setup import polls as poll_setup

OTHER = "staff:other"


@pytest.fixture
def mine(fac):
    """A draft poll in a workshop run by ``fac``."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    return factories.make_poll(workshop, status=RoundStatus.DRAFT)


def settings_of(poll, **changes) -> dict:
    return {key: getattr(poll, key) for key in poll_setup.POLL_SETTINGS} | changes


def event_case(poll):
    event = poll.event

    def change():
        event_setup.update_event(
            event,
            {
                "name": event.name,
                "languages": event.languages,
                "venue": "Theirs",
                "starts_on": event.starts_on,
                "ends_on": event.ends_on,
            },
            OTHER,
        )

    return (
        f"/console/events/{event.id}/edit",
        {"name_es": "Mine", "languages": "es,en", "venue": "Mine"},
        change,
        lambda: event.venue == "Theirs" and event.name.get("es") != "Mine",
        "Venue: Theirs",
    )


def workshop_case(poll):
    workshop = poll.workshop
    return (
        f"/console/workshops/{workshop.id}/edit",
        {"name_es": "Mine"},
        lambda: event_setup.update_workshop(workshop, {"es": "Theirs"}, OTHER),
        lambda: workshop.name == {"es": "Theirs"},
        "Name: es: Theirs",
    )


def poll_case(poll):
    # The reported bug: results set to hidden, an older form puts them live.
    poll_setup.update_poll(
        poll, poll.question, settings_of(poll, results_visibility="live"), OTHER
    )
    return (
        f"/console/polls/{poll.id}/edit",
        {
            "question_es": "Mine",
            "method": poll.method,
            "weighting": poll.weighting,
            "top_k": str(poll.top_k),
            "publish_every": str(poll.publish_every),
            "adoption_rule": poll.adoption_rule,
            "adoption_threshold": str(poll.adoption_threshold),
            "results_visibility": "live",
            "secret": "y",
        },
        lambda: poll_setup.update_poll(
            poll, poll.question, settings_of(poll, results_visibility="hidden"), OTHER
        ),
        lambda: poll.results_visibility == "hidden" and poll.question["es"] != "Mine",
        "Results on the projector: Hidden until the round closes",
    )


def option_case(poll):
    option = poll.options[0]
    return (
        f"/console/options/{option.id}/edit",
        {"title_es": "Mine"},
        lambda: option_setup.update_option(
            option, {"es": "Theirs"}, option.description or {}, OTHER
        ),
        lambda: option.title == {"es": "Theirs"},
        "Title: es: Theirs",
    )


def delegation_case(poll):
    delegation = people_setup.create_delegation(poll.event, "AA", "Alpha", OTHER)
    return (
        f"/console/delegations/{delegation.id}/edit",
        {"code": "AA", "name": "Mine"},
        lambda: people_setup.update_delegation(delegation, "AA", "Theirs", OTHER),
        lambda: delegation.name == "Theirs",
        "Name: Theirs",
    )


def participant_case(poll):
    person = factories.make_participant(poll.event)

    def change():
        people_setup.update_participant(
            person,
            {
                "name": "Theirs",
                "delegation": person.delegation,
                "workshop": None,
                "email": "",
                "language": "",
            },
            OTHER,
        )

    return (
        f"/console/participants/{person.id}/edit",
        {
            "name": "Mine",
            "delegation": person.delegation_id,
            "workshop": 0,
            "email": "",
            "language": "",
        },
        change,
        lambda: person.name == "Theirs",
        "Name: Theirs",
    )


CASES = {
    "event": event_case,
    "workshop": workshop_case,
    "poll": poll_case,
    "option": option_case,
    "delegation": delegation_case,
    "participant": participant_case,
}


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("form", list(CASES))
def test_a_stale_edit_form_is_refused_and_keeps_the_input(fac, mine, form):
    url, data, change, changed, message = CASES[form](mine)
    page = fac.get(url)
    stamp = factories.fingerprint_of(page)
    assert page.status_code == 200 and stamp
    change()  # another staff member saves meanwhile
    entries = audit_count()

    response = fac.post(url, data={**data, "fingerprint": stamp})

    assert response.status_code == 409, form
    body = text(response)
    assert "Someone else saved this meanwhile" in body
    assert message in body, body
    assert 'value="Mine"' in body  # the user's input is kept
    db.session.expire_all()
    assert changed(), "the other change was overwritten"
    assert audit_count() == entries
    # The re-rendered form carries the current fingerprint: saving it again,
    # having read what changed, replaces the other change.
    again = factories.fingerprint_of(response)
    assert again and again != stamp
    assert fac.post(url, data={**data, "fingerprint": again}).status_code == 302


@pytest.mark.parametrize("form", list(CASES))
def test_a_fresh_edit_form_saves(fac, mine, form):
    url, data, _change, changed, _message = CASES[form](mine)
    stamp = factories.fingerprint_of(fac.get(url))
    response = fac.post(url, data={**data, "fingerprint": stamp})
    assert response.status_code == 302, text(response)


@pytest.mark.parametrize("form", list(CASES))
def test_an_edit_form_without_a_fingerprint_is_a_bad_request(fac, mine, form):
    url, data, _change, _changed, _message = CASES[form](mine)
    entries = audit_count()
    assert fac.post(url, data={**data, "fingerprint": None}).status_code == 400
    assert audit_count() == entries


def test_an_unreadable_fingerprint_is_stale(fac, mine):
    url, data, _change, _changed, _message = workshop_case(mine)
    response = fac.post(url, data={**data, "fingerprint": "forged"})
    assert response.status_code == 409
    assert mine.workshop.name != {"es": "Mine"}


def test_the_poll_bug_hidden_results_stay_hidden(fac, mine):
    """Results set to hidden are not put back to live by an older form."""
    url, data, change, _changed, _message = poll_case(mine)
    stamp = factories.fingerprint_of(fac.get(url))
    change()
    response = fac.post(url, data={**data, "fingerprint": stamp})
    assert response.status_code == 409
    db.session.expire_all()
    assert mine.results_visibility == "hidden"
    kept = re.search(r'<input checked[^>]*value="live"', text(response))
    assert kept, "the submitted choice is kept in the form"


def test_a_change_to_a_field_the_form_does_not_edit_is_no_conflict(fac, mine):
    """A facilitator's workshop form has no facilitator list: an admin
    assigning facilitators meanwhile does not make it stale."""
    workshop = mine.workshop
    url = f"/console/workshops/{workshop.id}/edit"
    stamp = factories.fingerprint_of(fac.get(url))
    helper = factories.make_account(role="facilitator")
    ids = [a.id for a in workshop.facilitators] + [helper.id]
    event_setup.update_workshop(workshop, workshop.name, OTHER, ids)
    response = fac.post(url, data={"name_es": "Mine", "fingerprint": stamp})
    assert response.status_code == 302


def test_admins_see_a_facilitator_change(admin_client, mine):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    workshop = mine.workshop
    url = f"/console/workshops/{workshop.id}/edit"
    stamp = factories.fingerprint_of(admin_client.get(url))
    helper = factories.make_account(role="facilitator")
    before = [a.id for a in workshop.facilitators]
    event_setup.update_workshop(workshop, workshop.name, OTHER, before + [helper.id])
    data = {"name_es": "Mine", "facilitators": before, "fingerprint": stamp}
    response = admin_client.post(url, data=data)
    assert response.status_code == 409
    changed = re.search(r"Facilitators: ([^<]*)", text(response))
    assert changed and helper.name in changed.group(1)
    db.session.expire_all()
    assert helper in workshop.facilitators


def test_the_fingerprint_follows_the_editable_state(mine):
    option = mine.options[0]
    stamp = setup.fingerprint(option)
    assert stamp == setup.fingerprint(option)
    assert setup.changed_since(option, stamp) == []
    option_setup.update_option(option, {"es": "Other"}, option.description, OTHER)
    assert setup.fingerprint(option) != stamp
    assert setup.changed_since(option, stamp) == ["title"]
    assert setup.changed_since(option, "") == ["title", "description"]
    assert setup.changed_since(option, None) == ["title", "description"]


def test_a_stale_paste_of_translations_is_refused(fac, mine):
    """The paste form's "translate" mode rewrites every title: pasted over a
    title another staff member corrected meanwhile, it stores nothing."""
    url = f"/console/polls/{mine.id}/options/paste"
    stamp = factories.fingerprint_of(fac.get(url))
    assert stamp
    first = mine.options[0]
    option_setup.update_option(
        first, {**first.title, "en": "Theirs"}, first.description or {}, OTHER
    )
    titles = [o.title["en"] for o in mine.options]
    response = fac.post(
        url,
        data={
            "mode": "translate",
            "lines_en": "\n".join(f"Mine {i}" for i in range(len(titles))),
            "fingerprint": stamp,
        },
    )
    assert response.status_code == 409
    assert "Theirs" in text(response)
    db.session.expire_all()
    assert [o.title["en"] for o in mine.options] == titles
    fresh = fac.post(
        url,
        data={
            "mode": "translate",
            "lines_en": "\n".join(f"Mine {i}" for i in range(len(titles))),
        },
    )
    assert fresh.status_code == 302
