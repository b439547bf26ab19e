"""Paper ballots: print them, and enter one for a delegate who has not voted
online — checked, shown back, then counted (:mod:`voting.paper`)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import paper
from ...errors import UserError
from ...models import Poll, Round, RoundStatus
from ...permissions import role_required
from ...rankings import ranking_from_form
from .. import bp, forms
from .common import FACILITATOR, lang, load


@bp.route("/polls/<int:poll_id>/paper-ballots.pdf")
@role_required(FACILITATOR)
def paper_ballots(poll_id):
    """The poll's printable ballot (``?per_sheet=2``: two copies a page)."""
    poll = load(Poll, poll_id)
    per_sheet = request.args.get("per_sheet", 1, type=int)
    if per_sheet not in paper.PER_SHEET:
        abort(400)
    response = Response(paper.printout(poll, per_sheet), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="ballot-{poll.event.slug}-{poll.id}.pdf"'
    )
    return response


def _page(round_: Round, status: int = 200, **extra):
    poll = round_.poll
    return (
        render_template(
            "facilitator/paper.html",
            round=round_,
            poll=poll,
            event=poll.event,
            people=paper.not_voted(round_),
            action=forms.ActionForm(),
            chosen=request.form.get("participant", ""),
            ranks={
                option.id: request.form.get(f"rank-{option.id}", "")
                for option in poll.options
            },
            **extra,
        ),
        status,
    )


@bp.route("/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@role_required(FACILITATOR)
def paper_ballot(round_id):
    """Enter a paper ballot: pick the delegate, copy the numbers, check, confirm."""
    round_ = load(Round, round_id)
    if request.method == "GET":
        if round_.status != RoundStatus.OPEN:
            flash(_("Paper ballots are entered while the round is open."), "error")
            return _page(round_, 409)
        return _page(round_)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    participant = paper.participant_for(round_, request.form.get("participant"))
    try:
        if participant is None:
            raise UserError(_("Choose a participant who has not voted yet."))
        ranking = ranking_from_form(request.form, round_.poll)
        step = request.form.get("step")
        if step == "edit":
            return _page(round_)
        if step != "confirm":
            shown = _tiers(round_, ranking)
            return _page(round_, participant=participant, ranking=shown)
        result = paper.enter(
            participant, round_, ranking, current_user._get_current_object()
        )
    except UserError as error:
        flash(error.message, "error")
        return _page(round_, error.status)
    flash(
        _(
            "Paper ballot of %(name)s counted (receipt %(code)s).",
            name=participant.name,
            code=result.receipt_code,
        ),
        "info",
    )
    return redirect(url_for(".paper_ballot", round_id=round_.id))


def _tiers(round_: Round, ranking) -> list[list[str]]:
    titles = {o.id: o.title_in(lang()) for o in round_.poll.options}
    return [[titles[i] for i in tier] for tier in ranking]
