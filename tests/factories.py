"""Builders for test data: ``make_event``, ``make_poll``, ``make_ballot`` …"""

import html
import re
from itertools import count

from voting.extensions import db
from voting.models import (
    Account,
    Ballot,
    Delegation,
    Event,
    Option,
    Participant,
    Poll,
    Round,
    RoundStatus,
    Workshop,
    new_code,
)

PASSWORD = "correct horse battery"
#: The three delegations most rooms are made of.
DELEGATIONS = (("AR", "Argentina"), ("CL", "Chile"), ("PE", "Perú"))
_seq = count(1)


def make_account(role="facilitator", email=None, **kwargs) -> Account:
    n = next(_seq)
    account = Account(
        email=email or f"staff{n}@example.org", name=f"Staff {n}", role=role, **kwargs
    )
    account.set_password(PASSWORD)
    db.session.add(account)
    db.session.commit()
    return account


def login(client, account, password=PASSWORD):
    return client.post("/login", data={"email": account.email, "password": password})


def make_event(languages="es,en", **kwargs) -> Event:
    n = next(_seq)
    event = Event(
        slug=f"event-{n}",
        name={"es": f"Evento {n}", "en": f"Event {n}"},
        languages=languages,
        **kwargs,
    )
    db.session.add(event)
    db.session.commit()
    return event


def make_workshop(event=None, facilitators=(), **kwargs) -> Workshop:
    event = event or make_event()
    workshop = Workshop(event=event, name={"es": "Mesa", "en": "Workshop"}, **kwargs)
    workshop.facilitators.extend(facilitators)
    db.session.add(workshop)
    db.session.commit()
    return workshop


def make_poll(
    workshop=None, options=("A", "B", "C"), status=RoundStatus.OPEN, **kwargs
) -> Poll:
    workshop = workshop or make_workshop()
    poll = Poll(
        event=workshop.event,
        workshop=workshop,
        question={"es": "¿Prioridades?", "en": "Priorities?"},
        **kwargs,
    )
    poll.options = [
        Option(
            key=title.lower(), position=i, title={"es": f"{title} (es)", "en": title}
        )
        for i, title in enumerate(options)
    ]
    poll.rounds.append(Round(number=1, status=status))
    db.session.add(poll)
    db.session.commit()
    return poll


def make_delegations(event, names=DELEGATIONS) -> list[Delegation]:
    """Delegations of ``event`` from (code, name) pairs, committed in order."""
    delegations = [Delegation(event=event, code=c, name=n) for c, n in names]
    db.session.add_all(delegations)
    db.session.commit()
    return delegations


def make_participant(event, delegation=None, **kwargs) -> Participant:
    n = next(_seq)
    if delegation is None:
        delegation = Delegation(event=event, code=f"D{n}", name=f"Delegation {n}")
    participant = Participant(
        event=event, delegation=delegation, name=f"Delegate {n}", **kwargs
    )
    participant.token = participant.issue_token()
    db.session.add(participant)
    db.session.commit()
    return participant


def make_ballot(round_, participant, ranking) -> Ballot:
    ballot = Ballot(
        round=round_,
        participant=participant,
        ranking=ranking,
        receipt_code=new_code(10),
    )
    db.session.add(ballot)
    db.session.commit()
    return ballot


def demo_event() -> Event:
    return db.session.scalar(db.select(Event).filter_by(slug="santiago-2005"))


class World:
    """Two events, two facilitators, a secretariat, an admin and two delegates.

    Event 1 (facilitator ``fac1``): ``open_poll`` (secret, open mode, round
    open, delegate ``d1`` has voted), ``closed_poll`` (secret, closed round
    with four ballots and an open consent check ``proposal``), ``named_poll``
    (not secret, closed round), and a ``plenary`` poll (draft round).
    Event 2 (facilitator ``fac2``): ``other_poll`` (round open), delegate ``d2``.
    Every delegate's name starts with "Voter", so that pages can be searched.
    """


