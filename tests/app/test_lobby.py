"""The lobby: a walk-in who joins with the event code waits to be admitted.

The attack it closes: in a secret open-mode poll, one person joins twice with
the event code shown on the projector and casts a ranking and its exact
reverse. The two cancel pair by pair, so the published tally is the one real
ballot's, and the walk-ins bring the count up to the three ballots a secret
tally needs. No walk-in can outvote or unmask anyone: until a facilitator
admits them, their ballots are refused and they are not in any count.
"""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from tests import factories
from voting import lobby, tallies
from voting.extensions import db
from voting.models import (
    AuditEntry,
    Ballot,
    ConsentAnswer,
    Delegation,
    Option,
    Participant,
    Poll,
    Round,
    RoundStatus,
)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def walk_in(app, event, name, delegation=None, workshop=None, lang="en"):
    """A fresh phone that joins with the event code and picks a language."""
    client = app.test_client()
    data = {"code": event.join_code, "name": name}
    if delegation is not None:
        data["delegation"] = str(delegation.id)
    if workshop is not None:
        data["workshop"] = str(workshop.id)
    response = client.post("/join", data=data)
    assert response.status_code == 302, html_of(response)
    client.post("/vote/language", data={"lang": lang})
    return client


def cast(client, round_id, ranking):
    return client.post(f"/api/rounds/{round_id}/ballot", json={"ranking": ranking})


def projected(client, poll) -> dict:
    """What the projector's API publishes of the poll, read afresh."""
    tallies.cache.clear()
    response = client.get(f"/api/display/{poll.display_token}/tally")
    assert response.status_code == 200
    return response.json


@pytest.fixture
def room(app):
    """A secret open-mode poll; one invited delegate has voted A > B > C."""
    poll = factories.make_poll(options=("A", "B", "C"), open_mode=True, secret=True)
    event = poll.event
    chile = Delegation(event=event, code="CL", name="Chile")
    peru = Delegation(event=event, code="PE", name="Perú")
    db.session.add_all([chile, peru])
    invited = factories.make_participant(event, chile, workshop_id=poll.workshop_id)
    victim = app.test_client()
    assert victim.get(f"/j/{invited.token}").status_code == 302
    a, b, c = (o.id for o in poll.options)
    assert cast(victim, poll.rounds[0].id, [[a], [b], [c]]).status_code == 201
    return poll, chile, peru


def test_a_ranking_and_its_reverse_by_walk_ins_change_nothing(app, client, room):
    poll, chile, peru = room
    round_id = poll.rounds[0].id
    a, b, c = (o.id for o in poll.options)
    before = projected(client, poll)
    assert before["tally"] is None
    turnout = tallies.turnout_for(db.session.get(Round, round_id))
    assert (turnout.ballots, turnout.participants) == (1, 1)

    first = walk_in(app, poll.event, "Attacker", peru)
    second = walk_in(app, poll.event, "Attacker again", peru)
    answers = [
        cast(first, round_id, [[c], [a], [b]]),
        cast(second, round_id, [[b], [a], [c]]),  # the exact reverse
    ]

    assert projected(client, poll) == before
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1
    turnout = tallies.turnout_for(db.session.get(Round, round_id))
    assert (turnout.ballots, turnout.participants) == (1, 1)
    assert [d["code"] for d in turnout.by_delegation] == ["CL"]
    with force_locale("en"):
        waiting = gettext("Waiting for the facilitator to admit you.")
    for answer in answers:
        assert answer.status_code == 403 and answer.json["message"] == waiting


def pending(name) -> Participant:
    db.session.expire_all()
    return db.session.scalar(sa.select(Participant).filter_by(name=name))


def audit_entries(action):
    return db.session.scalars(sa.select(AuditEntry).filter_by(action=action)).all()


def staff(app, account):
    client = app.test_client()
    assert factories.login(client, account).status_code == 302
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_pending_walk_ins_are_in_no_turnout_or_electorate(app, client, room):
    poll, chile, peru = room
    walk_in(app, poll.event, "Rosa Walk-in", peru)
    rosa = pending("Rosa Walk-in")
    assert rosa.walk_in and not rosa.admitted
    electorate = db.session.scalars(tallies.eligible_participants(poll)).all()
    assert rosa not in electorate and len(electorate) == 1
    assert not rosa.eligible_for(poll)
    shown = projected(client, poll)["turnout"]
    assert (shown["participants"], shown["delegations_total"]) == (1, 1)
    # Admitted, the walk-in counts, and their delegation with them: the
    # projector sees a new version at once (no stale cached turnout).
    lobby.admit(rosa, "test")
    response = client.get(f"/api/display/{poll.display_token}/tally")
    turnout = response.json["turnout"]
    assert (turnout["participants"], turnout["delegations_total"]) == (2, 2)
    chips = tallies.for_round(poll.rounds[0]).turnout.by_delegation
    assert [(d["code"], d["total"]) for d in chips] == [("CL", 1), ("PE", 1)]


