"""Consent checks (adoption) from the poll page: propose, amend, close."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _

from ... import adoption
from ...errors import UserError
from ...models import Poll, Proposal, Round
from ...permissions import role_required
from .. import bp, forms
from .common import FACILITATOR, actor, load, post_action
from .polls import render_poll


def _adoption_action(poll: Poll, transition, done: str):
    """Run an adoption transition for a view: flash and back to the poll."""
    return post_action(
        transition,
        done,
        url_for(".poll", poll_id=poll.id) + "#consent",
        lambda status: render_poll(poll, status),
    )


def _proposing(poll: Poll, propose):
    """Open a consent check (``propose()``) from the poll page."""
    return _adoption_action(
        poll,
        propose,
        _("The consent check is open: delegates can answer on their phones."),
    )


@bp.post("/rounds/<int:round_id>/propose")
@role_required(FACILITATOR)
def propose(round_id):
    """Propose a closed round's priority list for adoption (a consent check)."""
    round_ = load(Round, round_id)
    return _proposing(round_.poll, lambda: adoption.propose(round_, actor()))


@bp.post("/polls/<int:poll_id>/propose")
@role_required(FACILITATOR)
def propose_plenary(poll_id):
    """Propose a plenary poll's consolidation of the workshops for adoption."""
    poll = load(Poll, poll_id)
    if poll.workshop_id is not None:
        abort(404)
    return _proposing(poll, lambda: adoption.propose_plenary(poll, actor()))


@bp.post("/proposals/<int:proposal_id>/close")
@role_required(FACILITATOR)
def close_proposal(proposal_id):
    """Close the consent check: the outcome follows the poll's rule."""
    proposal = load(Proposal, proposal_id)
    return _adoption_action(
        proposal.poll,
        lambda: adoption.close(proposal.id, actor()),
        _("The consent check is closed."),
    )


@bp.post("/proposals/<int:proposal_id>/amend")
@role_required(FACILITATOR)
def amend_proposal(proposal_id):
    """Propose an amended list: items reordered or merged, the cut moved."""
    proposal = load(Proposal, proposal_id)

    def transition():
        try:
            items, cut = forms.amended_list(request.form, proposal.items)
        except forms.AmendError as error:
            raise UserError(str(error)) from None
        adoption.amend(proposal, items, cut, actor())

    return _adoption_action(
        proposal.poll,
        transition,
        _("The amended list is proposed: delegates can answer on their phones."),
    )
