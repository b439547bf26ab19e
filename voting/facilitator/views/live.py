"""The console's live parts: console.js polls these with ``If-None-Match``.

Each answers 304 while nothing changed (:mod:`voting.displays`), else the page
itself, rendered as on a reload; console.js swaps the page's ``data-live``
regions for the new ones. What a page shows of a secret poll is what it shows
on a reload (counts only): the same view renders both.
"""

from __future__ import annotations

from flask_login import current_user

from ... import displays
from ...models import Event, Poll
from ...permissions import role_required
from .. import bp
from .common import FACILITATOR, load
from .events import event as event_page
from .lobby import render_lobby
from .polls import render_poll


@bp.route("/polls/<int:poll_id>/live")
@role_required(FACILITATOR)
def poll_live(poll_id):
    """The poll page's counts, turnout and consent answers, when they change."""
    poll = load(Poll, poll_id)
    etag = displays.console_etag(poll.id, current_user.id)
    return displays.conditional(etag, lambda _etag: render_poll(poll)[0])


@bp.route("/events/<int:event_id>/lobby/live")
@role_required(FACILITATOR)
def lobby_live(event_id):
    """The lobby's waiting walk-ins, when they change."""
    event = load(Event, event_id)
    etag = displays.lobby_etag(event.id, current_user.id)
    return displays.conditional(etag, lambda _etag: render_lobby(event)[0])


@bp.route("/events/<int:event_id>/live")
@role_required(FACILITATOR)
def event_live(event_id):
    """The event page's counts (participants, walk-ins waiting), when they change."""
    event = load(Event, event_id)
    etag = displays.lobby_etag(event.id, current_user.id)
    return displays.conditional(etag, lambda _etag: event_page(event.id))
