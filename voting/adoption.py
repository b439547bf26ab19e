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
moved) and proposed again; every proposal is kept. An adopted list is locked:
nothing is proposed over it until the adoption is re-opened, with a reason
(:func:`reopen`, audited).

Ties: a tally's tied options are proposed as one item (they share a
position) unless the facilitator applies the declared tie-break (Borda
score, then a lot with a recorded seed) or splits them in an amendment.
``Proposal.ties`` says which — "none", "kept", "broken" (rule in
``Proposal.tie_rule``, seed in ``tie_seed``) or "reordered" — and
:func:`tie_handling` phrases it for the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from . import aggregation, answers, audit, disclosure, proposals, rounds, tallies
from .errors import UserError
from .extensions import db
from .models import (
    Poll,
    Proposal,
    Round,
    RoundStatus,
    Weighting,
    utcnow,
)

ANSWERS = answers.ANSWERS
MAX_REASON = answers.MAX_REASON
AnswerResult = answers.AnswerResult
answer = answers.answer
unit_of = answers.unit_of
current_answer = answers.current_answer
answered = answers.answered
open_for = answers.open_for
_changed = proposals.touch
_lock = proposals.lock


latest = proposals.latest
history = proposals.history
adopted = proposals.adopted
is_adopted = proposals.is_adopted
#: The declared tie-break a proposal may apply (see the module docstring).
TIE_RULE = "borda"


def items_from_ranking(ranking: list[list[int]], top_k: int) -> tuple[list, int]:
    """One item per tier of the ranking (tied options share an item, so a
    tie stays a tie); the cut after the tier that reaches ``top_k`` options.

    A tie across the cut moves the cut below the whole tied tier: a tie is
    never broken to fit the list into its tiers.
    """
    items, cut, seen = [], 0, 0
    for tier in ranking:
        items.append(list(tier))
        if seen < top_k:
            cut = len(items)
        seen += len(tier)
    return items, cut


def check_unlocked(poll: Poll) -> None:
    """Refuse a new proposal over an adopted list (re-open the adoption first)."""
    if proposals.open_proposal(poll) is not None:
        raise UserError(_("Close the current consent check first."), 409)
    if proposals.adopted(poll) is not None:
        raise UserError(
            _(
                "This list is adopted and locked. Re-open the adoption (with a "
                "reason) before proposing another list."
            ),
            409,
        )


def _saved(proposal: Proposal, action: str, actor: str, **details) -> Proposal:
    """Commit a change of ``proposal``: displays refresh, and the audit log
    names the proposal and its round."""
    _changed(proposal.poll)
    audit.record(
        actor,
        action,
        proposal.poll.event_id,
        round_id=proposal.round_id,
        proposal=proposal.number,
        **details,
    )
    db.session.commit()
    return proposal


def _new_proposal(poll: Poll, items, cut, round_id, actor, **ties) -> Proposal:
    check_unlocked(poll)
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
        **ties,
    )
    db.session.add(proposal)
    db.session.flush()
    return _saved(
        proposal,
        "proposal_opened",
        actor,
        items=items,
        cut=cut,
        ties=proposal.ties,
        tie_rule=proposal.tie_rule,
        tie_seed=proposal.tie_seed,
    )


def _from_tally(poll: Poll, result, seed: int, tie_break: bool):
    """Items, cut and tie fields of a proposal of ``result``'s ranking."""
    if tie_break and poll.tie_break != "none":
        # The poll's own rule was applied by the count; a second rule on top
        # of it would be one the meeting did not declare.
        raise UserError(
            _(
                "This poll declares its own tie-break, already applied by the "
                "count: a tie it leaves stays a tie unless the proposal is amended."
            ),
            409,
        )
    groups = proposals.tied_groups(result.tally.ranking)
    ranking = result.tally.ranking
    ties = {"tied": groups, "ties": proposals.TIES_KEPT if groups else "none"}
    if tie_break and groups:
        broken = aggregation.tally(
            result.profile, poll.method, tie_break=TIE_RULE, seed=seed
        )
        ranking = broken.ranking
        ties.update(ties=proposals.TIES_BROKEN, tie_rule=TIE_RULE, tie_seed=seed)
    items, cut = items_from_ranking(ranking, poll.top_k)
    return items, cut, ties


