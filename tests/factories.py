"""Builders for test data: ``make_event``, ``make_poll``, ``make_ballot`` …"""

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
