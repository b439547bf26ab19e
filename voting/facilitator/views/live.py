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


def _live(model, etag_of, render):
    """A live part: the object of the URL's id, 304 while its ETag
    ``etag_of(id, staff id)`` holds, else ``render(obj)``."""

    @role_required(FACILITATOR)
    def view(**ids):
        (object_id,) = ids.values()
        obj = load(model, object_id)
        etag = etag_of(obj.id, current_user.id)
        return displays.conditional(etag, lambda _etag: render(obj))

    return view


for rule, endpoint, view in (
    # The poll page's counts, turnout and consent answers, when they change.
    (
        "/polls/<int:poll_id>/live",
        "poll_live",
        _live(Poll, displays.console_etag, lambda poll: render_poll(poll)[0]),
    ),
    # The lobby's waiting walk-ins, when they change.
    (
        "/events/<int:event_id>/lobby/live",
        "lobby_live",
        _live(Event, displays.lobby_etag, lambda event: render_lobby(event)[0]),
    ),
    # The event page's counts (participants, walk-ins waiting), when they change.
    (
        "/events/<int:event_id>/live",
        "event_live",
        _live(Event, displays.lobby_etag, lambda event: event_page(event.id)),
    ),
):
    bp.add_url_rule(rule, endpoint, view)
