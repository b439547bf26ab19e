"""The delegate's polls, the ballot (tap to rank, or the plain form), the
receipt and the receipt check. Every ballot goes through
:func:`voting.ballots.cast`.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import (
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from .. import adoption
from ..ballots import cast, current_ballot, find_receipt
from ..delegates import (
    awaiting_admission,
    ballot_poll,
    current_participant,
    delegate_required,
    joined_by_code,
    lang,
    may_vote,
    round_for,
    votable_polls,
    voting_round,
)
from ..errors import UserError, fail, render_error
from ..extensions import db
from ..models import Participant, Poll, Round, localized
from ..rankings import is_number, ranking_from_form
from . import bp
from .forms import ReceiptForm
from .join import lookup_failed

# --- polls and ballot ---------------------------------------------------------------


@bp.route("/vote")
@delegate_required
def polls(participant: Participant):
    """The polls the delegate can vote in; straight to the ballot when one is open.

    Open consent checks come first, and while one is open the page does not
    jump to a ballot. A walk-in the facilitator has not admitted yet waits.
    """
    if awaiting_admission(participant):
        return _waiting_page(participant, 200)
    checks = [
        p for p in adoption.open_for(participant) if may_vote(participant, p.poll)
    ]
    found = votable_polls(participant)
    open_ = [(p, r) for p, r in found if r.is_open]
    if len(open_) == 1 and not checks:
        return redirect(url_for(".ballot", poll_id=open_[0][0].id))
    voted = {r.id for p, r in found if current_ballot(participant, r) is not None}
    page = render_template(
        "delegate/polls.html",
        found=found,
        voted=voted,
        checks=checks,
        answered=adoption.answered(participant, checks),
        participant=participant,
        lang=lang(),
    )
    return current_app.make_response(page)


def _waiting_page(participant: Participant, status: int):
    """A walk-in's page until the facilitator admits them (it reloads itself)."""
    page = render_template(
        "delegate/waiting.html", participant=participant, lang=lang()
    )
    return current_app.make_response((page, status))


def draft_key(participant: Participant, round_: Round) -> str:
    """localStorage key of the draft: per participant and round, not identifying."""
    seed = f"{participant.token_hash}:{round_.id}"
    return "prioriza-draft-" + hashlib.sha256(seed.encode()).hexdigest()[:16]


def ranks_of(ranking: list[list[int]] | None) -> dict[int, int]:
    """Option id → rank number (tied options share it) for the plain form."""
    return {
        option_id: position
        for position, tier in enumerate(ranking or [], start=1)
        for option_id in tier
    }


def option_rows(poll: Poll, current: str) -> list[dict]:
    """The options as plain data for the template (no ORM access per field)."""
    fallback = poll.event.default_language
    second = poll.event.second_language(current)
    rows = []
    for option in poll.options:
        title = localized(option.title, current, fallback)
        other = localized(option.title, second, fallback) if second else ""
        rows.append(
            {
                "id": option.id,
                "title": title,
                "second": other if other != title else "",
                "description": localized(option.description, current, fallback),
            }
        )
    return rows


def _ballot_page(
    participant: Participant,
    poll: Poll,
    round_: Round,
    *,
    ranks: dict[int, int] | None = None,
    error: str | None = None,
    status: int = 200,
):
    current = lang()
    ballot = current_ballot(participant, round_)
    carried = None
    if ranks is None:
        carried = None if ballot else carried_ballot(participant, poll, round_)
        source = ballot or carried
        ranks = ranks_of(source.ranking if source else None)
    page = render_template(
        "delegate/ballot.html",
        poll=poll,
        round=round_,
        ballot=ballot,
        tiers=ranking_titles(poll, ballot.ranking, current) if ballot else [],
        options=option_rows(poll, current),
        ranks=ranks,
        error=error,
        lang=current,
        second=poll.event.second_language(current),
        carried_from=carried.round.number if carried is not None else None,
        submission_key=secrets.token_urlsafe(16),
        draft_key=draft_key(participant, round_),
    )
    return current_app.make_response((page, status))


def carried_ballot(participant: Participant, poll: Poll, round_: Round):
    """The delegate's ballot of the previous round, to start a new round from
    (the same options are asked again); None in round 1 or without one."""
    earlier = [r for r in poll.rounds if r.number < round_.number]
    if not earlier or not round_.is_open:
        return None
    return current_ballot(participant, max(earlier, key=lambda r: r.number))


