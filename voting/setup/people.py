"""Delegations and participants of an event."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..models import Ballot, Delegation, Event, Participant
from . import refuse
from .events import slugify, unique_slug


def delegation_code(name: str, taken: set[str]) -> str:
    """A new delegation code from its name (``"Perú"`` → ``PERU``), unique."""
    base = slugify(name, 12).replace("-", "").upper()[:12] or "DEL"
    return unique_slug(base, taken, 12)


def create_delegation(event: Event, code: str, name: str, actor: str) -> Delegation:
    """Add a delegation (country or institution) to an event."""
    code, name = code.strip().upper(), name.strip()
    if not name:
        refuse(_("A delegation needs a name."))
    taken = {d.code for d in event.delegations}
    code = code or delegation_code(name, taken)
    if code in taken:
        refuse(_("Another delegation already uses the code %(code)s.", code=code))
    delegation = Delegation(event=event, code=code, name=name)
    db.session.add(delegation)
    db.session.flush()
    audit.record(
        actor, "delegation_created", event.id, delegation_id=delegation.id, code=code
    )
    db.session.commit()
    return delegation


def update_delegation(
    delegation: Delegation, code: str, name: str, actor: str
) -> Delegation:
    """Rename a delegation or change its code."""
    code, name = code.strip().upper(), name.strip()
    if not code or not name:
        refuse(_("A delegation needs a code and a name."))
    clash = db.session.scalar(
        sa.select(Delegation.id).where(
            Delegation.event_id == delegation.event_id,
            Delegation.code == code,
            Delegation.id != delegation.id,
        )
    )
    if clash:
        refuse(_("Another delegation already uses the code %(code)s.", code=code))
    delegation.code, delegation.name = code, name
    audit.record(
        actor, "delegation_updated", delegation.event_id, delegation_id=delegation.id
    )
    db.session.commit()
    return delegation


def delete_delegation(delegation: Delegation, actor: str) -> None:
    """Remove a delegation that has no participants."""
    if delegation.participants:
        refuse(_("This delegation still has participants."), 409)
    _remove(
        delegation,
        "delegation_deleted",
        actor,
        delegation_id=delegation.id,
        code=delegation.code,
    )


def _remove(
    record: Delegation | Participant, action: str, actor: str, **details
) -> None:
    """Log the removal of an event's delegation or participant, and remove it."""
    audit.record(actor, action, record.event_id, **details)
    db.session.delete(record)
    db.session.commit()


def _check_email(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return refuse(_("The e-mail address %(email)s is not valid.", email=value))


def _check_language(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    if value not in current_app.config["LANGUAGES"]:
        refuse(
            _(
                "Unknown language %(code)s: use %(allowed)s.",
                code=value,
                allowed=", ".join(current_app.config["LANGUAGES"]),
            )
        )
    return value


def check_belongs(event: Event, delegation, workshop) -> None:
    """Refuse a delegation or workshop of another event."""
    if delegation is not None and delegation.event_id != event.id:
        refuse(_("That delegation belongs to another event."))
    if workshop is not None and workshop.event_id != event.id:
        refuse(_("That workshop belongs to another event."))


def create_participant(event: Event, data: dict, actor: str) -> Participant:
    """Register one participant (no personal link yet: see the badge sheet)."""
    name = (data.get("name") or "").strip()
    if not name:
        refuse(_("A participant needs a name."))
    delegation, workshop = data.get("delegation"), data.get("workshop")
    check_belongs(event, delegation, workshop)
    participant = Participant(
        event=event,
        name=name,
        delegation=delegation,
        workshop_id=workshop.id if workshop else None,
        email=_check_email(data.get("email")),
        language=_check_language(data.get("language")),
    )
    db.session.add(participant)
    db.session.flush()
    audit.record(actor, "participant_created", event.id, participant_id=participant.id)
    db.session.commit()
    return participant


def update_participant(participant: Participant, data: dict, actor: str) -> Participant:
    """Change a participant's name, delegation, workshop, e-mail or language."""
    event = participant.event
    name = (data.get("name") or "").strip()
    if not name:
        refuse(_("A participant needs a name."))
    delegation, workshop = data.get("delegation"), data.get("workshop")
    check_belongs(event, delegation, workshop)
    participant.name = name
    participant.delegation = delegation
    participant.workshop_id = workshop.id if workshop else None
    participant.email = _check_email(data.get("email"))
    participant.language = _check_language(data.get("language"))
    audit.record(actor, "participant_updated", event.id, participant_id=participant.id)
    db.session.commit()
    return participant


def ballot_count(participant: Participant) -> int:
    """How many ballots the participant has cast, in any round."""
    return db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).filter_by(participant_id=participant.id)
    )


def delete_participant(participant: Participant, actor: str) -> None:
    """Remove a participant who has cast no ballot."""
    if ballot_count(participant):
        refuse(_("This participant has cast ballots and cannot be removed."), 409)
    _remove(participant, "participant_deleted", actor, participant_id=participant.id)


def participants_by_delegation(event: Event) -> list[Participant]:
    """The event's participants by delegation name, then name."""
    return list(
        db.session.scalars(
            sa.select(Participant)
            .outerjoin(Delegation, Participant.delegation_id == Delegation.id)
            .where(Participant.event_id == event.id)
            .order_by(Delegation.name, Participant.name)
        )
    )


def find(model, object_id: int | None):
    """The row of ``model`` with this id, ``None`` for none (0)."""
    return db.session.get(model, object_id or 0)


def with_email(address: str) -> list[Participant]:
    """The participants with this e-mail address (in any case)."""
    return list(
        db.session.scalars(
            sa.select(Participant).where(
                sa.func.lower(Participant.email) == address.lower()
            )
        )
    )
