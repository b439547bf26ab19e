"""Reuse: duplicate a poll, make an event from an earlier one
(:mod:`voting.setup.copies`)."""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import permissions
from ...models import Event, Poll, Workshop
from ...permissions import role_required
from ...setup import copies
from .. import bp, forms
from .common import FACILITATOR, actor, form_page, lang, load


def _targets() -> list[tuple[str, str]]:
    """Every place the signed-in user may copy a poll into."""
    found = []
    for event in permissions.visible_events(current_user):
        title = event.title(lang())
        found += [
            (f"w{w.id}", f"{title} · {w.title(lang())}")
            for w in permissions.visible_workshops(current_user, event)
        ]
        found.append((f"e{event.id}", f"{title} · {_('Plenary poll')}"))
    return found


def _target(value: str) -> tuple[Event, Workshop | None]:
    kind, ident = value[:1], value[1:]
    if not ident.isdigit():
        abort(400)
    if kind == "w":
        workshop = load(Workshop, int(ident))
        return workshop.event, workshop
    if kind == "e":
        return load(Event, int(ident)), None
    abort(400)


@bp.route("/polls/<int:poll_id>/duplicate", methods=["GET", "POST"])
@role_required(FACILITATOR)
def duplicate_poll(poll_id):
    """Copy a poll (question, options in every language, settings) into a
    workshop or a plenary the user manages."""
    source = load(Poll, poll_id)
    form = forms.DuplicatePollForm()
    form.target.choices = forms.choices(_targets())

    def save():
        event, workshop = _target(form.target.data)
        return copies.duplicate_poll(source, event, workshop, actor())

    return form_page(
        form,
        _("Duplicate “%(poll)s”", poll=source.title(lang())),
        source.event,
        save,
        _("Poll duplicated, with its options and settings, in a draft round 1."),
        lambda poll: url_for(".poll", poll_id=poll.id),
        poll=source,
    )


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
@role_required(FACILITATOR)
def event_from(event_id):
    """A new event with this one's workshops, delegations and polls."""
    source = load(Event, event_id)
    form = forms.EventFromForm()
    return form_page(
        form,
        _("New event from “%(event)s”", event=source.title(lang())),
        source,
        lambda: copies.event_from(
            source, current_user, form.name.data, form.slug.data or ""
        ),
        _("Event created from the earlier one: add its participants."),
        lambda event: url_for(".event", event_id=event.id),
    )