def test_a_waiting_walk_in_sees_the_translated_waiting_page(app, room):
    poll, chile, peru = room
    phone = walk_in(app, poll.event, "Espera", peru, lang="es")
    with force_locale("es"):
        waiting = gettext("Waiting for the facilitator to admit you.")
    assert waiting != "Waiting for the facilitator to admit you."
    listing = phone.get("/vote")
    assert listing.status_code == 200 and waiting in html_of(listing)
    page = phone.get(f"/vote/{poll.id}")
    assert page.status_code == 403 and waiting in html_of(page)
    assert 'http-equiv="refresh"' in html_of(page)
    form = {"round": str(poll.rounds[0].id)}
    form.update({f"rank-{o.id}": str(i) for i, o in enumerate(poll.options, 1)})
    assert phone.post(f"/vote/{poll.id}", data=form).status_code == 403
    api = phone.get(f"/api/rounds/{poll.rounds[0].id}/ballot")
    assert api.status_code == 403 and api.json["message"] == waiting
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id))) == 1


def test_the_facilitator_admits_a_walk_in_from_the_console(app, room):
    poll, chile, peru = room
    facilitator = factories.make_account()
    poll.workshop.facilitators.append(facilitator)
    db.session.commit()
    phone = walk_in(app, poll.event, "Rosa Walk-in", peru)
    console = staff(app, facilitator)
    page = console.get(f"/console/events/{poll.event_id}/lobby")
    html = html_of(page)
    assert page.status_code == 200
    assert "Rosa Walk-in" in html and "Perú" in html  # name, declared delegation
    rosa = pending("Rosa Walk-in")
    assert f"/console/participants/{rosa.id}/admit" in html
    assert "(1)" in html_of(console.get(f"/console/events/{poll.event_id}"))
    a, b, c = (o.id for o in poll.options)
    assert cast(phone, poll.rounds[0].id, [[c], [b], [a]]).status_code == 403

    response = console.post(f"/console/participants/{rosa.id}/admit")
    assert response.status_code == 302
    assert response.location.endswith(f"/console/events/{poll.event_id}/lobby")
    assert pending("Rosa Walk-in").admitted
    (entry,) = audit_entries("walk_in_admitted")
    assert entry.actor == f"account:{facilitator.id}"
    assert entry.details["participant_id"] == rosa.id
    assert "<td>Rosa Walk-in</td>" not in html_of(console.get(response.location))
    assert cast(phone, poll.rounds[0].id, [[c], [b], [a]]).status_code == 201
    # Admitting twice is refused, and changes nothing.
    again = console.post(f"/console/participants/{rosa.id}/admit")
    assert again.status_code == 409 and len(audit_entries("walk_in_admitted")) == 1


@pytest.fixture
def two_workshops(app):
    """An event with two workshops, each with its facilitator and an open-mode
    secret poll."""
    first = factories.make_poll(open_mode=True)
    event = first.event
    fac_a, fac_b = factories.make_account(), factories.make_account()
    first.workshop.facilitators.append(fac_a)
    workshop_b = factories.make_workshop(event, facilitators=[fac_b], position=1)
    workshop_b.name = {"es": "Mesa B", "en": "Workshop B"}
    second = factories.make_poll(workshop_b, open_mode=True)
    db.session.add(Delegation(event=event, code="UY", name="Uruguay"))
    db.session.commit()
    return first, second, fac_a, fac_b


def test_the_join_form_asks_which_workshop_and_binds_the_walk_in_to_it(
    app, db, two_workshops
):
    first, second, fac_a, fac_b = two_workshops
    event = first.event
    uruguay = event.delegations[0]
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = html_of(client.get(f"/join?code={event.join_code}"))
    assert 'name="workshop"' in html and "Workshop B" in html
    missing = client.post(
        "/join",
        data={
            "code": event.join_code,
            "name": "Evangelina Quispe",
            "delegation": str(uruguay.id),
        },
    )
    assert missing.status_code == 400 and pending("Evangelina Quispe") is None
    phone = walk_in(app, event, "Evangelina Quispe", uruguay, workshop=second.workshop)
    eve = pending("Evangelina Quispe")
    assert eve.workshop_id == second.workshop_id
    lobby.admit(eve, "test")
    # Admitted in workshop B: B's poll, never A's.
    assert phone.get(f"/vote/{first.id}").status_code == 404
    ranking = [[o.id] for o in first.options]
    assert cast(phone, first.rounds[0].id, ranking).status_code == 400
    ranking = [[o.id] for o in second.options]
    assert cast(phone, second.rounds[0].id, ranking).status_code == 201
    assert [
        p.name for p in db.session.scalars(tallies.eligible_participants(first))
    ] == []


def test_only_one_workshop_open_needs_no_choice(app, client, room):
    poll, chile, peru = room
    factories.make_poll(factories.make_workshop(poll.event))  # not open mode
    html = html_of(client.get(f"/join?code={poll.event.join_code}"))
    assert 'name="name"' in html and 'name="workshop"' not in html


