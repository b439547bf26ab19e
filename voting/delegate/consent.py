"""The consent check on the delegate's phone: agree, stand aside or object.

A plain form (no script needed): three large choices, a reason, a hidden
submission key per render so that a double tap counts once. Every answer goes
through :func:`voting.adoption.answer`.
"""

from __future__ import annotations

import secrets

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import adoption
from ..delegates import (
    answerable_proposal,
    delegate_required,
    lang,
)
from ..errors import UserError
from ..extensions import db
from ..models import Participant, Proposal
from ..presentation import answer_labels, outcome_label, proposal_items, rule_sentence
from . import bp


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
    mine = adoption.current_answer(participant, proposal)
    if choice is None and mine is not None:
        choice, reason = mine.answer, mine.reason
    page = render_template(
        "delegate/consent.html",
        proposal=proposal,
        poll=proposal.poll,
        items=proposal_items(
            proposal, current, proposal.poll.event.second_language(current)
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
    return current_app.make_response((page, status))


@bp.route("/vote/consent/<int:proposal_id>", methods=["GET", "POST"])
@delegate_required
def consent(participant: Participant, proposal_id: int):
    """The proposed list, the rule, the delegate's answer and the answer form."""
    proposal = answerable_proposal(participant, proposal_id)
    if request.method == "GET":
        return _page(participant, proposal)
    choice = request.form.get("answer", "")
    reason = request.form.get("reason", "")
    key = request.form.get("key") or None
    try:
        if key is not None and len(key) > 80:
            raise UserError(_("The submission key is invalid."))
        adoption.answer(participant, proposal.id, choice, reason, key)
    except UserError as error:
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
