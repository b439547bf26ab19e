"""Secret-ballot leaks through the console, the exports and the record."""

import json
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from tests import factories
from voting import adoption, ballots, disclosure, rounds
from voting.errors import UserError
from voting.extensions import db
from voting.models import (
    AuditEntry,
    Ballot,
    Option,
    Poll,
    Proposal,
    Round,
    RoundStatus,
)


@pytest.fixture
def fac(facilitator_client):
    facilitator_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return facilitator_client


def audits(action):
    return db.session.scalars(
        sa.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)
    ).all()


def html(response):
    return response.get_data(as_text=True)


# --- 1. console actions on a participant follow the workshop scope ----------


@pytest.fixture
def two_workshops(fac):
    """One event; ``fac`` runs workshop 1, somebody else workshop 2, whose
    delegate ``theirs`` has voted in workshop 2's open poll."""
    event = factories.make_event()
    mine = factories.make_workshop(event, facilitators=[fac.account])
    other = factories.make_account(role="facilitator")
    their_workshop = factories.make_workshop(event, facilitators=[other])
    their_poll = factories.make_poll(their_workshop, secret=True)
    factories.make_poll(mine, secret=True)
    theirs = factories.make_participant(event, workshop_id=their_workshop.id)
    theirs.name = "Theirs Quxworth"
    ours = factories.make_participant(event, workshop_id=mine.id)
    ours.name = "Ours Plumwick"
    db.session.commit()
    ids = [o.id for o in their_poll.options]
    ballots.cast(theirs, their_poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    return event, mine, their_workshop, their_poll, theirs, ours


def test_badges_for_another_workshops_delegate_are_refused(fac, two_workshops):
    event, _mine, _their_workshop, _poll, theirs, ours = two_workshops
    before = theirs.token_hash
    response = fac.post(
        f"/console/events/{event.id}/badges",
        data={"participants": [theirs.id], "format": "html"},
    )
    assert response.status_code == 403
    db.session.refresh(theirs)
    assert theirs.token_hash == before
    assert audits("badges_issued") == []
    # Mixed with one of the facilitator's own: still nothing issued.
    own_before = ours.token_hash
    response = fac.post(
        f"/console/events/{event.id}/badges",
        data={"participants": [ours.id, theirs.id], "format": "pdf"},
    )
    assert response.status_code == 403
    db.session.refresh(ours)
    assert ours.token_hash == own_before
    assert audits("badges_issued") == []
    # The facilitator's own delegate still gets a badge.
    response = fac.post(
        f"/console/events/{event.id}/badges",
        data={"participants": [ours.id], "format": "html"},
    )
    assert response.status_code == 200
    assert audits("badges_issued")[-1].details["participant_ids"] == [ours.id]


def test_badges_for_an_every_poll_delegate_who_voted_elsewhere_are_refused(
    fac, two_workshops
):
    event, _mine, _their_workshop, poll, _theirs, _ours = two_workshops
    roaming = factories.make_participant(event)  # no workshop: every poll
    ids = [o.id for o in poll.options]
    ballots.cast(roaming, poll.rounds[0].id, [[ids[2]], [ids[1]], [ids[0]]])
    before = roaming.token_hash
    response = fac.post(
        f"/console/events/{event.id}/badges",
        data={"participants": [roaming.id], "format": "html"},
    )
    assert response.status_code == 403
    db.session.refresh(roaming)
    assert roaming.token_hash == before


def test_editing_or_removing_another_workshops_delegate_is_refused(fac, two_workshops):
    event, mine, their_workshop, _poll, theirs, ours = two_workshops
    data = {
        "name": "Renamed",
        "delegation": 0,
        "workshop": mine.id,
        "email": "",
        "language": "",
    }
    assert fac.get(f"/console/participants/{theirs.id}/edit").status_code == 403
    assert (
        fac.post(f"/console/participants/{theirs.id}/edit", data=data).status_code
        == 403
    )
    assert fac.post(f"/console/participants/{theirs.id}/delete").status_code == 403
    db.session.refresh(theirs)
    assert theirs.name == "Theirs Quxworth"
    assert theirs.workshop_id == their_workshop.id
    # Nor can one's own delegate be moved into a workshop one does not run.
    data["workshop"] = their_workshop.id
    response = fac.post(f"/console/participants/{ours.id}/edit", data=data)
    assert response.status_code == 400
    db.session.refresh(ours)
    assert ours.workshop_id == mine.id


def test_participants_page_lists_only_manageable_delegates(fac, two_workshops):
    event, _mine, their_workshop, _poll, theirs, ours = two_workshops
    page = html(fac.get(f"/console/events/{event.id}/participants"))
    assert "Ours Plumwick" in page
    assert "Theirs Quxworth" not in page
    assert f'value="{theirs.id}"' not in page
    new = html(fac.get(f"/console/events/{event.id}/participants/new"))
    assert (
        f'value="{their_workshop.id}"'
        not in new.split('name="workshop"')[1].split("</select>")[0]
    )


def test_ballot_page_shows_when_the_ballot_last_changed(app, two_workshops):
    event, _mine, _their_workshop, poll, theirs, _ours = two_workshops
    ballot = db.session.scalar(sa.select(Ballot).filter_by(participant_id=theirs.id))
    ballot.updated_at = datetime(2031, 3, 4, 15, 7)
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.get(f"/j/{theirs.token}").status_code == 302
    page = html(client.get(f"/vote/{poll.id}"))
    assert "Last changed 3/4/31, 3:07\u202fPM (UTC)." in page


# --- 2. a secret round below the minimum is not proposed ----------------------


def small_secret_round(fac, voters=2):
    """A closed secret round of ``fac``'s workshop with ``voters`` ballots."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, options=("A", "B", "C"), secret=True)
    ids = [o.id for o in poll.options]
    for _i in range(voters):
        voter = factories.make_participant(poll.event)
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    return poll


def test_a_secret_round_below_the_minimum_cannot_be_proposed(fac):
    poll = small_secret_round(fac, disclosure.MIN_SECRET_BALLOTS - 1)
    response = fac.post(f"/console/rounds/{poll.rounds[0].id}/propose")
    assert response.status_code == 409
    assert "cannot be proposed" in html(response)
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0
    assert audits("proposal_opened") == []
    with pytest.raises(UserError) as refused:
        adoption.propose(poll.rounds[0], "test")
    assert refused.value.status == 409


def test_a_secret_round_at_the_minimum_can_be_proposed(fac):
    poll = small_secret_round(fac, disclosure.MIN_SECRET_BALLOTS)
    response = fac.post(f"/console/rounds/{poll.rounds[0].id}/propose")
    assert response.status_code == 302
    assert adoption.latest(poll) is not None


def plenary_of(poll, secret):
    plenary = Poll(
        event=poll.event,
        question={"en": "Plenary", "es": "Plenario"},
        secret=secret,
        options=[
            Option(key=o.key, position=o.position, title=dict(o.title))
            for o in poll.options
        ],
        rounds=[Round(number=1, status=RoundStatus.DRAFT)],
    )
    db.session.add(plenary)
    db.session.commit()
    return plenary


@pytest.mark.parametrize("plenary_secret", [True, False])
def test_a_plenary_over_few_secret_ballots_cannot_be_proposed(fac, plenary_secret):
    poll = small_secret_round(fac, disclosure.MIN_SECRET_BALLOTS - 1)
    plenary = plenary_of(poll, plenary_secret)
    response = fac.post(f"/console/polls/{plenary.id}/propose")
    assert response.status_code == 409
    assert "cannot be proposed" in html(response)
    assert adoption.latest(plenary) is None


# --- 3. a closed round is final ----------------------------------------------

POLL_DATA = {
    "question_es": "¿Prioridades?",
    "question_en": "Priorities?",
    "method": "schulze",
    "weighting": "delegate",
    "top_k": "2",
    "allow_unranked": "y",
    "secret": "y",
    "results_visibility": "live",
    "adoption_rule": "consensus",
    "adoption_threshold": "0.6667",
}


@pytest.fixture
def started(fac):
    """A secret poll of ``fac``'s whose round 1 is closed."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, secret=True, status=RoundStatus.CLOSED)
    return poll


@pytest.mark.parametrize(
    "change", [{"method": "borda"}, {"weighting": "delegation"}, {"top_k": "1"}]
)
def test_the_tally_rules_are_frozen_once_a_round_opened(fac, started, change):
    before = (started.method, started.weighting, started.top_k)
    data = {**POLL_DATA, "question_en": "Typed by the user", **change}
    response = fac.post(f"/console/polls/{started.id}/edit", data=data)
    assert response.status_code == 409
    page = html(response)
    assert "a closed round is final" in page
    assert "Typed by the user" in page  # the form keeps what was typed
    db.session.refresh(started)
    assert (started.method, started.weighting, started.top_k) == before
    assert audits("poll_updated") == []
    # The question may still be corrected.
    data = {**POLL_DATA, "question_en": "Priorities, corrected"}
    assert fac.post(f"/console/polls/{started.id}/edit", data=data).status_code == 302
    assert started.question["en"] == "Priorities, corrected"


def test_the_tally_rules_change_freely_before_the_first_round(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, status=RoundStatus.DRAFT)
    data = {**POLL_DATA, "method": "borda", "weighting": "delegation", "top_k": "1"}
    assert fac.post(f"/console/polls/{poll.id}/edit", data=data).status_code == 302
    assert (poll.method, poll.weighting, poll.top_k) == ("borda", "delegation", 1)


def test_hidden_results_of_an_open_secret_round_stay_hidden(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(
        workshop, secret=True, results_visibility="hidden", status=RoundStatus.OPEN
    )
    response = fac.post(f"/console/polls/{poll.id}/edit", data=POLL_DATA)
    assert response.status_code == 409
    assert "cannot be made live while a round is open" in html(response)
    db.session.refresh(poll)
    assert poll.results_visibility == "hidden"
    # Once the round is closed (or for a named poll) they may go live.
    rounds.close_round(poll.rounds[0].id, "test")
    assert fac.post(f"/console/polls/{poll.id}/edit", data=POLL_DATA).status_code == 302
    assert poll.results_visibility == "live"


# --- 4. the weights file publishes totals per distinct order ------------------


def test_weights_file_has_one_total_per_distinct_order(
    secretariat_client, runner, tmp_path
):
    from tests.app.test_exports import TITLES, alternatives, make_room

    # Chile's three delegates agree; Brasil's two do not; Argentina has one.
    rankings = [[[0], [1], [2]]] * 3 + [[[0], [1], [2]], [[2], [1], [0]]]
    rankings += [[[1], [0], [2]]]
    poll, round_, _ = make_room(
        "delegation", titles=TITLES[:3], rankings=rankings, groups=[2, 2, 2, 1, 1, 0]
    )
    base = f"/secretariat/rounds/{round_.id}/export"
    ballots_file = secretariat_client.get(f"{base}.preflib")
    weights = secretariat_client.get(f"{base}.weights")
    assert ballots_file.status_code == weights.status_code == 200
    lines = weights.get_data(as_text=True).splitlines()
    assert lines[0] == "order,weight"
    rows = dict(line.rsplit(",", 1) for line in lines[1:])
    orders = [
        line.split(": ", 1)[1]
        for line in ballots_file.get_data(as_text=True).splitlines()
        if not line.startswith("#")
    ]
    # Each distinct order once, in both files, with the sum of its weights:
    # nothing shows a single delegate's share of a delegation (1/3 of Chile).
    assert sorted(rows) == sorted(f'"{o}"' for o in orders)
    assert len(rows) == len(set(rows)) == 3
    assert {o: float(w) for o, w in rows.items()} == pytest.approx(
        {'"1,2,3"': 1.5, '"3,2,1"': 0.5, '"2,1,3"': 1.0}
    )
    assert not any(w.startswith("0.33") for w in rows.values())
    counts = sorted(
        int(line.split(":")[0])
        for line in ballots_file.get_data(as_text=True).splitlines()
        if not line.startswith("#")
    )
    assert counts == [1, 1, 4]
    name = re.search(
        r'filename="?([^";]+)', ballots_file.headers["Content-Disposition"]
    )
    toi = tmp_path / name.group(1)
    toi.write_bytes(ballots_file.data)
    csv_path = tmp_path / "ballots.weights.csv"
    csv_path.write_bytes(weights.data)
    recount = runner.invoke(
        args=["tally", str(toi), "--weights", str(csv_path), "--method", poll.method]
    )
    assert recount.exit_code == 0, recount.output
    out = json.loads(recount.output)
    assert out["ranking"] == alternatives(round_)
    meta = secretariat_client.get(f"{base}.json").get_json()["sections"][0]
    assert out["source"]["sha256"] == meta["metadata"]["ballot_file_sha256"]


# --- 5. option texts corrected once ballots are in -----------------------------


@pytest.fixture
def voted(fac):
    """A named poll of ``fac``'s with three ballots in its closed round 1."""
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, secret=False)
    ids = [o.id for o in poll.options]
    for _i in range(3):
        voter = factories.make_participant(poll.event)
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]], [ids[2]]])
    rounds.close_round(poll.rounds[0].id, "test")
    return poll


