"""Consent checks (adoption) from the poll page: propose, amend, close, and
re-open an adopted list (with a reason). Closing asks for confirmation."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _

from ... import adoption
from ...errors import UserError
from ...models import Poll, Proposal, Round
from ...permissions import role_required
from ...presentation import outcome_label, rule_sentence
from .. import bp, forms
from .common import FACILITATOR, actor, load, post_action
from .polls import render_poll
from .rounds import confirm_page, confirmed


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
    return _proposing(
        round_.poll, lambda: adoption.propose(round_, actor(), _tie_break())
    )


def _tie_break() -> bool:
    """Whether the facilitator chose to apply the declared tie-break."""
    return request.form.get("ties") == "break"


@bp.post("/polls/<int:poll_id>/propose")
@role_required(FACILITATOR)
def propose_plenary(poll_id):
    """Propose a plenary poll's consolidation of the workshops for adoption."""
    poll = load(Poll, poll_id)
    if poll.workshop_id is not None:
        abort(404)
    return _proposing(
        poll, lambda: adoption.propose_plenary(poll, actor(), _tie_break())
    )


@bp.route("/proposals/<int:proposal_id>/close", methods=["GET", "POST"])
@role_required(FACILITATOR)
def close_proposal(proposal_id):
    """Close the consent check (after a confirm page): the outcome follows
    the poll's rule."""
    proposal = load(Proposal, proposal_id)
    poll = proposal.poll

    def check():
        if proposal.status != "open":
            raise UserError(_("This consent check is already closed."), 409)

    summary = adoption.summarize(proposal)

    def page(status):
        return confirm_page(
            poll,
            _("Close the consent check on proposal %(n)d?", n=proposal.number),
            [
                _("Answers are refused from then on."),
                _(
                    "%(answered)d of %(eligible)d have answered.",
                    answered=summary.answered,
                    eligible=summary.eligible_units,
                ),
                rule_sentence(proposal),
                _(
                    "If closed now: %(outcome)s.",
                    outcome=outcome_label(summary.outcome),
                ),
            ],
            _("Close the consent check"),
            check,
            danger=True,
            status=status,
        )

    return confirmed(
        page,
        lambda: adoption.close(proposal.id, actor()),
        _("The consent check is closed."),
        url_for(".poll", poll_id=poll.id) + "#consent",
    )


@bp.route("/proposals/<int:proposal_id>/reopen", methods=["GET", "POST"])
@role_required(FACILITATOR)
def reopen_adoption(proposal_id):
    """Re-open an adopted (locked) list so that it can be amended; the reason
    is required and recorded."""
    proposal = load(Proposal, proposal_id)
    poll = proposal.poll

    def check():
        if not adoption.is_adopted(proposal) or adoption.latest(poll) != proposal:
            raise UserError(_("Only the adopted list can be re-opened."), 409)

    def page(status):
        return confirm_page(
            poll,
            _("Re-open the adoption of proposal %(n)d?", n=proposal.number),
            [
                _(
                    "The adopted list is locked. Re-opening it lets you amend it and "
                    "propose it again; until a new list is adopted, none stands."
                ),
                _("The record and the audit log keep the adoption and your reason."),
            ],
            _("Re-open the adoption"),
            check,
            danger=True,
            reason=_("Why is the adoption re-opened? (kept in the record)"),
            status=status,
        )

    return confirmed(
        page,
        lambda: adoption.reopen(proposal.id, actor(), request.form.get("reason")),
        _("The adoption is re-opened: the list can be amended and proposed again."),
        url_for(".poll", poll_id=poll.id) + "#consent",
    )


@bp.post("/proposals/<int:proposal_id>/amend")
@role_required(FACILITATOR)
def amend_proposal(proposal_id):
    """Propose an amended list: items reordered or merged, the cut moved."""
    proposal = load(Proposal, proposal_id)

    def transition():
        try:
            # One row per option: a merged (or tied) item's later options
            # come with "merge" ticked, so a tie can be split and reordered.
            options = [[option] for item in proposal.items for option in item]
            items, cut = forms.amended_list(request.form, options)
        except forms.AmendError as error:
            raise UserError(str(error)) from None
        adoption.amend(proposal, items, cut, actor())

    return _adoption_action(
        proposal.poll,
        transition,
        _("The amended list is proposed: delegates can answer on their phones."),
    )
