"""Reuse: a poll duplicated into another workshop or the plenary, an event
made from an earlier one."""

import sqlalchemy as sa

from tests import factories
from voting.models import AuditEntry, Ballot, Event, Participant, Poll, RoundStatus

FOUR = "es,en,pt,fr"


def _four_language_poll(facilitator):
    event = factories.make_event(languages=FOUR)
    first = factories.make_workshop(event, facilitators=[facilitator])
    second = factories.make_workshop(event, facilitators=[facilitator])
    poll = factories.make_poll(
        first, method="borda", top_k=3, secret=False, publish_every=4
    )
    for option in poll.options:
        option.title = option.title | {
            "pt": f"{option.key} (pt)",
            "fr": f"{option.key} (fr)",
        }
        option.description = {"es": "Descripción", "fr": "Description"}
    factories.db.session.commit()
    return event, first, second, poll


def _count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_poll_is_duplicated_into_another_workshop_with_every_language(
    app, db, facilitator_client
):
    event, first, second, poll = _four_language_poll(facilitator_client.account)
    factories.make_ballot(poll.rounds[0], factories.make_participant(event), [["a"]])
    answer = facilitator_client.post(
        f"/console/polls/{poll.id}/duplicate", data={"target": f"w{second.id}"}
    )
    assert answer.status_code == 302
    copy = db.session.scalars(sa.select(Poll).filter_by(workshop_id=second.id)).one()
    assert answer.location.endswith(f"/console/polls/{copy.id}")
    assert copy.question == poll.question
    assert [(o.key, o.title, o.description) for o in copy.options] == [
        (o.key, o.title, o.description) for o in poll.options
    ]
    assert set(copy.options[0].title) == {"es", "en", "pt", "fr"}
    assert (copy.method, copy.top_k, copy.secret, copy.publish_every) == (
        "borda",
        3,
        False,
        4,
    )
    assert [(r.number, r.status) for r in copy.rounds] == [(1, RoundStatus.DRAFT)]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Ballot.id)).where(
                Ballot.round_id == copy.rounds[0].id
            )
        )
        == 0
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).filter_by(action="poll_duplicated")
    ).one()
    assert entry.details["source_poll_id"] == poll.id


def test_a_poll_is_duplicated_as_the_plenary_poll(app, db, facilitator_client):
    event, first, second, poll = _four_language_poll(facilitator_client.account)
    answer = facilitator_client.post(
        f"/console/polls/{poll.id}/duplicate", data={"target": f"e{event.id}"}
    )
    assert answer.status_code == 302
    plenary = db.session.scalars(
        sa.select(Poll).filter_by(event_id=event.id, workshop_id=None)
    ).one()
    assert [o.key for o in plenary.options] == [o.key for o in poll.options]


def test_a_poll_is_duplicated_into_another_events_workshop_and_plenary(
    app, db, facilitator_client
):
    event, first, _second, poll = _four_language_poll(facilitator_client.account)
    later = factories.make_event(languages=FOUR)
    workshop = factories.make_workshop(later, facilitators=[facilitator_client.account])
    for target in (f"w{workshop.id}", f"e{later.id}"):
        answer = facilitator_client.post(
            f"/console/polls/{poll.id}/duplicate", data={"target": target}
        )
        assert answer.status_code == 302
    copies = db.session.scalars(
        sa.select(Poll).filter_by(event_id=later.id).order_by(Poll.id)
    ).all()
    assert [c.workshop_id for c in copies] == [workshop.id, None]
    for copy in copies:
        assert [(o.key, o.title) for o in copy.options] == [
            (o.key, o.title) for o in poll.options
        ]
        assert (copy.method, copy.top_k) == ("borda", 3)
    # The source event keeps its one poll.
    assert db.session.scalars(sa.select(Poll).filter_by(event_id=event.id)).all() == [
        poll
    ]


def test_nobody_copies_into_or_out_of_what_they_do_not_manage(
    app, db, facilitator_client
):
    event, first, second, poll = _four_language_poll(facilitator_client.account)
    elsewhere = factories.make_workshop()  # another event, another facilitator
    foreign_poll = factories.make_poll(elsewhere)
    before = _count(db, Poll)
    into = facilitator_client.post(
        f"/console/polls/{poll.id}/duplicate", data={"target": f"w{elsewhere.id}"}
    )
    assert into.status_code == 400  # not among the choices offered
    out = facilitator_client.post(
        f"/console/polls/{foreign_poll.id}/duplicate",
        data={"target": f"w{second.id}"},
    )
    assert out.status_code == 403
    for junk in ("x1", "w", "wabc", ""):
        answer = facilitator_client.post(
            f"/console/polls/{poll.id}/duplicate", data={"target": junk}
        )
        assert answer.status_code == 400, junk
    assert _count(db, Poll) == before


def test_the_duplicate_form_offers_the_users_workshops_and_plenaries(
    app, db, facilitator_client
):
    event, first, second, poll = _four_language_poll(facilitator_client.account)
    factories.make_workshop()  # not theirs
    page = facilitator_client.get(f"/console/polls/{poll.id}/duplicate")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'value="w{second.id}"' in body and f'value="e{event.id}"' in body
    assert body.count('name="target"') == 3  # two workshops and the plenary


def test_an_event_is_made_from_an_earlier_one_without_its_people(
    app, db, facilitator_client
):
    event, first, second, poll = _four_language_poll(facilitator_client.account)
    delegations = factories.make_delegations(event)
    voter = factories.make_participant(event, delegations[0])
    factories.make_ballot(poll.rounds[0], voter, [["a"]])
    answer = facilitator_client.post(
        f"/console/events/{event.id}/copy",
        data={"name": "Quinto seminario", "slug": "quinto"},
    )
    assert answer.status_code == 302
    new = db.session.scalars(sa.select(Event).filter_by(slug="quinto")).one()
    assert new.name == {"es": "Quinto seminario"} and new.languages == FOUR
    assert [w.name for w in new.workshops] == [w.name for w in event.workshops]
    assert facilitator_client.account in new.workshops[0].facilitators
    assert [(d.code, d.name) for d in new.delegations] == [
        (d.code, d.name) for d in event.delegations
    ]
    assert [[o.title for o in p.options] for p in new.polls] == [
        [o.title for o in p.options] for p in event.polls
    ]
    assert new.polls[0].workshop_id == new.workshops[0].id
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Participant.id)).filter_by(event_id=new.id)
        )
        == 0
    )
    assert new.join_code != event.join_code
    again = facilitator_client.post(
        f"/console/events/{event.id}/copy", data={"name": "Otro", "slug": "quinto"}
    )
    assert again.status_code == 400
    assert _count(db, Event) == 2