def option_data(option, **change):
    return {
        "title_es": option.title["es"],
        "title_en": option.title["en"],
        "description_es": "",
        "description_en": "",
        **change,
    }


def test_an_option_text_after_ballots_needs_a_reason(fac, voted):
    option = voted.options[0]
    url = f"/console/options/{option.id}/edit"
    assert "Reason for the correction" in html(fac.get(url))
    response = fac.post(url, data=option_data(option, title_en="A, reworded"))
    assert response.status_code == 400
    assert "give the reason" in html(response)
    assert "A, reworded" in html(response)  # what was typed is kept
    db.session.refresh(option)
    assert option.title["en"] == "A"
    response = fac.post(
        url, data=option_data(option, title_en="A, reworded", reason="Typo  ")
    )
    assert response.status_code == 302
    assert option.title["en"] == "A, reworded"
    entry = audits("option_updated")[-1]
    assert entry.details["reason"] == "Typo"
    assert entry.details["old"]["title"]["en"] == "A"
    assert entry.details["new"]["title"]["en"] == "A, reworded"
    # Saving without a change needs no reason.
    assert fac.post(url, data=option_data(option)).status_code == 302


def test_an_option_text_before_ballots_needs_no_reason(fac):
    workshop = factories.make_workshop(facilitators=[fac.account])
    poll = factories.make_poll(workshop, status=RoundStatus.DRAFT)
    option = poll.options[0]
    url = f"/console/options/{option.id}/edit"
    assert "Reason for the correction" not in html(fac.get(url))
    response = fac.post(url, data=option_data(option, title_en="A, reworded"))
    assert response.status_code == 302
    assert "reason" not in audits("option_updated")[-1].details


