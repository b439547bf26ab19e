"""The facilitator's console: permissions, every action, its audit entry."""

import importlib
import io
import re

import pytest
import sqlalchemy as sa

from tests import factories
from voting.extensions import db as _db
from voting.models import (
    AuditEntry,
    Delegation,
    Event,
    Option,
    Participant,
    Poll,
    Round,
    RoundStatus,
    Workshop,
    hash_token,
)

# --- fixtures and helpers --------------------------------------------------


@pytest.fixture
def admin(admin_client):
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


@pytest.fixture
def mine(fac):
    """A draft poll in a workshop run by ``fac``."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    return factories.make_poll(workshop, status=RoundStatus.DRAFT)


@pytest.fixture
def theirs(app):
    """An open poll in a workshop run by somebody else."""
    other = factories.make_account(role="facilitator")
    workshop = factories.make_workshop(facilitators=[other])
    return factories.make_poll(workshop, status=RoundStatus.OPEN)


def audits(action=None):
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.filter_by(action=action)
    return _db.session.scalars(query).all()


def last_audit(action):
    entries = audits(action)
    assert entries, f"no audit entry {action}"
    return entries[-1]


def count(model):
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def named(event, delegation, name):
    participant = factories.make_participant(event, delegation)
    participant.name = name
    _db.session.commit()
    return participant


def html(response):
    return response.get_data(as_text=True)


# --- permissions -----------------------------------------------------------

GET_URLS = [
    "/console/",
    "/console/events/new",
    "/console/events/{event}",
    "/console/events/{event}/edit",
    "/console/events/{event}/audit",
    "/console/events/{event}/workshops/new",
    "/console/workshops/{workshop}/edit",
    "/console/events/{event}/polls/new",
    "/console/polls/{poll}",
    "/console/polls/{poll}/edit",
    "/console/polls/{poll}/options/new",
    "/console/polls/{poll}/options/paste",
    "/console/options/{option}/edit",
    "/console/events/{event}/delegations",
    "/console/delegations/{delegation}/edit",
    "/console/events/{event}/participants",
    "/console/events/{event}/participants/new",
    "/console/participants/{participant}/edit",
    "/console/events/{event}/participants/import",
]
POST_URLS = [
    "/console/rounds/{round}/open",
    "/console/rounds/{round}/close",
    "/console/rounds/{round}/next",
    "/console/options/{option}/delete",
    "/console/options/{option}/move",
    "/console/delegations/{delegation}/delete",
    "/console/participants/{participant}/delete",
    "/console/events/{event}/badges",
]


def ids_of(poll):
    participant = factories.make_participant(poll.event)
    return {
        "event": poll.event_id,
        "workshop": poll.workshop_id,
        "poll": poll.id,
        "option": poll.options[0].id,
        "round": poll.rounds[0].id,
        "delegation": participant.delegation_id,
        "participant": participant.id,
    }


def test_anonymous_is_sent_to_the_login(client, theirs):
    ids = ids_of(theirs)
    for method, url in [("get", u) for u in GET_URLS] + [
        ("post", u) for u in POST_URLS
    ]:
        response = getattr(client, method)(url.format(**ids))
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_secretariat_is_refused(secretariat_client, theirs):
    ids = ids_of(theirs)
    for url in GET_URLS:
        assert secretariat_client.get(url.format(**ids)).status_code == 403, url
    for url in POST_URLS:
        assert secretariat_client.post(url.format(**ids)).status_code == 403, url


def test_a_facilitator_cannot_open_another_facilitators_pages(fac, mine, theirs):
    own, other = ids_of(mine), ids_of(theirs)
    for url in GET_URLS[2:]:
        assert fac.get(url.format(**own)).status_code == 200, url
        assert fac.get(url.format(**other)).status_code == 403, url


def test_a_facilitator_cannot_change_another_facilitators_data(fac, theirs):
    ids = ids_of(theirs)
    for url in POST_URLS:
        response = fac.post(
            url.format(**ids), data={"direction": "down", "participants": [1]}
        )
        assert response.status_code == 403, url
    assert audits() == []
    assert _db.session.get(Round, ids["round"]).status == RoundStatus.OPEN
    assert _db.session.get(Option, ids["option"]) is not None
    assert _db.session.get(Participant, ids["participant"]) is not None


def test_missing_objects_are_404(fac):
    assert fac.get("/console/polls/999").status_code == 404
    assert fac.post("/console/rounds/999/open").status_code == 404


def test_a_facilitator_sees_only_their_workshops(fac, mine, theirs):
    # a second workshop of the same event, run by somebody else
    hidden = factories.make_workshop(
        mine.event, facilitators=[factories.make_account()]
    )
    hidden.name = {"es": "Mesa secreta", "en": "Hidden table"}
    _db.session.commit()
    page = html(fac.get("/console/"))
    assert mine.event.title("en") in page
    assert theirs.event.title("en") not in page
    event_page = html(fac.get(f"/console/events/{mine.event_id}"))
    assert "Hidden table" not in event_page
    assert fac.get(f"/console/workshops/{hidden.id}/edit").status_code == 403


def test_an_admin_sees_every_event(admin, mine, theirs):
    page = html(admin.get("/console/"))
    assert mine.event.title("en") in page and theirs.event.title("en") in page
    assert admin.get(f"/console/polls/{theirs.id}").status_code == 200


def test_csrf_is_required_for_round_control(app, fac, mine):
    app.config["WTF_CSRF_ENABLED"] = True
    response = fac.post(f"/console/rounds/{mine.rounds[0].id}/open")
    assert response.status_code == 400
    assert mine.rounds[0].status == RoundStatus.DRAFT
    page = html(fac.get(f"/console/polls/{mine.id}"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = fac.post(
        f"/console/rounds/{mine.rounds[0].id}/open", data={"csrf_token": token}
    )
    assert response.status_code == 302
    _db.session.refresh(mine.rounds[0])
    assert mine.rounds[0].status == RoundStatus.OPEN


# --- events and workshops --------------------------------------------------


def test_creating_an_event_makes_the_creator_its_facilitator(fac):
    response = fac.post(
        "/console/events/new",
        data={
            "name_es": "Seminario de compras",
            "name_en": "Procurement seminar",
            "languages": "es, en",
            "venue": "Santiago",
            "starts_on": "2005-06-20",
            "workshop": "Mesa 1",
        },
    )
    assert response.status_code == 302
    event = _db.session.scalar(sa.select(Event))
    assert event.slug == "seminario-de-compras"
    assert event.languages == "es,en"
    assert event.name == {"es": "Seminario de compras", "en": "Procurement seminar"}
    [workshop] = event.workshops
    assert workshop.name == {"es": "Mesa 1"}
    assert workshop.facilitators == [fac.account]
    entry = last_audit("event_created")
    assert entry.actor == f"account:{fac.account.id}" and entry.event_id == event.id
    assert last_audit("workshop_created").actor == f"account:{fac.account.id}"
    assert fac.get(f"/console/events/{event.id}").status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        {"name_es": "X", "languages": "es,de"},  # unknown language
        {"name_en": "Only English", "languages": "es,en"},  # no name in es
        {"name_es": "X", "languages": "es,es"},  # duplicate
        {"name_es": "X", "languages": ""},  # none
        {"name_es": "X", "languages": "es", "slug": "Bad Slug!"},
    ],
)
def test_bad_event_input_stores_nothing(fac, data):
    response = fac.post("/console/events/new", data=data)
    assert response.status_code == 400
    assert count(Event) == 0 and count(Workshop) == 0 and audits() == []


def test_a_duplicate_event_short_name_is_refused(fac):
    taken = factories.make_event().slug
    response = fac.post(
        "/console/events/new", data={"name_es": "Dup", "languages": "es", "slug": taken}
    )
    assert response.status_code == 400
    assert taken in html(response)
    assert count(Event) == 1


def test_edit_event(fac, mine):
    event = mine.event
    response = fac.post(
        f"/console/events/{event.id}/edit",
        data={"name_es": "Nuevo", "name_en": "New", "languages": "en,es"},
    )
    assert response.status_code == 302
    assert event.languages == "en,es" and event.name == {"es": "Nuevo", "en": "New"}
    assert last_audit("event_updated").actor == f"account:{fac.account.id}"
    response = fac.post(
        f"/console/events/{event.id}/edit",
        data={
            "name_es": "Otro",
            "name_en": "Other",
            "languages": "es",
            "starts_on": "2005-06-23",
            "ends_on": "2005-06-20",
        },
    )
    assert response.status_code == 400
    _db.session.refresh(event)
    assert event.name["es"] == "Nuevo"


def test_create_and_rename_a_workshop(fac, mine):
    event = mine.event
    response = fac.post(
        f"/console/events/{event.id}/workshops/new",
        data={"name_es": "Mesa 2", "name_en": "Table 2"},
    )
    assert response.status_code == 302
    workshop = event.workshops[-1]
    assert workshop.facilitators == [fac.account]
    response = fac.post(
        f"/console/workshops/{workshop.id}/edit",
        data={"name_es": "Mesa dos", "facilitators": [999]},
    )
    assert response.status_code == 302
    assert workshop.name == {"es": "Mesa dos"}
    # a facilitator cannot change who runs the workshop
    assert workshop.facilitators == [fac.account]
    assert [e.action for e in audits()][-2:] == ["workshop_created", "workshop_updated"]
    assert (
        fac.post(
            f"/console/events/{event.id}/workshops/new", data={"name_en": "No Spanish"}
        ).status_code
        == 400
    )


def test_an_admin_assigns_facilitators(admin, demo):
    facilitator = factories.make_account(role="facilitator")
    workshop = demo.workshops[0]
    response = admin.post(
        f"/console/workshops/{workshop.id}/edit",
        data={"name_es": "Mesa 1", "facilitators": [facilitator.id]},
    )
    assert response.status_code == 302
    assert workshop.facilitators == [facilitator]
    assert last_audit("workshop_updated").details["facilitators"] == [facilitator.id]
    secretariat = factories.make_account(role="secretariat")
    response = admin.post(
        f"/console/workshops/{workshop.id}/edit",
        data={"name_es": "Mesa 1", "facilitators": [secretariat.id]},
    )
    assert response.status_code == 400
    assert workshop.facilitators == [facilitator]


def test_event_page_links_to_the_display(fac, mine):
    page = html(fac.get(f"/console/events/{mine.event_id}"))
    assert f"/display/{mine.display_token}" in page


# --- polls -----------------------------------------------------------------

POLL_DATA = {
    "question_es": "¿Qué áreas?",
    "question_en": "Which areas?",
    "method": "borda",
    "weighting": "delegation",
    "top_k": "3",
    "allow_ties": "y",
    "results_visibility": "hidden",
}


def test_create_a_poll_in_my_workshop(fac, mine):
    response = fac.post(
        f"/console/events/{mine.event_id}/polls/new",
        data={**POLL_DATA, "workshop": mine.workshop_id},
    )
    assert response.status_code == 302
    poll = _db.session.scalars(sa.select(Poll).order_by(Poll.id.desc())).first()
    assert poll.workshop == mine.workshop
    assert (poll.method, poll.weighting, poll.top_k) == ("borda", "delegation", 3)
    assert poll.allow_ties and not poll.allow_unranked and not poll.secret
    assert poll.results_visibility == "hidden"
    assert [(r.number, r.status) for r in poll.rounds] == [(1, RoundStatus.DRAFT)]
    assert last_audit("poll_created").details["poll_id"] == poll.id


def test_a_plenary_poll_and_no_poll_in_someone_elses_workshop(fac, mine, theirs):
    other = factories.make_workshop(mine.event, facilitators=[factories.make_account()])
    response = fac.post(
        f"/console/events/{mine.event_id}/polls/new",
        data={**POLL_DATA, "workshop": other.id},
    )
    assert response.status_code == 400  # not among the choices
    response = fac.post(
        f"/console/events/{mine.event_id}/polls/new", data={**POLL_DATA, "workshop": 0}
    )
    assert response.status_code == 302
    plenary = _db.session.scalar(sa.select(Poll).filter_by(workshop_id=None))
    assert plenary.event == mine.event
    assert fac.get(f"/console/polls/{plenary.id}").status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"method": "dictator"},
        {"weighting": "gold"},
        {"top_k": "0"},
        {"question_es": ""},
        {"results_visibility": "sometimes"},
    ],
)
def test_bad_poll_settings_store_nothing(fac, mine, change):
    before = (mine.method, mine.top_k, dict(mine.question))
    response = fac.post(f"/console/polls/{mine.id}/edit", data={**POLL_DATA, **change})
    assert response.status_code == 400
    _db.session.refresh(mine)
    assert (mine.method, mine.top_k, mine.question) == before
    assert audits("poll_updated") == []


def test_edit_poll_settings(fac, mine):
    response = fac.post(f"/console/polls/{mine.id}/edit", data=POLL_DATA)
    assert response.status_code == 302
    assert mine.method == "borda" and mine.top_k == 3 and mine.allow_ties
    entry = last_audit("poll_updated")
    assert entry.actor == f"account:{fac.account.id}"
    assert "method" in entry.details["changed"]


def test_a_secret_polls_batch_is_a_setting_of_at_least_three(fac, mine):
    data = {**POLL_DATA, "publish_every": "2"}
    response = fac.post(f"/console/polls/{mine.id}/edit", data=data)
    assert response.status_code == 400
    _db.session.refresh(mine)
    assert mine.publish_every == 5 and mine.method != "borda"  # nothing stored
    data["publish_every"] = "7"
    assert fac.post(f"/console/polls/{mine.id}/edit", data=data).status_code == 302
    assert mine.publish_every == 7


def test_a_new_secret_poll_shows_its_results_at_close(fac, mine):
    page = html(fac.get(f"/console/events/{mine.event_id}/polls/new"))
    hidden = re.search(r'<input[^>]*value="hidden"[^>]*>', page).group(0)
    live = re.search(r'<input[^>]*value="live"[^>]*>', page).group(0)
    assert "checked" in hidden and "checked" not in live


def test_ballot_rules_are_frozen_while_a_round_is_open(fac, mine):
    mine.rounds[0].status = RoundStatus.OPEN
    _db.session.commit()
    data = {
        **POLL_DATA,
        "method": mine.method,
        "weighting": mine.weighting,
        "top_k": "2",
        "allow_unranked": "y",
        "secret": "y",
    }
    response = fac.post(f"/console/polls/{mine.id}/edit", data=data)
    assert response.status_code == 409
    assert "Close the round first" in html(response)
    _db.session.refresh(mine)
    assert not mine.allow_ties
    # the adoption rule and hiding the results may change at any time
    data.pop("allow_ties")
    assert fac.post(f"/console/polls/{mine.id}/edit", data=data).status_code == 302
    assert mine.results_visibility == "hidden"


def test_a_secret_poll_stays_secret_once_voting_started(fac, mine):
    data = {**POLL_DATA, "top_k": "2", "secret": "y"}
    assert fac.post(f"/console/polls/{mine.id}/edit", data=data).status_code == 302
    mine.rounds[0].status = RoundStatus.CLOSED
    _db.session.commit()
    data.pop("secret")
    response = fac.post(f"/console/polls/{mine.id}/edit", data=data)
    assert response.status_code == 409
    _db.session.refresh(mine)
    assert mine.secret


def test_top_k_cannot_exceed_the_options(fac, mine):
    response = fac.post(
        f"/console/polls/{mine.id}/edit", data={**POLL_DATA, "top_k": "5"}
    )
    assert response.status_code == 400


def test_poll_page_shows_display_link_rounds_and_methods(fac, mine):
    page = html(fac.get(f"/console/polls/{mine.id}"))
    assert f"/display/{mine.display_token}" in page
    assert f"http://127.0.0.1:5000/display/{mine.display_token}" in page
    assert "Schulze" in page
    assert f"/console/rounds/{mine.rounds[0].id}/open" in page


# --- options ---------------------------------------------------------------


def test_add_an_option_and_flag_its_missing_translation(fac, mine):
    response = fac.post(
        f"/console/polls/{mine.id}/options/new",
        data={"title_es": "Formación profesional", "description_es": "Cursos"},
    )
    assert response.status_code == 302
    option = mine.options[-1]
    assert option.key == "formacion-profesional"
    assert option.title == {"es": "Formación profesional"}
    assert option.title_in("en") == "Formación profesional"  # fallback
    assert last_audit("option_added").details["option_id"] == option.id
    page = html(fac.get(f"/console/polls/{mine.id}"))
    assert "1 option lacks a translation" in page
    assert 'class="missing"' in page


def test_an_option_needs_a_title_and_a_unique_key(fac, mine):
    assert (
        fac.post(
            f"/console/polls/{mine.id}/options/new", data={"title_es": " "}
        ).status_code
        == 400
    )
    response = fac.post(
        f"/console/polls/{mine.id}/options/new", data={"title_es": "X", "key": "a"}
    )
    assert response.status_code == 400
    assert len(mine.options) == 3 and audits() == []


def test_edit_move_and_delete_options(fac, mine):
    first, second, third = mine.options
    response = fac.post(
        f"/console/options/{first.id}/edit",
        data={"title_es": "Uno", "title_en": "One", "description_en": "Why"},
    )
    assert response.status_code == 302
    assert first.title == {"es": "Uno", "en": "One"}
    assert first.description == {"en": "Why"}
    fac.post(f"/console/options/{first.id}/move", data={"direction": "down"})
    _db.session.refresh(mine)
    assert [o.id for o in mine.options] == [second.id, first.id, third.id]
    assert (
        fac.post(
            f"/console/options/{first.id}/move", data={"direction": "sideways"}
        ).status_code
        == 400
    )
    assert fac.post(f"/console/options/{third.id}/delete").status_code == 302
    _db.session.refresh(mine)
    assert [o.id for o in mine.options] == [second.id, first.id]
    actions = [e.action for e in audits()]
    assert actions == ["option_updated", "option_moved", "option_deleted"]


def test_options_are_fixed_once_voting_started(fac, mine):
    mine.rounds[0].status = RoundStatus.OPEN
    _db.session.commit()
    option = mine.options[0]
    assert fac.post(f"/console/options/{option.id}/delete").status_code == 409
    assert (
        fac.post(
            f"/console/polls/{mine.id}/options/new", data={"title_es": "Late"}
        ).status_code
        == 409
    )
    assert len(mine.options) == 3
    # rewording stays possible, once confirmed (delegates are voting)
    assert (
        fac.post(
            f"/console/options/{option.id}/edit",
            data={"title_es": "A mejor", "confirm_open": "y"},
        ).status_code
        == 302
    )


def test_bulk_paste_adds_options_line_by_line(fac, mine):
    response = fac.post(
        f"/console/polls/{mine.id}/options/paste",
        data={
            "mode": "append",
            "lines_es": "Participación de PYMEs\n\nFormación profesional\n",
            "lines_en": "SME participation\nProfessional training",
        },
    )
    assert response.status_code == 302
    new = mine.options[3:]
    assert [o.title for o in new] == [
        {"es": "Participación de PYMEs", "en": "SME participation"},
        {"es": "Formación profesional", "en": "Professional training"},
    ]
    assert [o.key for o in new] == ["participacion-de-pymes", "formacion-profesional"]
    assert [o.position for o in new] == [3, 4]
    assert last_audit("options_pasted").details["option_ids"] == [o.id for o in new]


def test_bulk_paste_form_shows_only_the_event_languages(fac, mine):
    page = html(fac.get(f"/console/polls/{mine.id}/options/paste"))
    assert 'name="lines_es"' in page and 'name="lines_en"' in page
    assert 'name="lines_fr"' not in page
    assert "Line 1 of each list is option 1" in page


def test_bulk_paste_with_unequal_lists_stores_nothing(fac, mine):
    response = fac.post(
        f"/console/polls/{mine.id}/options/paste",
        data={"mode": "append", "lines_es": "Uno\nDos", "lines_en": "One"},
    )
    assert response.status_code == 400
    assert "es: 2, en: 1" in html(response)
    assert len(mine.options) == 3 and audits() == []


def test_bulk_paste_translates_existing_options(fac, mine):
    mine.event.languages = "es,en,pt"
    _db.session.commit()
    page = html(fac.get(f"/console/polls/{mine.id}"))
    assert "3 options lack a translation" in page
    response = fac.post(
        f"/console/polls/{mine.id}/options/paste",
        data={"mode": "translate", "lines_pt": "A pt\nB pt\nC pt"},
    )
    assert response.status_code == 302
    assert [o.title["pt"] for o in mine.options] == ["A pt", "B pt", "C pt"]
    assert mine.options[0].title["en"] == "A"
    assert "lack a translation" not in html(fac.get(f"/console/polls/{mine.id}"))
    response = fac.post(
        f"/console/polls/{mine.id}/options/paste",
        data={"mode": "translate", "lines_pt": "only one"},
    )
    assert response.status_code == 400
    assert mine.options[0].title["pt"] == "A pt"


# --- rounds ----------------------------------------------------------------


def test_round_control_through_the_views(fac, mine):
    first = mine.rounds[0]
    assert fac.post(f"/console/rounds/{first.id}/open").status_code == 302
    assert first.status == RoundStatus.OPEN and first.opened_at
    # a round cannot be opened twice, nor a next one started while it is open
    response = fac.post(f"/console/rounds/{first.id}/open")
    assert response.status_code == 409
    assert "Only a draft round can be opened." in html(response)
    assert fac.post(f"/console/rounds/{first.id}/next").status_code == 409
    assert fac.post(f"/console/rounds/{first.id}/close").status_code == 302
    assert first.status == RoundStatus.CLOSED
    assert fac.post(f"/console/rounds/{first.id}/close").status_code == 409
    assert fac.post(f"/console/rounds/{first.id}/next").status_code == 302
    _db.session.refresh(mine)
    second = mine.rounds[-1]
    assert (second.number, second.status) == (2, RoundStatus.OPEN)
    entries = [
        (e.action, e.actor, e.round_id)
        for e in audits()
        if e.action.startswith("round_")
    ]
    who = f"account:{fac.account.id}"
    assert entries == [
        ("round_opened", who, first.id),
        ("round_closed", who, first.id),
        ("round_opened", who, second.id),
    ]
    page = html(fac.get(f"/console/polls/{mine.id}"))
    assert f"/console/rounds/{second.id}/close" in page


def test_a_round_needs_two_options_to_open(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, options=("Only",), status=RoundStatus.DRAFT)
    response = fac.post(f"/console/rounds/{poll.rounds[0].id}/open")
    assert response.status_code == 409
    assert "at least two options" in html(response)
    assert poll.rounds[0].status == RoundStatus.DRAFT
    assert audits() == []


# --- delegations and participants -----------------------------------------


def test_delegations_add_edit_delete(fac, mine):
    event = mine.event
    url = f"/console/events/{event.id}/delegations"
    assert fac.post(url, data={"code": "chl", "name": "Chile"}).status_code == 302
    delegation = event.delegations[0]
    assert delegation.code == "CHL"
    assert fac.post(url, data={"code": "CHL", "name": "Again"}).status_code == 400
    assert fac.post(url, data={"name": "Costa Rica"}).status_code == 302
    assert {d.code for d in event.delegations} == {"CHL", "COSTARICA"}
    response = fac.post(
        f"/console/delegations/{delegation.id}/edit",
        data={"code": "CL", "name": "Chile"},
    )
    assert response.status_code == 302 and delegation.code == "CL"
    factories.make_participant(event, delegation)
    response = fac.post(f"/console/delegations/{delegation.id}/delete")
    assert response.status_code == 409
    assert _db.session.get(Delegation, delegation.id) is not None
    empty = next(d for d in event.delegations if d.code == "COSTARICA")
    assert fac.post(f"/console/delegations/{empty.id}/delete").status_code == 302
    assert [e.action for e in audits()] == [
        "delegation_created",
        "delegation_created",
        "delegation_updated",
        "delegation_deleted",
    ]


def test_participants_add_edit_delete(fac, mine):
    event = mine.event
    delegation = Delegation(event=event, code="BRA", name="Brasil")
    _db.session.add(delegation)
    _db.session.commit()
    response = fac.post(
        f"/console/events/{event.id}/participants/new",
        data={
            "name": "João Gonçalves",
            "delegation": delegation.id,
            "workshop": mine.workshop_id,
            "email": "joao@example.br",
            "language": "pt",
        },
    )
    assert response.status_code == 302
    person = _db.session.scalar(sa.select(Participant))
    assert (person.name, person.delegation, person.language) == (
        "João Gonçalves",
        delegation,
        "pt",
    )
    assert person.workshop_id == mine.workshop_id
    assert person.token_hash is None  # links are issued with the badges
    assert person.admitted and not person.walk_in  # no lobby for the organisers'
    bad = {
        "name": "X",
        "delegation": 0,
        "workshop": 0,
        "email": "not-an-address",
        "language": "",
    }
    assert (
        fac.post(f"/console/events/{event.id}/participants/new", data=bad).status_code
        == 400
    )
    response = fac.post(
        f"/console/participants/{person.id}/edit",
        data={
            "name": "João G.",
            "delegation": 0,
            "workshop": 0,
            "email": "",
            "language": "",
        },
    )
    assert response.status_code == 302
    assert person.name == "João G." and person.delegation is None
    assert person.workshop_id is None and person.language is None
    page = html(fac.get(f"/console/events/{event.id}/participants"))
    assert "João G." in page
    assert "/static/js/console.js" in page and "<script>" not in page
    assert fac.post(f"/console/participants/{person.id}/delete").status_code == 302
    assert count(Participant) == 0
    assert [e.action for e in audits()] == [
        "participant_created",
        "participant_updated",
        "participant_deleted",
    ]


def test_a_participant_who_voted_cannot_be_removed(fac, mine):
    person = factories.make_participant(mine.event)
    factories.make_ballot(mine.rounds[0], person, [[mine.options[0].id]])
    response = fac.post(f"/console/participants/{person.id}/delete")
    assert response.status_code == 409
    assert _db.session.get(Participant, person.id) is not None


def test_participants_from_another_event_are_refused(fac, mine):
    foreign = Delegation(event=factories.make_event(), code="X", name="X")
    _db.session.add(foreign)
    _db.session.commit()
    response = fac.post(
        f"/console/events/{mine.event_id}/participants/new",
        data={"name": "Y", "delegation": foreign.id, "workshop": 0, "language": ""},
    )
    assert response.status_code in (400, 403)
    assert count(Participant) == 0


# --- CSV import ------------------------------------------------------------

GOOD_CSV = (
    "\ufeffnombre;delegación;e-mail;idioma\n"
    "María José Núñez;Chile;mj@example.cl;es\n"
    "John Smith;CAN;;en\n"
    "Ana Souza;Brasil\n"
)


def test_csv_import_creates_participants_and_delegations(fac, mine):
    event = mine.event
    _db.session.add(Delegation(event=event, code="CAN", name="Canada"))
    _db.session.commit()
    response = fac.post(
        f"/console/events/{event.id}/participants/import",
        data={
            "file": (io.BytesIO(GOOD_CSV.encode()), "people.csv"),
            "workshop": mine.workshop_id,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, html(response)
    people = {p.name: p for p in event.participants}
    assert set(people) == {"María José Núñez", "John Smith", "Ana Souza"}
    assert people["John Smith"].delegation.code == "CAN"
    assert people["María José Núñez"].email == "mj@example.cl"
    assert people["María José Núñez"].language == "es"
    assert people["Ana Souza"].delegation.name == "Brasil"
    assert all(p.workshop_id == mine.workshop_id for p in people.values())
    assert all(p.admitted and not p.walk_in for p in people.values())
    assert {d.name for d in event.delegations} == {"Canada", "Chile", "Brasil"}
    entry = last_audit("participants_imported")
    assert len(entry.details["participant_ids"]) == 3
    assert len(entry.details["delegation_ids"]) == 2


def test_csv_import_with_a_bad_line_imports_nothing(fac, mine):
    text = (
        "Ana,Chile,ana@example.cl,es\n"
        "Bob,,bob@example.org\n"  # line 2: no delegation
        "Carla,Peru,not-an-email\n"  # line 3
        "Dan,Peru,,de\n"  # line 4: unknown language
        "Ana,chile\n"  # line 5: twice
        "Eve,Peru,e@example.org,es,extra\n"  # line 6: too many columns
    )
    response = fac.post(
        f"/console/events/{mine.event_id}/participants/import",
        data={"text": text, "workshop": 0},
    )
    assert response.status_code == 400
    page = html(response)
    assert "Nothing was imported: 5 lines have errors." in page
    for line in (2, 3, 4, 5, 6):
        assert f"Line {line}:" in page
    assert "Line 1:" not in page
    assert count(Participant) == 0 and count(Delegation) == 0
    assert audits() == []


def test_csv_import_refuses_people_already_registered(fac, mine):
    event = mine.event
    chile = Delegation(event=event, code="CHL", name="Chile")
    _db.session.add(chile)
    _db.session.commit()
    named(event, chile, "Ana")
    response = fac.post(
        f"/console/events/{event.id}/participants/import",
        data={"text": "Bea,CHL\nAna,Chile\n", "workshop": 0},
    )
    assert response.status_code == 400
    assert "Line 2:" in html(response)
    assert count(Participant) == 1


def test_csv_import_reads_windows_1252_and_rejects_empty_files(fac, mine):
    url = f"/console/events/{mine.event_id}/participants/import"
    data = "Núñez,Perú\n".encode("cp1252")
    response = fac.post(
        url,
        data={"file": (io.BytesIO(data), "p.csv"), "workshop": 0},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert mine.event.participants[0].name == "Núñez"
    assert fac.post(url, data={"text": "", "workshop": 0}).status_code == 400
    response = fac.post(
        url,
        data={"file": (io.BytesIO(b"x"), "p.exe"), "workshop": 0},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


# --- badges ----------------------------------------------------------------


def badge_people(event):
    chile = Delegation(event=event, code="CHL", name="Chile")
    brasil = Delegation(event=event, code="BRA", name="Brasil")
    _db.session.add_all([chile, brasil])
    people = [
        named(event, chile, "María Núñez"),
        named(event, brasil, "João Gonçalves"),
        named(event, brasil, "Cœur Ãna"),
    ]
    return people


def test_badge_sheet_prints_the_current_links_of_the_selected(fac, mine):
    people = badge_people(mine.event)
    old_tokens = {p.id: p.token_hash for p in people}
    chosen = people[:2]
    response = fac.post(
        f"/console/events/{mine.event_id}/badges",
        data={"participants": [p.id for p in chosen], "format": "html"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = html(response)
    assert "María Núñez" in page and "João Gonçalves" in page
    assert "Cœur Ãna" not in page
    assert "Chile" in page and "Brasil" in page
    assert page.count("<svg") == 2
    assert "keep working" in page
    tokens = re.findall(r"http://127\.0\.0\.1:5000/j/([A-Za-z0-9_-]+)", page)
    assert len(set(tokens)) == 2
    for person in chosen:
        _db.session.refresh(person)
        assert person.token_hash == old_tokens[person.id]
    assert {hash_token(t) for t in tokens} == {p.token_hash for p in chosen}
    assert people[2].token_hash == old_tokens[people[2].id]
    entry = last_audit("badges_issued")
    assert entry.actor == f"account:{fac.account.id}"
    assert entry.details["participant_ids"] == sorted(p.id for p in chosen)
    assert "<script" not in page


def test_badge_pdf_renders_accents(fac, mine):
    pypdf = importlib.import_module("pypdf")
    people = badge_people(mine.event)
    response = fac.post(
        f"/console/events/{mine.event_id}/badges",
        data={"participants": [p.id for p in people], "format": "pdf"},
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    # Long names wrap onto two lines: compare with whitespace normalised.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for name in ("María Núñez", "João Gonçalves", "Cœur Ãna"):
        assert name in text
    tokens = re.findall(r"/j/([A-Za-z0-9_-]{32})", text)
    for person in people:
        _db.session.refresh(person)
    assert {hash_token(t) for t in tokens} == {p.token_hash for p in people}
    assert len(reader.pages[0].images) == 3  # one QR per badge


def test_badges_need_a_selection_from_this_event(fac, mine):
    url = f"/console/events/{mine.event_id}/badges"
    assert fac.post(url, data={"format": "html"}).status_code == 303
    stranger = factories.make_participant(factories.make_event())
    response = fac.post(url, data={"participants": [stranger.id], "format": "html"})
    assert response.status_code == 303
    assert audits("badges_issued") == []


# --- the log ---------------------------------------------------------------


def test_audit_log_page_names_who_did_what(fac, mine):
    fac.post(f"/console/rounds/{mine.rounds[0].id}/open")
    page = html(fac.get(f"/console/events/{mine.event_id}/audit"))
    assert "round_opened" in page
    assert fac.account.name in page
