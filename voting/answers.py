"""Consent answers: a unit (delegate or delegation) agrees, stands aside or
objects, while the check is open (see :mod:`voting.adoption`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from . import audit, proposals
from .ballots import request_hash, stored_response
from .errors import UserError
from .extensions import db
from .models import ConsentAnswer, IdempotencyKey, Participant, Poll, Proposal, utcnow

ANSWERS = ("agree", "stand_aside", "object")
MAX_REASON = 500


@dataclass
class AnswerResult:
    answer: str
    reason: str
    revision: int
    replayed: bool = False


def answer(
    participant: Participant,
    proposal_id: int,
    choice: Any,
    reason: Any = "",
    idempotency_key: str | None = None,
) -> AnswerResult:
    """Record (or change) a unit's answer while the check is open, atomically."""
    if choice not in ANSWERS:
        raise UserError(_("Choose agree, stand aside or object."))
    reason = reason.strip() if isinstance(reason, str) else ""
    if choice == "object" and not reason:
        raise UserError(_("An objection needs a short reason."))
    if len(reason) > MAX_REASON:
        raise UserError(
            _("The reason may have at most %(n)d characters.", n=MAX_REASON)
        )
    proposal = proposals.lock(proposal_id)
    if not participant.eligible_for(proposal.poll):
        raise UserError(_("You cannot answer this proposal."), 403)
    digest = request_hash({"proposal": proposal.id, "answer": choice, "reason": reason})
    if idempotency_key:
        stored = stored_response(participant, idempotency_key, digest)
        if stored is not None:
            return AnswerResult(**stored, replayed=True)
    if proposal.status != "open":
        raise UserError(
            _("This consent check is closed. Your answer was not recorded."), 409
        )
    unit = unit_of(participant, proposal)
    row = current_answer(participant, proposal)
    if row is None:
        row = ConsentAnswer(
            proposal=proposal,
            unit=unit,
            revision=1,
            participant_id=participant.id,
            answer=choice,
            reason=reason,
            delegation_id=participant.delegation_id,
        )
        db.session.add(row)
    else:
        row.participant_id, row.answer, row.reason = participant.id, choice, reason
        row.revision += 1
        row.updated_at = utcnow()
    result = AnswerResult(choice, reason, row.revision)
    if idempotency_key:
        db.session.add(
            IdempotencyKey(
                participant_id=participant.id,
                key=idempotency_key,
                request_hash=digest,
                response={"answer": choice, "reason": reason, "revision": row.revision},
            )
        )
    proposals.touch(proposal.poll)
    secret = proposal.poll.secret
    audit.record(
        audit.participant(participant.id, secret),
        "consent_answered",
        proposal.poll.event_id,
        round_id=proposal.round_id,
        proposal=proposal.number,
    )
    db.session.commit()
    return result


def unit_of(participant: Participant, proposal: Proposal) -> str:
    """Who answers: the delegation (one country, one vote) or the delegate."""
    if proposal.by_delegation and participant.delegation_id:
        return f"d{participant.delegation_id}"
    return f"p{participant.id}"


def current_answer(participant: Participant, proposal: Proposal):
    """The answer that counts for the participant's unit, if any."""
    return db.session.scalar(
        sa.select(ConsentAnswer).filter_by(
            proposal_id=proposal.id, unit=unit_of(participant, proposal)
        )
    )


def answered(participant: Participant, proposals) -> set[int]:
    """Ids of the proposals the participant's unit has answered."""
    return {p.id for p in proposals if current_answer(participant, p) is not None}


def open_for(participant: Participant) -> list[Proposal]:
    """Open consent checks the participant may answer."""
    proposals = db.session.scalars(
        sa.select(Proposal)
        .join(Poll)
        .where(Proposal.status == "open", Poll.event_id == participant.event_id)
    ).all()
    return [p for p in proposals if participant.eligible_for(p.poll)]