def test_a_facilitator_of_another_workshop_may_not_admit_or_refuse(app, two_workshops):
    first, second, fac_a, fac_b = two_workshops
    walk_in(
        app,
        first.event,
        "Evangelina Quispe",
        first.event.delegations[0],
        first.workshop,
    )
    eve = pending("Evangelina Quispe")
    other = staff(app, fac_b)
    lobby_page = other.get(f"/console/events/{first.event_id}/lobby")
    assert lobby_page.status_code == 200 and "Evangelina Quispe" not in html_of(
        lobby_page
    )
    assert other.post(f"/console/participants/{eve.id}/admit").status_code == 403
    assert other.post(f"/console/participants/{eve.id}/refuse").status_code == 403
    assert not pending("Evangelina Quispe").admitted
    assert audit_entries("walk_in_admitted") == audit_entries("walk_in_refused") == []
    own = staff(app, fac_a)
    assert "Evangelina Quispe" in html_of(
        own.get(f"/console/events/{first.event_id}/lobby")
    )
    assert own.post(f"/console/participants/{eve.id}/admit").status_code == 302


def test_a_refused_walk_in_s_session_ends(app, room):
    poll, chile, peru = room
    phone = walk_in(app, poll.event, "Mallory", peru)
    mallory = pending("Mallory")
    admin = staff(app, factories.make_account(role="admin"))
    response = admin.post(f"/console/participants/{mallory.id}/refuse")
    assert response.status_code == 302
    assert pending("Mallory") is None
    (entry,) = audit_entries("walk_in_refused")
    assert entry.details["participant_id"] == mallory.id
    assert entry.details["name"] == "Mallory"
    assert phone.get("/vote").status_code == 401
    api = cast(phone, poll.rounds[0].id, [[o.id] for o in poll.options])
    assert api.status_code == 401
    with phone.session_transaction() as session:
        assert "participant_id" not in session
    # An invited participant is no walk-in: there is nobody to refuse.
    invited = db.session.scalar(sa.select(Participant).filter_by(walk_in=False))
    refused = admin.post(f"/console/participants/{invited.id}/refuse")
    assert refused.status_code == 409 and pending(invited.name) is not None


def test_a_walk_in_of_no_workshop_votes_in_plenary_polls_only(app, db):
    workshop_poll = factories.make_poll()  # not open to walk-ins
    event = workshop_poll.event
    plenary = Poll(
        event=event, workshop=None, question={"en": "Plenary"}, open_mode=True
    )
    plenary.options = [Option(key="x", title={"en": "X"})]
    plenary.rounds.append(Round(number=1, status=RoundStatus.OPEN))
    db.session.add(plenary)
    db.session.commit()
    walk_in(app, event, "Pat")
    pat = pending("Pat")
    assert pat.workshop_id is None
    lobby.admit(pat, "test")
    workshop_poll.open_mode = True  # opened to walk-ins later
    db.session.commit()
    assert pat.eligible_for(plenary) and not pat.eligible_for(workshop_poll)
    for poll, expected in ((plenary, [pat.id]), (workshop_poll, [])):
        found = db.session.scalars(tallies.eligible_participants(poll)).all()
        assert [p.id for p in found if p.walk_in] == expected


def test_python_and_sql_agree_on_who_may_vote(app, db, two_workshops):
    first, second, fac_a, fac_b = two_workshops
    event = first.event
    people = [
        Participant(event_id=event.id, name="registered, every poll"),
        Participant(
            event_id=event.id, name="registered, B", workshop_id=second.workshop_id
        ),
        Participant(event_id=event.id, name="walk-in, pending", walk_in=True),
        Participant(
            event_id=event.id,
            name="walk-in, A",
            walk_in=True,
            admitted=True,
            workshop_id=first.workshop_id,
        ),
        Participant(
            event_id=event.id, name="walk-in, none", walk_in=True, admitted=True
        ),
    ]
    db.session.add_all(people)
    db.session.commit()
    for poll in (first, second):
        sql = {p.id for p in db.session.scalars(tallies.eligible_participants(poll))}
        assert sql == {p.id for p in people if p.eligible_for(poll)}, poll.id
    assert {p.name for p in people if p.eligible_for(first)} == {
        "registered, every poll",
        "walk-in, A",
    }


def test_a_waiting_walk_in_answers_no_consent_check(app, world):
    phone = walk_in(app, world.event, "Quentin Lobby", world.delegations[0])
    with force_locale("en"):
        waiting = gettext("Waiting for the facilitator to admit you.")
    answer = phone.post(
        f"/api/proposals/{world.proposal.id}/answer", json={"answer": "object"}
    )
    assert answer.status_code == 403 and answer.json["message"] == waiting
    page = phone.get(f"/vote/consent/{world.proposal.id}")
    assert page.status_code == 403 and waiting in html_of(page)
    assert db.session.scalar(sa.select(sa.func.count(ConsentAnswer.id))) == 0
