"""Paper ballots: printed per poll, entered by a facilitator, counted once."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests import factories
from voting import paper
from voting.models import AuditEntry, Ballot, RoundStatus


@pytest.fixture
def room(app, facilitator_client):
    """A poll of three options, two delegates of its workshop, round 1 open."""

    def make(secret=False):
        event = factories.make_event()
        workshop = factories.make_workshop(
            event, facilitators=[facilitator_client.account]
        )
        poll = factories.make_poll(workshop, secret=secret)
        people = [
            factories.make_participant(event, workshop_id=workshop.id) for _ in range(2)
        ]
        return poll, poll.rounds[0], people

    return make


def _form(round_, participant, ranks, step):
    data = {"participant": participant.id, "step": step}
    for option, rank in zip(round_.poll.options, ranks, strict=True):
        data[f"rank-{option.id}"] = rank
    return data


def _ballots(db, round_):
    return list(db.session.scalars(sa.select(Ballot).filter_by(round_id=round_.id)))


def test_a_paper_ballot_is_shown_back_then_counted_and_the_phone_is_refused(
    app, db, room, facilitator_client
):
    poll, round_, (ana, ben) = room()
    url = f"/console/rounds/{round_.id}/paper"
    page = facilitator_client.get(url).get_data(as_text=True)
    assert ana.name in page and ben.name in page

    check = facilitator_client.post(
        url, data=_form(round_, ana, ["2", "1", ""], "check")
    )
    assert check.status_code == 200
    shown = check.get_data(as_text=True)
    assert shown.index("B (es)") < shown.index("A (es)")  # shown back, best first
    assert _ballots(db, round_) == []  # nothing counted before the confirmation

    done = facilitator_client.post(
        url, data=_form(round_, ana, ["2", "1", ""], "confirm")
    )
    assert done.status_code == 302
    (ballot,) = _ballots(db, round_)
    b, a = poll.options[1].id, poll.options[0].id
    assert (ballot.participant_id, ballot.ranking, ballot.paper) == (
        ana.id,
        [[b], [a]],
        True,
    )
    entry = db.session.scalars(
        sa.select(AuditEntry).filter_by(action="paper_ballot_entered")
    ).one()
    assert entry.actor == f"account:{facilitator_client.account.id}"
    assert entry.details == {"participant_id": ana.id}
    assert paper.counts(poll) == {round_.id: 1}
    # The list offers only who has not voted; Ana is gone from it.
    page = facilitator_client.get(url).get_data(as_text=True)
    assert f'value="{ana.id}"' not in page and f'value="{ben.id}"' in page

    phone = app.test_client()
    assert phone.get(f"/j/{ana.token}").status_code == 302
    online = phone.post(f"/api/rounds/{round_.id}/ballot", json={"ranking": [[a], [b]]})
    assert online.status_code == 409
    assert "papel" in online.get_json()["message"]  # Spanish, the default
    db.session.expire_all()
    assert [x.ranking for x in _ballots(db, round_)] == [[[b], [a]]]


def test_a_delegate_who_voted_online_gets_no_paper_ballot(
    app, db, room, facilitator_client
):
    poll, round_, (ana, _ben) = room()
    phone = app.test_client()
    phone.get(f"/j/{ana.token}")
    a = poll.options[0].id
    assert (
        phone.post(
            f"/api/rounds/{round_.id}/ballot", json={"ranking": [[a]]}
        ).status_code
        == 201
    )
    url = f"/console/rounds/{round_.id}/paper"
    answer = facilitator_client.post(
        url, data=_form(round_, ana, ["", "1", ""], "confirm")
    )
    assert answer.status_code == 400
    db.session.expire_all()
    assert [(x.ranking, x.paper) for x in _ballots(db, round_)] == [([[a]], False)]
    # The service itself refuses too (two facilitators at once).
    with pytest.raises(Exception) as refused:
        paper.enter(ana, round_, [[a]], facilitator_client.account)
    assert getattr(refused.value, "status", None) == 409


def test_a_secret_polls_paper_ballot_is_audited_without_the_delegate(
    app, db, room, facilitator_client
):
    poll, round_, (ana, _ben) = room(secret=True)
    url = f"/console/rounds/{round_.id}/paper"
    facilitator_client.post(url, data=_form(round_, ana, ["1", "2", "3"], "confirm"))
    entry = db.session.scalars(
        sa.select(AuditEntry).filter_by(action="paper_ballot_entered")
    ).one()
    assert entry.details == {}
    assert str(ana.id) not in str(entry.details)


def test_a_wrong_paper_ballot_is_refused_and_nothing_is_stored(
    app, db, room, facilitator_client
):
    poll, round_, (ana, _ben) = room()
    url = f"/console/rounds/{round_.id}/paper"
    for ranks in (["1", "1", ""], ["9", "", ""], ["", "", ""], ["x", "", ""]):
        answer = facilitator_client.post(url, data=_form(round_, ana, ranks, "confirm"))
        assert answer.status_code == 400, ranks
    assert facilitator_client.post(url, data={"step": "confirm"}).status_code == 400
    assert _ballots(db, round_) == []


def test_no_paper_ballot_outside_an_open_round_or_someone_elses_workshop(
    app, db, room, facilitator_client
):
    poll, round_, (ana, _ben) = room()
    other = factories.make_poll()  # another facilitator's workshop
    assert (
        facilitator_client.get(
            f"/console/rounds/{other.rounds[0].id}/paper"
        ).status_code
        == 403
    )
    round_.status = RoundStatus.CLOSED
    db.session.commit()
    url = f"/console/rounds/{round_.id}/paper"
    assert facilitator_client.get(url).status_code == 409
    answer = facilitator_client.post(
        url, data=_form(round_, ana, ["1", "", ""], "confirm")
    )
    assert answer.status_code == 409
    assert _ballots(db, round_) == []


def _pdf_text(response) -> str:
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_printed_ballot_has_both_languages_and_two_fit_a_sheet(
    app, room, facilitator_client
):
    poll, _round, _people = room()
    url = f"/console/polls/{poll.id}/paper-ballots.pdf"
    text = _pdf_text(facilitator_client.get(url))
    assert "A (es)" in text and "\nA\n" in f"\n{text}\n".replace(" ", "\n")
    assert "¿Prioridades?" in text and "Priorities?" in text
    assert "Name:" in text or "Nombre:" in text  # a named poll's ballot
    two = _pdf_text(facilitator_client.get(url + "?per_sheet=2"))
    assert two.count("¿Prioridades?") == 2
    assert facilitator_client.get(url + "?per_sheet=3").status_code == 400


def test_a_secret_polls_printed_ballot_asks_no_name(app, room, facilitator_client):
    poll, _round, _people = room(secret=True)
    text = _pdf_text(
        facilitator_client.get(f"/console/polls/{poll.id}/paper-ballots.pdf")
    )
    assert "Name:" not in text and "Nombre:" not in text


def test_the_console_links_paper_ballots_and_counts_them_as_such(
    app, db, room, facilitator_client
):
    poll, round_, (ana, _ben) = room()
    page = facilitator_client.get(f"/console/polls/{poll.id}").get_data(as_text=True)
    assert f"/console/rounds/{round_.id}/paper" in page
    url = f"/console/rounds/{round_.id}/paper"
    facilitator_client.post(url, data=_form(round_, ana, ["1", "", ""], "confirm"))
    page = facilitator_client.get(
        f"/console/polls/{poll.id}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "1 on paper" in page