def tally_ties(poll: Poll, round_: Round | None, plenary=None) -> list[list[int]]:
    """The tied groups of what would be proposed now: ``round_``'s tally, or
    the pooled workshops' (``plenary``: a :class:`tallies.PlenaryResult`).
    None while the list may not be shown (a secret round's few ballots)."""
    if round_ is not None:
        result = tallies.for_round(round_)
    elif plenary is not None:
        result = plenary.result
    else:
        return []
    if result.tally is None or not disclosure.proposal(poll, result.turnout.ballots):
        return []
    return proposals.tied_groups(result.tally.ranking)


def propose(round_: Round, actor: str, tie_break: bool = False) -> Proposal:
    """Propose a closed round's priority list for adoption; its ties stay
    ties unless ``tie_break`` (the declared tie-break, seeded by the round)."""
    if round_.status != RoundStatus.CLOSED:
        raise UserError(_("Close the round before proposing its list."), 409)
    check_unlocked(round_.poll)
    result = tallies.for_round(round_)
    if result.tally is None:
        raise UserError(_("A round without ballots has no list to adopt."), 409)
    allowed = disclosure.proposal(round_.poll, result.turnout.ballots)
    if not allowed:
        raise UserError(allowed.reason, 409)
    items, cut, ties = _from_tally(round_.poll, result, round_.id, tie_break)
    return _new_proposal(round_.poll, items, cut, round_.id, actor, **ties)


def propose_plenary(plenary: Poll, actor: str, tie_break: bool = False) -> Proposal:
    """Propose the plenary consolidation of the workshops' pooled rounds."""
    check_unlocked(plenary)
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
    items, cut, ties = _from_tally(plenary, result, plenary.id, tie_break)
    return _new_proposal(plenary, items, cut, None, actor, **ties)


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
    ties = {
        "tied": proposal.tied,
        "ties": proposals.tie_status(items, proposal.tied, proposal),
    }
    if ties["ties"] == proposals.TIES_BROKEN:
        ties.update(tie_rule=proposal.tie_rule, tie_seed=proposal.tie_seed)
    return _new_proposal(proposal.poll, items, cut, proposal.round_id, actor, **ties)


def reopen(proposal_id: int, actor: str, reason: Any) -> Proposal:
    """Re-open an adopted list for amendment; the reason is audited and kept."""
    reason = rounds.reason_of(reason)
    proposal = _lock(proposal_id)
    if not is_adopted(proposal) or latest(proposal.poll) is not proposal:
        raise UserError(_("Only the adopted list can be re-opened."), 409)
    proposal.reopened_at = utcnow()
    proposal.reopen_reason = reason
    return _saved(proposal, "adoption_reopened", actor, reason=reason)


def tie_handling(proposal: Proposal) -> str:
    """How the proposal treats the tally's ties, for the record: "tie kept",
    "tie broken by …", "reordered by the facilitator" ("" when none)."""
    if proposal.ties == proposals.TIES_KEPT:
        return _("tie kept")
    if proposal.ties == proposals.TIES_BROKEN:
        return _(
            "tie broken by the declared rule: Borda score, then a lot (seed %(seed)d)",
            seed=proposal.tie_seed or 0,
        )
    if proposal.ties == proposals.TIES_REORDERED:
        return _("reordered by the facilitator")
    return ""


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
    return _saved(proposal, "proposal_closed", actor, outcome=proposal.outcome)


def proposal(proposal_id: int) -> Proposal | None:
    """A proposal by id, or None."""
    return db.session.get(Proposal, proposal_id)
