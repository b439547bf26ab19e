"""Console overview, events (with their audit log) and workshops."""

from __future__ import annotations

from datetime import datetime, time

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import audit, lobby, permissions
from ...models import Event, Workshop
from ...permissions import role_required
from ...setup import events as event_setup
from .. import bp, forms
from .common import (
    FACILITATOR,
    actor,
    form_page,
    invalid_status,
    load,
    render_form,
    save_then_redirect,
)


@bp.route("/")
@role_required(FACILITATOR)
def index():
    """The events and workshops the signed-in user runs."""
    events = permissions.visible_events(current_user)
    workshops = {e.id: permissions.visible_workshops(current_user, e) for e in events}
    return render_template("facilitator/index.html", events=events, workshops=workshops)


@bp.route("/events/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_event():
    """Create an event and its first workshop."""
    form = forms.NewEventForm()
    title = _("New event")
    if form.validate_on_submit():
        return save_then_redirect(
            lambda: event_setup.create_event(current_user, _event_data(form)),
            _("Event created."),
            lambda event: url_for(".event", event_id=event.id),
            lambda error: render_form(form, title, None, error.status),
        )
    return render_form(form, title, None, invalid_status(form), all_languages=True)


def _event_data(form) -> dict:
    def moment(day):
        return datetime.combine(day, time()) if day else None

    return {
        "slug": form.slug.data if form.slug else "",
        "name": forms.texts(form, "name"),
        "languages": form.languages.data,
        "venue": form.venue.data,
        "starts_on": moment(form.starts_on.data),
        "ends_on": moment(form.ends_on.data),
        "workshop": form.workshop.data if getattr(form, "workshop", None) else "",
    }


@bp.route("/events/<int:event_id>")
@role_required(FACILITATOR)
def event(event_id):
    """An event: its workshops, polls, delegations, participants and log."""
    event = load(Event, event_id)
    polls = permissions.visible_polls(current_user, event)
    return render_template(
        "facilitator/event.html",
        event=event,
        workshops=permissions.visible_workshops(current_user, event),
        plenary=[p for p in polls if p.workshop_id is None],
        waiting=len(lobby.waiting(event, current_user)),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_event(event_id):
    """Change an event's names, languages, venue and dates."""
    event = load(Event, event_id)
    form = forms.EventForm(obj=event if request.method == "GET" else None)
    if request.method == "GET":
        forms.fill_texts(form, "name", event.name)
        form.languages.data = event.languages
        form.starts_on.data = event.starts_on and event.starts_on.date()
        form.ends_on.data = event.ends_on and event.ends_on.date()
    del form.slug
    return form_page(
        form,
        _("Edit event"),
        event,
        lambda: event_setup.update_event(event, _event_data(form), actor()),
        _("Event saved."),
        url_for(".event", event_id=event.id),
        edits=event,
        all_languages=True,
    )


@bp.route("/events/<int:event_id>/audit")
@role_required(FACILITATOR)
def audit_log(event_id):
    """The event's audit log, newest first: who changed what, when."""
    event = load(Event, event_id)
    entries, names = event_setup.event_log(event)
    return render_template(
        "facilitator/audit.html",
        event=event,
        entries=entries,
        names=names,
        chain=audit.verify(event.id),
    )


@bp.route("/events/<int:event_id>/workshops/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_workshop(event_id):
    """Add a workshop to an event; its creator facilitates it."""
    event = load(Event, event_id)
    form = forms.WorkshopForm()
    del form.facilitators
    return form_page(
        form,
        _("New workshop"),
        event,
        lambda: event_setup.create_workshop(
            event, forms.texts(form, "name"), current_user
        ),
        _("Workshop created."),
        url_for(".event", event_id=event.id),
    )


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_workshop(workshop_id):
    """Rename a workshop; admins also assign its facilitators."""
    workshop = load(Workshop, workshop_id)
    form = forms.WorkshopForm()
    admin = permissions.is_admin(current_user)
    if admin:
        form.facilitators.choices = forms.choices(event_setup.facilitator_choices())
    else:
        del form.facilitators
    if request.method == "GET":
        forms.fill_texts(form, "name", workshop.name)
        if admin:
            form.facilitators.data = [a.id for a in workshop.facilitators]
    return form_page(
        form,
        _("Edit workshop"),
        workshop.event,
        lambda: event_setup.update_workshop(
            workshop,
            forms.texts(form, "name"),
            actor(),
            form.facilitators.data if admin else None,
        ),
        _("Workshop saved."),
        url_for(".event", event_id=workshop.event_id),
        edits=workshop,
    )