def test_pasted_translations_after_ballots_need_a_reason(fac, voted):
    url = f"/console/polls/{voted.id}/options/paste"
    data = {"mode": "translate", "lines_en": "Alpha\nB\nC"}
    response = fac.post(url, data=data)
    assert response.status_code == 400
    db.session.refresh(voted.options[0])
    assert voted.options[0].title["en"] == "A"
    assert audits("options_translated") == []
    response = fac.post(url, data={**data, "reason": "The agreed wording"})
    assert response.status_code == 302
    assert voted.options[0].title["en"] == "Alpha"
    entry = audits("options_translated")[-1]
    assert entry.details["reason"] == "The agreed wording"
    (change,) = entry.details["changes"]
    assert change["option_id"] == voted.options[0].id
    assert change["old"]["title"]["en"] == "A"
    assert change["new"]["title"]["en"] == "Alpha"


def test_the_record_lists_the_corrections_to_option_texts(
    fac, secretariat_client, voted
):
    option = voted.options[1]
    fac.post(
        f"/console/options/{option.id}/edit",
        data=option_data(option, title_en="Bee", reason="Agreed in the plenary"),
    )
    secretariat_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    base = f"/secretariat/rounds/{voted.rounds[0].id}/export"
    page = html(secretariat_client.get(f"{base}.html?lang=en"))
    assert "Corrections to option texts" in page
    assert "“B” became “Bee”" in page
    assert "Reason: Agreed in the plenary" in page
    pdf = secretariat_client.get(f"{base}.pdf?lang=en")
    assert pdf.status_code == 200
