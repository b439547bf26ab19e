"""The consent check on the delegate's phone: agree, stand aside or object.

A plain form (no script needed): three large choices, a reason, a hidden
submission key per render so that a double tap counts once. Every answer goes
through :func:`voting.adoption.answer`.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import adoption
from ..ballots import BallotError
from ..display.view import answer_labels, outcome_label, proposal_items, rule_sentence
from ..errors import fail
from ..extensions import db
from ..models import ConsentAnswer, Participant, Proposal
from . import bp
from .routes import delegate_required, lang, may_vote, no_store, second_language


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


def _proposal_for(participant: Participant, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        fail(404, _("No such proposal."))
    if not may_vote(participant, proposal.poll):
        fail(403, _("You cannot answer this proposal."))
    return proposal


def _page(
    participant: Participant,
    proposal: Proposal,
    *,
    choice: str | None = None,
    reason: str | None = None,
    error: str | None = None,
    status: int = 200,
):
    current = lang()
    mine = current_answer(participant, proposal)
    if choice is None and mine is not None:
        choice, reason = mine.answer, mine.reason
    page = render_template(
        "delegate/consent.html",
        proposal=proposal,
        poll=proposal.poll,
        items=proposal_items(
            proposal, current, second_language(proposal.poll.event, current)
        ),
        rule=rule_sentence(proposal),
        outcome=outcome_label(proposal.outcome),
        labels=answer_labels(),
        mine=mine,
        mine_by_other=mine is not None and mine.participant_id != participant.id,
        choice=choice,
        reason=reason or "",
        error=error,
        max_reason=adoption.MAX_REASON,
        submission_key=secrets.token_urlsafe(16),
        lang=current,
    )
    return no_store(current_app.make_response((page, status)))


@bp.route("/vote/consent/<int:proposal_id>", methods=["GET", "POST"])
@delegate_required
def consent(participant: Participant, proposal_id: int):
    """The proposed list, the rule, the delegate's answer and the answer form."""
    proposal = _proposal_for(participant, proposal_id)
    if request.method == "GET":
        return _page(participant, proposal)
    choice = request.form.get("answer", "")
    reason = request.form.get("reason", "")
    key = request.form.get("key") or None
    try:
        if key is not None and len(key) > 80:
            raise BallotError(_("The submission key is invalid."))
        adoption.answer(participant, proposal.id, choice, reason, key)
    except BallotError as error:
        db.session.rollback()
        return _page(
            participant,
            proposal,
            choice=choice if choice in adoption.ANSWERS else "",
            reason=reason,
            error=error.message,
            status=error.status,
        )
    flash(_("Your answer was recorded."), "info")
    return redirect(url_for(".consent", proposal_id=proposal.id), 303)
