"""Consensus adoption: the room adopts (or amends) the priority list.

A facilitator proposes the closed round's ranking, cut into its tiers; each
unit (a delegate, or a delegation when the poll counts one country, one vote)
answers *agree*, *stand aside* (can live with it) or *object* (with a
reason). When the facilitator closes the check the outcome follows the poll's
rule, computed over the units that answered:

- ``consensus``: adopted by consensus when nobody objects; otherwise not
  adopted.
- ``qualified``: adopted by consensus when nobody objects; adopted with
  reservations when objections remain but at least ``threshold`` of the
  answering units agree or stand aside; otherwise not adopted.

A list that is not adopted can be amended (items reordered or merged, the cut
moved) and proposed again; every proposal is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from . import audit, disclosure, tallies
from .ballots import request_hash, stored_response
from .errors import UserError
from .extensions import db
from .models import (
    ConsentAnswer,
    IdempotencyKey,
    Participant,
    Poll,
    Proposal,
    Round,
    RoundCounter,
    RoundStatus,
    Weighting,
    utcnow,
)

ANSWERS = ("agree", "stand_aside", "object")
MAX_REASON = 500


def _open_proposal(poll: Poll) -> Proposal | None:
    return db.session.scalar(
        sa.select(Proposal).filter_by(poll_id=poll.id, status="open")
    )


def latest(poll: Poll) -> Proposal | None:
    """The poll's most recent proposal, open or closed."""
    return db.session.scalar(
        sa.select(Proposal)
        .filter_by(poll_id=poll.id)
        .order_by(Proposal.number.desc())
        .limit(1)
    )


def history(poll: Poll) -> list[Proposal]:
    """Every proposal of the poll, first to last."""
    return list(
        db.session.scalars(
            sa.select(Proposal).filter_by(poll_id=poll.id).order_by(Proposal.number)
        )
    )


def items_from_ranking(ranking: list[list[int]], top_k: int) -> tuple[list, int]:
    """One item per option in rank order; the cut after ``top_k`` options.

    A tie across the cut moves the cut below the whole tied tier: a tie is
    never broken to fit the list into its tiers.
    """
    items, cut, seen = [], 0, 0
    for tier in ranking:
        items += [[option] for option in tier]
        if seen < top_k:
            cut = len(items)
        seen += len(tier)
    return items, cut


def _new_proposal(poll: Poll, items, cut, round_id, actor) -> Proposal:
    if _open_proposal(poll) is not None:
        raise UserError(_("Close the current consent check first."), 409)
    previous = latest(poll)
    proposal = Proposal(
        poll=poll,
        round_id=round_id,
        items=items,
        cut=cut,
        number=previous.number + 1 if previous else 1,
        rule=poll.adoption_rule,
        threshold=poll.adoption_threshold,
        by_delegation=poll.weighting != Weighting.DELEGATE,
    )
    db.session.add(proposal)
    db.session.flush()
    _changed(poll)
    audit.record(
        actor,
        "proposal_opened",
        poll.event_id,
        round_id=round_id,
        proposal=proposal.number,
        items=items,
        cut=cut,
    )
    db.session.commit()
    return proposal


def propose(round_: Round, actor: str) -> Proposal:
    """Propose a closed round's priority list for adoption."""
    if round_.status != RoundStatus.CLOSED:
        raise UserError(_("Close the round before proposing its list."), 409)
    result = tallies.for_round(round_)
    if result.tally is None:
        raise UserError(_("A round without ballots has no list to adopt."), 409)
    allowed = disclosure.proposal(round_.poll, result.turnout.ballots)
    if not allowed:
        raise UserError(allowed.reason, 409)
    items, cut = items_from_ranking(result.tally.ranking, round_.poll.top_k)
    return _new_proposal(round_.poll, items, cut, round_.id, actor)


def propose_plenary(plenary: Poll, actor: str) -> Proposal:
    """Propose the plenary consolidation of the workshops' closed rounds."""
    pooled = tallies.for_plenary(plenary)
    result = pooled.result
    # The pooled list must not reveal a few secret ballots: neither the
    # plenary's own, nor those of one secret workshop among public ones (the
    # pool leaves such a workshop out, and a list without it is no plenary's).
    checks = [(poll, source.turnout.ballots) for poll, source in pooled.sources]
    for poll, ballots in [*checks, (plenary, result.turnout.ballots)]:
        allowed = disclosure.proposal(poll, ballots) if ballots else True
        if not allowed:
            raise UserError(allowed.reason, 409)
    if result.tally is None:
        raise UserError(
            _("No workshop has closed a round over these options yet."), 409
        )
    items, cut = items_from_ranking(result.tally.ranking, plenary.top_k)
    return _new_proposal(plenary, items, cut, None, actor)


