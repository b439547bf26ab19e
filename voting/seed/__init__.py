"""Demo data: the III Inter-American Seminar on E-Government Procurement.

Santiago de Chile, 20–23 June 2005: 38 officials from 18 OAS countries ranked
areas of regional cooperation; the executive report records SME participation
and professional training as the two issues of highest priority. The names of
the delegates are invented; countries, areas and workshops come from the report.
"""

import json
import secrets
from datetime import datetime
from pathlib import Path

from .. import audit, links
from ..extensions import db
from ..models import (
    Account,
    Delegation,
    Event,
    Option,
    Participant,
    Poll,
    Role,
    Round,
    RoundStatus,
    Workshop,
    utcnow,
)

DATA = Path(__file__).with_name("santiago2005.json")
DEMO_ADMIN = "admin@demo.prioriza.org"


def _options(spec: list[dict]) -> list[Option]:
    return [
        Option(key=o["key"], position=i, title=o["title"], description=o["description"])
        for i, o in enumerate(spec)
    ]


def load_demo() -> bool:
    """Create the demo event unless it exists; return whether it was created."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    spec = data["event"]
    if db.session.scalar(db.select(Event).filter_by(slug=spec["slug"])):
        return False
    event = Event(
        slug=spec["slug"],
        name=spec["name"],
        languages=spec["languages"],
        venue=spec["venue"],
        starts_on=datetime.fromisoformat(spec["starts_on"]),
        ends_on=datetime.fromisoformat(spec["ends_on"]),
    )
    db.session.add(event)
    delegations = {d["code"]: Delegation(event=event, **d) for d in data["delegations"]}
    workshops = [
        Workshop(event=event, name=w["name"], position=i)
        for i, w in enumerate(data["workshops"], start=1)
    ]
    db.session.add_all([*delegations.values(), *workshops])
    db.session.flush()
    for p in data["participants"]:
        participant = Participant(
            event=event,
            name=p["name"],
            language=p["language"],
            delegation=delegations[p["delegation"]],
            workshop_id=workshops[p["workshop"] - 1].id,
        )
        participant.issue_token()
        db.session.add(participant)
    for i, workshop in enumerate(workshops):
        poll = Poll(
            event=event,
            workshop=workshop,
            position=i,
            question=data["poll"]["question"],
            top_k=data["poll"]["top_k"],
            # The projector's QR joins by event code: the workshops accept it.
            open_mode=True,
            options=_options(data["options"]),
        )
        poll.rounds.append(Round(number=1, status=RoundStatus.OPEN, opened_at=utcnow()))
        db.session.add(poll)
    plenary = Poll(
        event=event,
        workshop=None,
        position=len(workshops),
        question=data["plenary"]["question"],
        top_k=data["poll"]["top_k"],
        options=_options(data["options"]),
    )
    plenary.rounds.append(Round(number=1, status=RoundStatus.DRAFT))
    db.session.add(plenary)
    db.session.flush()
    audit.record(audit.CLI, "seed_demo", event.id)
    db.session.commit()
    return True


def demo_access() -> dict:
    """An admin account with a fresh random password, and the demo's links.

    Called once, right after the demo is created; nothing here is stored in
    clear (the password and the delegate token are hashed).
    """
    event = db.session.scalar(db.select(Event).filter_by(slug="santiago-2005"))
    password = secrets.token_urlsafe(12)
    account = db.session.scalar(db.select(Account).filter_by(email=DEMO_ADMIN))
    if account is None:
        account = Account(email=DEMO_ADMIN, name="Demo admin", role=Role.ADMIN)
        db.session.add(account)
    account.set_password(password)
    participant = db.session.scalar(
        db.select(Participant).filter_by(event_id=event.id).order_by(Participant.id)
    )
    token = participant.issue_token()
    audit.record(audit.CLI, "demo_access", event.id)
    db.session.commit()
    return {
        "email": DEMO_ADMIN,
        "password": password,
        "displays": [
            (poll.title("en"), links.display_link(poll)) for poll in event.polls
        ],
        "delegate_link": links.personal_link(token),
        "join_code": event.join_code,
    }
