"""Delegations and participants of an event, and the CSV import."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ...models import Delegation, Event, Participant, Workshop
from ...permissions import role_required, visible_participants, visible_workshops
from ...setup import imports as import_setup
from ...setup import people as people_setup
from .. import bp, forms
from .common import (
    FACILITATOR,
    actor,
    form_page,
    invalid_status,
    lang,
    language_name,
    load,
    object_action,
    save_then_redirect,
)

# --- delegations -----------------------------------------------------------


@bp.route("/events/<int:event_id>/delegations", methods=["GET", "POST"])
@role_required(FACILITATOR)
def delegations(event_id):
    """The event's delegations, and a form to add one."""
    event = load(Event, event_id)
    form = new_delegation_form()
    if form.validate_on_submit():
        return save_then_redirect(
            lambda: people_setup.create_delegation(
                event, form.code.data or "", form.name.data, actor()
            ),
            _("Delegation added."),
            url_for(".delegations", event_id=event.id),
            lambda error: render_delegations(event, form, error.status),
        )
    return render_delegations(event, form, invalid_status(form))


def new_delegation_form():
    """The add form of the delegations page (new: nothing to be stale)."""
    form = forms.DelegationForm()
    del form.fingerprint
    return form


def render_delegations(event: Event, form=None, status: int = 200):
    """The delegations page with its add form."""
    form = form or new_delegation_form()
    return (
        render_template(
            "facilitator/delegations.html",
            event=event,
            form=form,
            action=forms.ActionForm(),
        ),
        status,
    )


@bp.route("/delegations/<int:delegation_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_delegation(delegation_id):
    """Rename a delegation or change its code."""
    delegation = load(Delegation, delegation_id)
    form = forms.DelegationForm(obj=delegation)
    return form_page(
        form,
        _("Edit delegation"),
        delegation.event,
        lambda: people_setup.update_delegation(
            delegation, form.code.data or "", form.name.data, actor()
        ),
        _("Delegation saved."),
        url_for(".delegations", event_id=delegation.event_id),
        edits=delegation,
    )


@bp.post("/delegations/<int:delegation_id>/delete")
@role_required(FACILITATOR)
def delete_delegation(delegation_id):
    """Remove a delegation without participants."""
    return _remove(
        load(Delegation, delegation_id),
        people_setup.delete_delegation,
        _("Delegation removed."),
        ".delegations",
        render_delegations,
    )


def _remove(obj, service, done: str, page: str, render):
    """Remove a delegation or participant; back to the event's list ``page``
    (``render(event, status=…)`` when refused)."""
    event = obj.event
    return object_action(
        obj,
        service,
        done,
        url_for(page, event_id=event.id),
        lambda status: render(event, status=status),
    )


# --- participants ----------------------------------------------------------


def workshop_choices(event: Event):
    """A participant's workshop: one of the event's the account runs, or
    every poll (0)."""
    return forms.choices(
        [(0, _("Every poll of the event"))]
        + [(w.id, w.title(lang())) for w in visible_workshops(current_user, event)]
    )


def _participant_form(event: Event, participant: Participant | None = None):
    form = forms.ParticipantForm(obj=participant)
    form.delegation.choices = forms.choices(
        [(0, _("(none)"))] + [(d.id, f"{d.name} ({d.code})") for d in event.delegations]
    )
    form.workshop.choices = workshop_choices(event)
    form.language.choices = forms.choices(
        [("", _("(chosen on the phone)"))]
        + [(code, language_name(code)) for code in current_app.config["LANGUAGES"]]
    )
    if participant is not None and request.method == "GET":
        form.delegation.data = participant.delegation_id or 0
        form.workshop.data = participant.workshop_id or 0
        form.language.data = participant.language or ""
    return form


def _participant_data(form) -> dict:
    return {
        "name": form.name.data,
        "delegation": people_setup.find(Delegation, form.delegation.data),
        "workshop": people_setup.find(Workshop, form.workshop.data),
        "email": form.email.data,
        "language": form.language.data,
    }


@bp.route("/events/<int:event_id>/participants")
@role_required(FACILITATOR)
def participants(event_id):
    """The event's participants, with the badge sheet selection."""
    return render_participants(load(Event, event_id))


def render_participants(event: Event, status: int = 200):
    """The participants page: list, badge selection, actions."""
    return (
        render_template(
            "facilitator/participants.html",
            event=event,
            people=visible_participants(
                current_user, people_setup.participants_by_delegation(event)
            ),
            form=forms.BadgeForm(),
            workshops={w.id: w for w in event.workshops},
            action=forms.ActionForm(),
        ),
        status,
    )


@bp.route("/events/<int:event_id>/participants/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_participant(event_id):
    """Register one participant."""
    event = load(Event, event_id)
    form = _participant_form(event)
    return form_page(
        form,
        _("New participant"),
        event,
        lambda: people_setup.create_participant(
            event, _participant_data(form), actor()
        ),
        _("Participant added."),
        url_for(".participants", event_id=event.id),
    )


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_participant(participant_id):
    """Change a participant's details."""
    participant = load(Participant, participant_id)
    event = participant.event
    form = _participant_form(event, participant)
    return form_page(
        form,
        _("Edit participant"),
        event,
        lambda: people_setup.update_participant(
            participant, _participant_data(form), actor()
        ),
        _("Participant saved."),
        url_for(".participants", event_id=event.id),
        edits=participant,
    )


@bp.post("/participants/<int:participant_id>/delete")
@role_required(FACILITATOR)
def delete_participant(participant_id):
    """Remove a participant who has not voted."""
    return _remove(
        load(Participant, participant_id),
        people_setup.delete_participant,
        _("Participant removed."),
        ".participants",
        render_participants,
    )


@bp.route("/events/<int:event_id>/participants/import", methods=["GET", "POST"])
@role_required(FACILITATOR)
def import_participants(event_id):
    """Import participants from a CSV file: all lines or none."""
    event = load(Event, event_id)
    form = forms.ImportForm()
    form.workshop.choices = workshop_choices(event)

    def page(status: int, errors=()):
        return (
            render_template(
                "facilitator/import.html", event=event, form=form, errors=list(errors)
            ),
            status,
        )

    def save():
        upload = form.file.data
        text = (
            import_setup.decode_csv(upload.read())
            if upload and upload.filename
            else form.text.data or ""
        )
        workshop = people_setup.find(Workshop, form.workshop.data)
        return import_setup.import_participants(event, text, actor(), workshop)

    if form.validate_on_submit():
        return save_then_redirect(
            save,
            lambda report: ngettext(
                "%(num)d participant imported (new delegations: %(d)d).",
                "%(num)d participants imported (new delegations: %(d)d).",
                len(report.participants),
                d=len(report.new_delegations),
            ),
            url_for(".participants", event_id=event.id),
            lambda error: page(error.status, error.errors),
        )
    return page(invalid_status(form))
