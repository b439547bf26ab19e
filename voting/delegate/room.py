"""The delegate's page follows the room: ballot.js polls ``/vote/state`` with
``If-None-Match``; a new ETag (a round or a consent check opened or closed)
reloads the page, which then shows the new ballot, check or closing."""

from __future__ import annotations

from flask import current_app, url_for

from .. import displays
from ..delegates import current_participant, delegate_required
from ..models import Participant
from . import bp


@bp.route("/vote/state")
@delegate_required
def room_state(participant: Participant):
    """304 while nothing the delegate follows changed; else 204 with the new ETag."""

    def render(_etag):
        return ""

    response = displays.conditional(displays.room_etag(participant), render)
    if response.status_code == 200:
        response.status_code = 204
    return response


@bp.app_context_processor
def room_follow():
    """``room_follow()`` in delegate/layout.html: the poll's URL and first ETag."""

    def follow() -> dict | None:
        participant = current_participant()
        if participant is None:
            return None
        return {
            "url": url_for("delegate.room_state"),
            "etag": displays.room_etag(participant),
            "interval": current_app.config["ROOM_POLL_MS"],
        }

    return {"room_follow": follow}
