"""Round controls on the poll page: open, close, next round."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from ... import rounds
from ...models import Round
from ...permissions import role_required
from ...setup import polls as poll_setup
from .. import bp
from .common import FACILITATOR, actor, load, post_action
from .polls import render_poll


def _round_action(round_id: int, transition, done: str):
    round_ = load(Round, round_id)
    poll = round_.poll
    return post_action(
        lambda: poll_setup.run_round_transition(round_, transition, actor()),
        done,
        url_for(".poll", poll_id=poll.id),
        lambda status: render_poll(poll, status),
    )


@bp.post("/rounds/<int:round_id>/open")
@role_required(FACILITATOR)
def open_round(round_id):
    """Open a draft round: delegates can vote."""
    return _round_action(round_id, rounds.open_round, _("The round is open."))


@bp.post("/rounds/<int:round_id>/close")
@role_required(FACILITATOR)
def close_round(round_id):
    """Close an open round: later ballots are refused."""
    return _round_action(round_id, rounds.close_round, _("The round is closed."))


@bp.post("/rounds/<int:round_id>/next")
@role_required(FACILITATOR)
def next_round(round_id):
    """Open the next round of the same poll after the last one closed."""
    return _round_action(
        round_id, rounds.next_round, _("The next round is open with the same options.")
    )