def amend(proposal: Proposal, items: Any, cut: Any, actor: str) -> Proposal:
    """Propose an amended list (reordered or merged items, another cut)."""
    if proposal.status != "closed":
        raise UserError(_("Close the current consent check first."), 409)
    known = sorted(o for item in proposal.items for o in item)
    if (
        not isinstance(items, list)
        or not items
        or not all(isinstance(i, list) and i for i in items)
        or sorted(o for i in items for o in i if isinstance(o, int)) != known
        or sum(len(i) for i in items) != len(known)
    ):
        raise UserError(_("The amended list must contain each option once."))
    if not isinstance(cut, int) or isinstance(cut, bool) or not 0 <= cut <= len(items):
        raise UserError(_("The cut must be between 0 and the number of items."))
    return _new_proposal(proposal.poll, items, cut, proposal.round_id, actor)


def _changed(poll: Poll) -> None:
    """Bump the version of the poll's latest round: displays refresh (ETag)."""
    if poll.rounds:
        db.session.execute(
            sa.update(RoundCounter)
            .where(RoundCounter.round_id == poll.rounds[-1].id)
            .values(version=RoundCounter.version + 1)
        )


def _lock(proposal_id: int) -> Proposal:
    proposal = db.session.scalar(
        sa.select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    )
    if proposal is None:
        raise UserError(_("No such proposal."), 404)
    return proposal


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
    proposal = _lock(proposal_id)
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
    _changed(proposal.poll)
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


@dataclass
class Summary:
    """Counts, objections and the outcome the rule gives (so far, or final)."""

    counts: dict[str, int]
    answered: int
    eligible_units: int
    #: ``[{"delegation", "agree", "stand_aside", "object"}]``
    by_delegation: list[dict[str, Any]] = field(default_factory=list)
    #: ``[{"delegation": name or None, "reason"}]``; names only for named polls.
    objections: list[dict[str, Any]] = field(default_factory=list)
    #: Delegations that stood aside (named polls only).
    standing_aside: list[str] = field(default_factory=list)
    outcome: str = "not_adopted"


def outcome_of(rule: str, threshold: float, counts: dict[str, int]) -> str:
    """Apply the adoption rule to the answer counts (see the module docstring)."""
    answered = sum(counts.values())
    if answered == 0:
        return "not_adopted"
    if counts["object"] == 0:
        return "consensus"
    if rule == "qualified" and (
        (counts["agree"] + counts["stand_aside"]) / answered >= threshold - 1e-12
    ):
        return "reservations"
    return "not_adopted"


def summarize(proposal: Proposal) -> Summary:
    """Live or final counts of a proposal's answers."""
    counts = {choice: 0 for choice in ANSWERS}
    per_delegation: dict[str, dict[str, Any]] = {}
    objections, standing_aside = [], []
    named = not proposal.poll.secret
    for row in sorted(proposal.answers, key=lambda r: r.id):
        counts[row.answer] += 1
        name = row.delegation.name if row.delegation else "—"
        entry = per_delegation.setdefault(
            name, {"delegation": name, **{choice: 0 for choice in ANSWERS}}
        )
        entry[row.answer] += 1
        if row.answer == "object":
            objections.append(
                {"delegation": name if named else None, "reason": row.reason}
            )
        elif row.answer == "stand_aside" and named:
            standing_aside.append(name)
    eligible_query = tallies.eligible_participants(proposal.poll).subquery()
    if proposal.by_delegation:
        units = db.session.scalar(
            sa.select(sa.func.count(sa.distinct(eligible_query.c.delegation_id)))
        )
    else:
        units = db.session.scalar(
            sa.select(sa.func.count()).select_from(eligible_query)
        )
    return Summary(
        counts=counts,
        answered=sum(counts.values()),
        eligible_units=units or 0,
        by_delegation=sorted(per_delegation.values(), key=lambda d: d["delegation"]),
        objections=objections,
        standing_aside=sorted(set(standing_aside)),
        outcome=outcome_of(proposal.rule, proposal.threshold, counts),
    )


def close(proposal_id: int, actor: str) -> Proposal:
    """Close the consent check and record its outcome."""
    proposal = _lock(proposal_id)
    if proposal.status != "open":
        raise UserError(_("This consent check is already closed."), 409)
    proposal.status = "closed"
    proposal.closed_at = utcnow()
    proposal.outcome = summarize(proposal).outcome
    _changed(proposal.poll)
    audit.record(
        actor,
        "proposal_closed",
        proposal.poll.event_id,
        round_id=proposal.round_id,
        proposal=proposal.number,
        outcome=proposal.outcome,
    )
    db.session.commit()
    return proposal


def proposal(proposal_id: int) -> Proposal | None:
    """A proposal by id, or None."""
    return db.session.get(Proposal, proposal_id)


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