def make_world() -> World:
    from voting import adoption, ballots, rounds

    w = World()
    w.admin = make_account(role="admin")
    w.fac1 = make_account(role="facilitator")
    w.fac2 = make_account(role="facilitator")
    w.secretariat = make_account(role="secretariat")

    w.event = make_event()
    w.workshop = make_workshop(w.event, facilitators=[w.fac1])
    w.delegations = make_delegations(w.event)
    w.open_poll = make_poll(w.workshop, open_mode=True, secret=True)
    w.closed_poll = make_poll(w.workshop, secret=True, status=RoundStatus.OPEN)
    w.named_poll = make_poll(w.workshop, secret=False, status=RoundStatus.OPEN)
    w.plenary = Poll(
        event=w.event,
        workshop=None,
        position=9,
        question={"es": "Plenario", "en": "Plenary"},
        options=[
            Option(key=k, position=i, title={"es": k.upper(), "en": k.upper()})
            for i, k in enumerate(("a", "b", "c"))
        ],
    )
    w.plenary.rounds.append(Round(number=1, status=RoundStatus.DRAFT))
    db.session.add(w.plenary)
    db.session.commit()

    def voter(event, delegation, n):
        participant = make_participant(event, delegation)
        participant.name = f"Voter Quxworth {n}"
        db.session.commit()
        return participant

    w.voters = [voter(w.event, w.delegations[i % 3], i) for i in range(4)]
    w.d1 = w.voters[0]
    for poll in (w.closed_poll, w.named_poll):
        ids = [o.id for o in poll.options]
        for i, participant in enumerate(w.voters):
            ranking = [[ids[i % 3]], [ids[(i + 1) % 3]], [ids[(i + 2) % 3]]]
            ballots.cast(participant, poll.rounds[0].id, ranking)
        rounds.close_round(poll.rounds[0].id, "test")
    open_ids = [o.id for o in w.open_poll.options]
    ballots.cast(w.d1, w.open_poll.rounds[0].id, [[i] for i in open_ids])
    w.proposal = adoption.propose(w.closed_poll.rounds[0], "test")

    w.other_event = make_event()
    w.other_workshop = make_workshop(w.other_event, facilitators=[w.fac2])
    w.other_poll = make_poll(w.other_workshop)
    w.d2 = voter(w.other_event, None, 9)
    db.session.commit()
    return w


def world_url(world: World, rule) -> str:
    """A concrete URL for a ``url_map`` rule, filled with the world's real ids.

    Defaults point at event 1 (``open_poll``, its open round, ``d1``'s link);
    some endpoints need another object to answer (a closed round to export,
    the plenary poll for the plenary views).
    """
    import re

    closed_round = world.closed_poll.rounds[0].id
    values = {
        "event_id": world.event.id,
        "workshop_id": world.workshop.id,
        "delegation_id": world.delegations[0].id,
        "option_id": world.open_poll.options[0].id,
        "participant_id": world.voters[3].id,
        "poll_id": world.open_poll.id,
        "round_id": world.open_poll.rounds[0].id,
        "proposal_id": world.proposal.id,
        "account_id": world.fac2.id,
        "token": world.open_poll.display_token,
        "fmt": "csv",
        "filename": "css/app.css",
    }
    values.update(
        {
            "delegate.link": {"token": world.d1.token},
            "display.plenary": {"token": world.plenary.display_token},
            "facilitator.propose": {"round_id": closed_round},
            "facilitator.propose_plenary": {"poll_id": world.plenary.id},
            "secretariat.export_round": {"round_id": closed_round},
            "secretariat.export_poll": {"poll_id": world.closed_poll.id},
            "secretariat.export_plenary": {"poll_id": world.plenary.id},
            "secretariat.named_ballots": {"round_id": world.named_poll.rounds[0].id},
        }.get(rule.endpoint, {})
    )
    return re.sub(
        r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule
    )


FINGERPRINT = re.compile(r'name="fingerprint" type="hidden" value="([^"]*)"')


def fingerprint_of(page) -> str | None:
    """The fingerprint an edit form's page (a response) carries, if any."""
    found = FINGERPRINT.search(page.get_data(as_text=True))
    return html.unescape(found.group(1)) if found else None