def _poll_for(participant: Participant, poll_id: int) -> tuple[Poll, Round]:
    poll = ballot_poll(poll_id)
    if poll is None or not may_vote(participant, poll):
        fail(404, _("There is no poll here for you. Check the link or the code."))
    round_ = voting_round(poll)
    if round_ is None:
        fail(409, _("Voting in this poll has not started yet. Please wait."))
    return poll, round_


@bp.route("/vote/<int:poll_id>", methods=["GET", "POST"])
@delegate_required
def ballot(participant: Participant, poll_id: int):
    """The ballot: tap to rank (with the script) or a rank select per option.

    POST is the plain form: gaps in the rank numbers are closed, the hidden
    submission key makes a double tap count once, and the answer redirects to
    the receipt. A walk-in not admitted yet is told to wait (403).
    """
    if awaiting_admission(participant):
        return _waiting_page(participant, 403)
    poll, round_ = _poll_for(participant, poll_id)
    if request.method == "GET":
        return _ballot_page(participant, poll, round_)
    ranks = submitted_ranks(poll)
    try:
        round_id = int(request.form.get("round", ""))
    except ValueError:
        round_id = -1
    try:
        if round_id != round_.id and round_id not in {r.id for r in poll.rounds}:
            raise UserError(_("This ballot is for a round you cannot vote in."))
        ranking = ranking_from_form(request.form, poll)
        cast(
            participant,
            round_id,
            ranking,
            request.form.get("key") or None,
            by_code=joined_by_code(),
        )
    except UserError as error:
        db.session.rollback()
        return _ballot_page(
            participant,
            poll,
            round_,
            ranks=ranks,
            error=error.message,
            status=error.status,
        )
    return redirect(url_for(".receipt", round_id=round_id), 303)


def submitted_ranks(poll: Poll) -> dict[int, int]:
    """The plain form's numbers, to show them again after an error."""
    values = {o.id: request.form.get(f"rank-{o.id}", "").strip() for o in poll.options}
    return {option_id: int(v) for option_id, v in values.items() if is_number(v)}


@bp.errorhandler(CSRFError)
def csrf_error(error):
    """A refused plain-form ballot keeps the delegate's ranks on the page."""
    message = _("Your session expired. Please reload the page and try again.")
    participant = current_participant()
    if request.endpoint == "delegate.ballot" and participant is not None:
        poll_id = (request.view_args or {}).get("poll_id")
        poll = ballot_poll(poll_id) if poll_id else None
        round_ = voting_round(poll) if poll is not None else None
        if round_ is not None and may_vote(participant, poll):
            message = _(
                "Your ballot was not recorded: the page had expired. Your ranks "
                "are kept below; submit them again."
            )
            return _ballot_page(
                participant,
                poll,
                round_,
                ranks=submitted_ranks(poll),
                error=message,
                status=400,
            )
    return render_error(400, message)


def ranking_titles(poll: Poll, ranking: list[list[int]], current: str):
    """Tiers of option titles in the delegate's language."""
    by_id = {option.id: option for option in poll.options}
    return [
        [by_id[option_id].title_in(current) for option_id in tier if option_id in by_id]
        for tier in ranking
    ]


@bp.route("/vote/receipt/<int:round_id>")
@delegate_required
def receipt(participant: Participant, round_id: int):
    """“Ballot recorded”: the delegate's own ranking and the receipt code."""
    round_ = round_for(round_id)
    if round_ is None or not may_vote(participant, round_.poll):
        fail(404, _("There is no poll here for you. Check the link or the code."))
    ballot = current_ballot(participant, round_)
    if ballot is None:
        fail(404, _("No ballot of yours is recorded in this round yet."))
    current = lang()
    page = render_template(
        "delegate/receipt.html",
        poll=round_.poll,
        round=round_,
        ballot=ballot,
        tiers=ranking_titles(round_.poll, ballot.ranking, current),
        lang=current,
    )
    return current_app.make_response(page)


# --- receipt check ----------------------------------------------------------------


@bp.route("/receipt", methods=["GET", "POST"])
def check_receipt():
    """Check a receipt code: is that ballot counted, and when was it last changed?

    Answers only about the round (poll, number, status) and the time of the
    last revision: never the ranking or who cast it.
    """
    current_participant()  # the delegate's event decides the default language
    form = ReceiptForm()
    found = None
    status = 200
    if form.validate_on_submit():
        found = find_receipt(form.code.data)
        if found is None:
            lookup_failed("receipt", form.code.data.strip().upper())
            form.code.errors.append(
                _("No ballot has this receipt code. Check the code and try again.")
            )
            status = 404
    elif form.errors:
        status = 400
    page = render_template("delegate/check.html", form=form, ballot=found, lang=lang())
    return current_app.make_response((page, status))
