"""Round controls on the poll page: open, close, next round; and undo.

Each control asks first: its GET is a confirm page (works without
JavaScript) saying what will happen, its POST (CSRF) does it. Undo — reopen
a round closed by mistake, delete a round closed without ballots — needs a
reason, which goes into the audit log.
"""

from __future__ import annotations

import functools

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import rounds
from ...errors import UserError
from ...models import Poll, Round
from ...permissions import role_required
from ...setup import polls as poll_setup
from .. import bp, forms
from .common import FACILITATOR, actor, load, post_action


def confirm_page(
    poll: Poll,
    title: str,
    lines: list[str],
    label: str,
    check,
    *,
    danger: bool = False,
    reason: str = "",
    status: int = 200,
):
    """The confirm page of a console action (one template for all).

    ``check()`` raises :class:`UserError` when the action cannot be done now:
    the page then says why and offers no button. ``reason``: the label of a
    required reason field (undo actions).
    """
    blocked = ""
    try:
        check()
    except UserError as error:
        blocked, status = error.message, max(status, error.status)
    return (
        render_template(
            "facilitator/confirm.html",
            poll=poll,
            event=poll.event,
            title=title,
            lines=lines,
            label=label,
            danger=danger,
            reason=reason,
            reason_value=request.form.get("reason", ""),
            blocked=blocked,
            action=forms.ActionForm(),
            back=url_for(".poll", poll_id=poll.id),
        ),
        status,
    )


def confirmed(page, run, done: str, target: str):
    """GET: the confirm page ``page(status)``; POST: ``run()`` (see
    :func:`post_action`), a refusal shown on the confirm page again."""
    if request.method == "GET":
        return page(200)
    return post_action(run, done, target, page)


def _round_page(round_: Round, title: str, lines: list[str], label: str, check, **kw):
    return lambda status: confirm_page(
        round_.poll, title, lines, label, lambda: check(round_), status=status, **kw
    )


def _voted(round_: Round) -> str:
    return _(
        "%(voted)d of %(eligible)d delegates have voted.",
        voted=rounds.ballot_count(round_),
        eligible=poll_setup.eligible_count(round_.poll),
    )


def _transition(round_: Round, transition):
    return lambda: poll_setup.run_round_transition(round_, transition, actor())


def _back(round_: Round) -> str:
    return url_for(".poll", poll_id=round_.poll_id)


def round_control(action: str):
    """A round control at ``/rounds/<id>/<action>``: GET its confirm page,
    POST does it, and either way back to the poll page.

    The decorated function takes the round and returns ``(page, run, done)``:
    the confirm page (:func:`_round_page`), what the POST runs and the message
    it flashes (see :func:`confirmed`).
    """

    def register(control):
        @bp.route(
            f"/rounds/<int:round_id>/{action}",
            methods=["GET", "POST"],
            endpoint=control.__name__,
        )
        @role_required(FACILITATOR)
        @functools.wraps(control)
        def view(round_id):
            round_ = load(Round, round_id)
            page, run, done = control(round_)
            return confirmed(page, run, done, _back(round_))

        return view

    return register


@round_control("open")
def open_round(round_: Round):
    """Open a draft round: delegates can vote."""

    def check(r):
        rounds.check_open(r)
        poll_setup.check_ready(r)

    page = _round_page(
        round_,
        _("Open round %(n)d?", n=round_.number),
        [
            _("Delegates can vote on their phones as soon as the round is open."),
            ngettext(
                "%(num)d delegate may vote.",
                "%(num)d delegates may vote.",
                poll_setup.eligible_count(round_.poll),
            ),
        ],
        _("Open round %(n)d", n=round_.number),
        check,
    )
    return (
        page,
        _transition(round_, rounds.open_round),
        _("The round is open."),
    )


@round_control("close")
def close_round(round_: Round):
    """Close an open round: later ballots are refused."""
    lines = [
        _("Ballots are refused from then on, and the result is final."),
        _voted(round_),
    ]
    if rounds.ballot_count(round_) == 0:
        lines.append(
            _(
                "Nobody has voted yet. A round closed without ballots is left out "
                "of the plenary and the record, and can be deleted."
            )
        )
    page = _round_page(
        round_,
        _("Close round %(n)d?", n=round_.number),
        lines,
        _("Close round %(n)d", n=round_.number),
        rounds.check_close,
        danger=True,
    )
    return (
        page,
        _transition(round_, rounds.close_round),
        _("The round is closed."),
    )


@round_control("next")
def next_round(round_: Round):
    """Open the next round of the same poll after the last one closed."""
    page = _round_page(
        round_,
        _("Open round %(n)d?", n=round_.number + 1),
        [
            _(
                "Round %(n)d opens now with the same options: delegates vote again.",
                n=round_.number + 1,
            ),
            _(
                "Round %(n)d stays as it is; the plenary keeps using the adopted "
                "round, or the latest round with ballots.",
                n=round_.number,
            ),
        ],
        _("Open round %(n)d", n=round_.number + 1),
        rounds.check_next,
    )
    return (
        page,
        _transition(round_, rounds.next_round),
        _("The next round is open with the same options."),
    )


@round_control("reopen")
def reopen_round(round_: Round):
    """Reopen a round closed by mistake (with a reason), until its list is
    proposed."""
    page = _round_page(
        round_,
        _("Reopen round %(n)d?", n=round_.number),
        [
            _(
                "Delegates can vote, and change their ballots, until you close "
                "the round again."
            ),
            _voted(round_),
        ],
        _("Reopen round %(n)d", n=round_.number),
        rounds.check_reopen,
        reason=_("Why is the round reopened? (kept in the audit log)"),
    )
    return (
        page,
        lambda: rounds.reopen_round(round_.id, actor(), request.form.get("reason")),
        _("The round is open again."),
    )


@round_control("delete")
def delete_round(round_: Round):
    """Delete the last round when it closed without ballots (with a reason)."""
    page = _round_page(
        round_,
        _("Delete round %(n)d?", n=round_.number),
        [
            _(
                "Round %(n)d has no ballots: it disappears from the poll, and the "
                "previous round is the latest again.",
                n=round_.number,
            )
        ],
        _("Delete round %(n)d", n=round_.number),
        rounds.check_delete,
        danger=True,
        reason=_("Why is the round deleted? (kept in the audit log)"),
    )
    return (
        page,
        lambda: rounds.delete_round(round_.id, actor(), request.form.get("reason")),
        _("The round is deleted."),
    )
