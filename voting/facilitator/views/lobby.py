"""The lobby: admit or refuse the walk-ins who joined with the event code.

Only staff who manage the walk-in's workshop (or the event, for a walk-in of
no workshop) see them and may admit or refuse them; see :mod:`voting.lobby`.
"""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import lobby as lobby_service
from ...models import Event, Participant
from ...permissions import role_required
from .. import bp, forms
from .common import FACILITATOR, load, object_action


@bp.route("/events/<int:event_id>/lobby")
@role_required(FACILITATOR)
def lobby(event_id):
    """The walk-ins waiting to be admitted: name, declared delegation, time."""
    return render_lobby(load(Event, event_id))


def render_lobby(event: Event, status: int = 200):
    """The lobby page with its admit and refuse buttons."""
    return (
        render_template(
            "facilitator/lobby.html",
            event=event,
            people=lobby_service.waiting(event, current_user),
            workshops={w.id: w for w in event.workshops},
            action=forms.ActionForm(),
        ),
        status,
    )


def load_walk_in(participant_id: int) -> Participant:
    """The participant, if the signed-in user may admit them (404 / 403)."""
    participant = lobby_service.walk_in(participant_id)
    if participant is None:
        abort(404)
    if not lobby_service.may_admit(current_user, participant):
        abort(403)
    return participant


def _lobby_action(participant_id: int, service, done: str):
    """Admit or refuse a walk-in (``done`` names them), back to the lobby."""
    participant = load_walk_in(participant_id)
    event = participant.event
    return object_action(
        participant,
        service,
        done % {"name": participant.name},
        url_for(".lobby", event_id=event.id),
        lambda status: render_lobby(event, status),
    )


@bp.post("/participants/<int:participant_id>/admit")
@role_required(FACILITATOR)
def admit_walk_in(participant_id):
    """Admit a walk-in: they may vote, and count, from now on."""
    return _lobby_action(
        participant_id,
        lobby_service.admit,
        _("%(name)s is admitted and may vote."),
    )


@bp.post("/participants/<int:participant_id>/refuse")
@role_required(FACILITATOR)
def refuse_walk_in(participant_id):
    """Refuse a walk-in: removed, their session ends."""
    return _lobby_action(
        participant_id, lobby_service.refuse, _("%(name)s is refused.")
    )
