"""Facilitator views: parse, authorise (:func:`load`), call a service, render."""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from flask import (
    Response,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from .. import adoption, rounds
from ..auth import role_required
from ..errors import UserError
from ..extensions import db
from ..models import (
    Account,
    AuditEntry,
    Ballot,
    Delegation,
    Event,
    Option,
    Participant,
    Poll,
    Proposal,
    Round,
    Workshop,
)
from ..presentation import outcome_label, proposal_items, rule_sentence
from . import bp, forms, services
from .services import ServiceError

FACILITATOR = "facilitator"
PASTE_INTRO = _l(
    "Line 1 of each list is option 1, line 2 is option 2, and so on. A language "
    "left empty can be filled in later; missing translations are flagged."
)


# --- helpers shared by every view -----------------------------------------


def load(model, object_id: int):
    """The object with this id, if the signed-in user manages it (404 / 403)."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if not services.can_manage(current_user, obj):
        abort(403)
    return obj


def actor() -> str:
    """The audit actor for the signed-in staff member."""
    return services.actor_of(current_user)


def lang() -> str:
    """The page's language code."""
    return str(get_locale())


def display_url(poll: Poll, external: bool = False) -> str:
    """The projector link of a poll (works before the display blueprint exists)."""
    if not has_request_context():  # CLI: build the path in a throwaway request
        with current_app.test_request_context():
            return display_url(poll, external)
    try:
        path = url_for("display.poll", token=poll.display_token)
    except BuildError:
        path = f"/display/{poll.display_token}"
    if external:
        return current_app.config["PUBLIC_URL"].rstrip("/") + path
    return path


@bp.app_template_filter("language_name")
def language_name(code: str) -> str:
    """``"es"`` → "español" / "Spanish", in the page's language."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (UnknownLocaleError, ValueError):
        return code


@bp.context_processor
def console_helpers():
    """Template helpers for every console page."""
    return {"display_url": display_url, "lang": lang()}


def render_form(form, title: str, event: Event | None, status: int = 200, **extra):
    """The generic console form page (per-language fields of the event only)."""
    languages = event.language_list if event else list(current_app.config["LANGUAGES"])
    return (
        render_template(
            "facilitator/form.html",
            form=form,
            title=title,
            event=event,
            languages=languages,
            **extra,
        ),
        status,
    )


def form_error(form, error: ServiceError, title: str, event: Event | None, **extra):
    """Re-render a form with the service's message and its status code."""
    flash(error.message, "error")
    return render_form(form, title, event, status=error.status, **extra)


def invalid_status(form) -> int:
    """400 for a submitted form with errors, else 200."""
    return 400 if form.errors else 200


# --- overview --------------------------------------------------------------


@bp.route("/")
@role_required(FACILITATOR)
def index():
    """The events and workshops the signed-in user runs."""
    events = services.visible_events(current_user)
    workshops = {e.id: services.visible_workshops(current_user, e) for e in events}
    return render_template("facilitator/index.html", events=events, workshops=workshops)


@bp.route("/events/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_event():
    """Create an event and its first workshop."""
    form = forms.NewEventForm()
    title = _("New event")
    if form.validate_on_submit():
        try:
            event = services.create_event(current_user, _event_data(form))
        except ServiceError as error:
            return form_error(form, error, title, None)
        flash(_("Event created."), "info")
        return redirect(url_for(".event", event_id=event.id))
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
    polls = services.visible_polls(current_user, event)
    return render_template(
        "facilitator/event.html",
        event=event,
        workshops=services.visible_workshops(current_user, event),
        plenary=[p for p in polls if p.workshop_id is None],
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
    title = _("Edit event")
    if form.validate_on_submit():
        try:
            services.update_event(event, _event_data(form), actor())
        except ServiceError as error:
            return form_error(form, error, title, event, all_languages=True)
        flash(_("Event saved."), "info")
        return redirect(url_for(".event", event_id=event.id))
    return render_form(form, title, event, invalid_status(form), all_languages=True)


@bp.route("/events/<int:event_id>/audit")
@role_required(FACILITATOR)
def audit_log(event_id):
    """The event's audit log, newest first: who changed what, when."""
    event = load(Event, event_id)
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.id.desc())
        .limit(500)
    ).all()
    ids = {
        int(e.actor.split(":")[1]) for e in entries if e.actor.startswith("account:")
    }
    names = {
        f"account:{a.id}": a.name
        for a in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))
    }
    return render_template(
        "facilitator/audit.html", event=event, entries=entries, names=names
    )


# --- workshops -------------------------------------------------------------


@bp.route("/events/<int:event_id>/workshops/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_workshop(event_id):
    """Add a workshop to an event; its creator facilitates it."""
    event = load(Event, event_id)
    form = forms.WorkshopForm()
    del form.facilitators
    title = _("New workshop")
    if form.validate_on_submit():
        try:
            services.create_workshop(event, forms.texts(form, "name"), current_user)
        except ServiceError as error:
            return form_error(form, error, title, event)
        flash(_("Workshop created."), "info")
        return redirect(url_for(".event", event_id=event.id))
    return render_form(form, title, event, invalid_status(form))


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_workshop(workshop_id):
    """Rename a workshop; admins also assign its facilitators."""
    workshop = load(Workshop, workshop_id)
    form = forms.WorkshopForm()
    admin = services.is_admin(current_user)
    if admin:
        form.facilitators.choices = forms.choices(services.facilitator_choices())
    else:
        del form.facilitators
    if request.method == "GET":
        forms.fill_texts(form, "name", workshop.name)
        if admin:
            form.facilitators.data = [a.id for a in workshop.facilitators]
    title = _("Edit workshop")
    if form.validate_on_submit():
        try:
            services.update_workshop(
                workshop,
                forms.texts(form, "name"),
                actor(),
                form.facilitators.data if admin else None,
            )
        except ServiceError as error:
            return form_error(form, error, title, workshop.event)
        flash(_("Workshop saved."), "info")
        return redirect(url_for(".event", event_id=workshop.event_id))
    return render_form(form, title, workshop.event, invalid_status(form))


# --- polls -----------------------------------------------------------------


def _poll_form(event: Event, poll: Poll | None = None):
    form = forms.PollForm()
    form.method.choices = forms.choices(services.method_choices())
    if poll is None:
        choices = [
            (w.id, w.title(lang()))
            for w in services.visible_workshops(current_user, event)
        ]
        form.workshop.choices = forms.choices(
            [(0, _("Plenary (the whole event)"))] + choices
        )
        if request.method == "GET":
            form.workshop.data = request.args.get("workshop", 0, type=int)
    else:
        del form.workshop
    return form


@bp.route("/events/<int:event_id>/polls/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def create_poll(event_id):
    """Create a poll in a workshop (or a plenary poll) with a draft round 1."""
    event = load(Event, event_id)
    form = _poll_form(event)
    title = _("New poll")
    if form.validate_on_submit():
        workshop = load(Workshop, form.workshop.data) if form.workshop.data else None
        try:
            poll = services.create_poll(
                event,
                workshop,
                forms.texts(form, "question"),
                form.settings(),
                actor(),
            )
        except ServiceError as error:
            return form_error(form, error, title, event)
        flash(_("Poll created. Now add its options."), "info")
        return redirect(url_for(".poll", poll_id=poll.id))
    return render_form(form, title, event, invalid_status(form))


def round_counts(poll: Poll) -> dict[int, int]:
    """Ballots cast in each round of the poll."""
    rows = db.session.execute(
        sa.select(Ballot.round_id, sa.func.count(Ballot.id))
        .where(Ballot.round_id.in_([r.id for r in poll.rounds]))
        .group_by(Ballot.round_id)
    )
    return dict(rows.all())


def render_poll(poll: Poll, status: int = 200):
    """The poll page: settings, options with missing translations, rounds."""
    from ..tallies import eligible_participants

    eligible = db.session.scalar(
        sa.select(sa.func.count()).select_from(eligible_participants(poll).subquery())
    )
    return (
        render_template(
            "facilitator/poll.html",
            consent=consent_section(poll),
            poll=poll,
            event=poll.event,
            gaps=services.translation_gaps(poll),
            counts=round_counts(poll),
            eligible=eligible,
            started=services.has_started(poll),
            methods=dict(services.method_choices()),
            action=forms.ActionForm(),
            public_display=display_url(poll, external=True),
        ),
        status,
    )


@bp.route("/polls/<int:poll_id>")
@role_required(FACILITATOR)
def poll(poll_id):
    """A poll: settings, options, rounds and their controls, projector link."""
    return render_poll(load(Poll, poll_id))


@bp.route("/polls/<int:poll_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_poll(poll_id):
    """Change a poll's question, method, weighting, tiers and rules."""
    poll = load(Poll, poll_id)
    form = _poll_form(poll.event, poll)
    if request.method == "GET":
        forms.fill_texts(form, "question", poll.question)
        for key in services.POLL_SETTINGS:
            form[key].data = getattr(poll, key)
        form.adoption_threshold.data = round(poll.adoption_threshold, 4)
    title = _("Poll settings")
    if form.validate_on_submit():
        try:
            services.update_poll(
                poll, forms.texts(form, "question"), form.settings(), actor()
            )
        except ServiceError as error:
            return form_error(form, error, title, poll.event)
        flash(_("Poll saved."), "info")
        return redirect(url_for(".poll", poll_id=poll.id))
    return render_form(form, title, poll.event, invalid_status(form))


# --- options ---------------------------------------------------------------


@bp.route("/polls/<int:poll_id>/options/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def add_option(poll_id):
    """Add one option with its title and description per language."""
    poll = load(Poll, poll_id)
    form = forms.OptionForm()
    title = _("New option")
    if form.validate_on_submit():
        try:
            services.add_option(
                poll,
                forms.texts(form, "title"),
                forms.texts(form, "description"),
                actor(),
                key=form.key.data or "",
            )
        except ServiceError as error:
            return form_error(form, error, title, poll.event, poll=poll)
        flash(_("Option added."), "info")
        return redirect(url_for(".poll", poll_id=poll.id))
    return render_form(form, title, poll.event, invalid_status(form), poll=poll)


@bp.route("/options/<int:option_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_option(option_id):
    """Change an option's title and description in each language."""
    option = load(Option, option_id)
    poll = option.poll
    form = forms.OptionForm()
    del form.key
    if request.method == "GET":
        forms.fill_texts(form, "title", option.title)
        forms.fill_texts(form, "description", option.description)
    title = _("Edit option")
    if form.validate_on_submit():
        try:
            services.update_option(
                option,
                forms.texts(form, "title"),
                forms.texts(form, "description"),
                actor(),
            )
        except ServiceError as error:
            return form_error(form, error, title, poll.event, poll=poll)
        flash(_("Option saved."), "info")
        return redirect(url_for(".poll", poll_id=poll.id))
    return render_form(form, title, poll.event, invalid_status(form), poll=poll)


@bp.post("/options/<int:option_id>/delete")
@role_required(FACILITATOR)
def delete_option(option_id):
    """Remove an option from a poll that has not started."""
    option = load(Option, option_id)
    poll = option.poll
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_option(option, actor())
    except ServiceError as error:
        flash(error.message, "error")
        return render_poll(poll, error.status)
    flash(_("Option removed."), "info")
    return redirect(url_for(".poll", poll_id=poll.id))


@bp.post("/options/<int:option_id>/move")
@role_required(FACILITATOR)
def move_option(option_id):
    """Move an option one place up or down."""
    option = load(Option, option_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None or not forms.ActionForm().validate_on_submit():
        abort(400)
    services.move_option(option, step, actor())
    return redirect(url_for(".poll", poll_id=option.poll_id))


@bp.route("/polls/<int:poll_id>/options/paste", methods=["GET", "POST"])
@role_required(FACILITATOR)
def bulk_options(poll_id):
    """Paste options one per line, a list per language."""
    poll = load(Poll, poll_id)
    form = forms.BulkOptionsForm()
    title = _("Paste options")
    if form.validate_on_submit():
        try:
            options = services.bulk_options(
                poll, forms.texts(form, "lines"), form.mode.data, actor()
            )
        except ServiceError as error:
            return form_error(
                form, error, title, poll.event, poll=poll, intro=PASTE_INTRO
            )
        flash(
            ngettext("%(num)d option saved.", "%(num)d options saved.", len(options)),
            "info",
        )
        return redirect(url_for(".poll", poll_id=poll.id))
    return render_form(
        form, title, poll.event, invalid_status(form), poll=poll, intro=PASTE_INTRO
    )


# --- rounds ----------------------------------------------------------------


def _round_action(round_id: int, transition, done: str):
    round_ = load(Round, round_id)
    poll = round_.poll
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        if transition is rounds.open_round:
            services.check_ready(round_)
        transition(round_.id, actor())
    except ServiceError as error:
        flash(error.message, "error")
        return render_poll(poll, error.status)
    except UserError as error:
        db.session.rollback()
        flash(str(error), "error")
        return render_poll(poll, 409)
    flash(done, "info")
    return redirect(url_for(".poll", poll_id=poll.id))


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


# --- consent check (adoption) ----------------------------------------------


def consent_section(poll: Poll) -> dict:
    """What the poll page shows of the consent checks: the open one, the
    latest one (to amend), what can be proposed, and the history."""
    proposals = adoption.history(poll)
    current = lang()
    latest = proposals[-1] if proposals else None
    closed_rounds = [r for r in poll.rounds if r.status == "closed"]
    open_ = latest if latest is not None and latest.status == "open" else None
    return {
        "latest": latest,
        "open": open_,
        "summary": adoption.summarize(open_ or latest) if latest else None,
        "rows": proposal_items(latest, current) if latest else [],
        "rule": rule_sentence(latest) if latest else "",
        "round": closed_rounds[-1] if closed_rounds else None,
        "plenary": poll.workshop_id is None,
        "setting": (
            _(
                "qualified majority: %(share)s of those who answer agree or can "
                "live with it",
                share=format_percent(poll.adoption_threshold),
            )
            if poll.adoption_rule == "qualified"
            else _("consensus: adopted if nobody objects")
        ),
        "history": [
            {
                "proposal": p,
                "rows": proposal_items(p, current),
                "outcome": outcome_label(p.outcome) if p.status == "closed" else "",
            }
            for p in reversed(proposals)
        ],
    }


def _adoption_action(poll: Poll, transition, done: str):
    """Run an adoption transition for a view: flash and back to the poll."""
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        transition()
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_poll(poll, error.status)
    flash(done, "info")
    return redirect(url_for(".poll", poll_id=poll.id) + "#consent")


@bp.post("/rounds/<int:round_id>/propose")
@role_required(FACILITATOR)
def propose(round_id):
    """Propose a closed round's priority list for adoption (a consent check)."""
    round_ = load(Round, round_id)
    return _adoption_action(
        round_.poll,
        lambda: adoption.propose(round_, actor()),
        _("The consent check is open: delegates can answer on their phones."),
    )


@bp.post("/polls/<int:poll_id>/propose")
@role_required(FACILITATOR)
def propose_plenary(poll_id):
    """Propose a plenary poll's consolidation of the workshops for adoption."""
    poll = load(Poll, poll_id)
    if poll.workshop_id is not None:
        abort(404)
    return _adoption_action(
        poll,
        lambda: adoption.propose_plenary(poll, actor()),
        _("The consent check is open: delegates can answer on their phones."),
    )


@bp.post("/proposals/<int:proposal_id>/close")
@role_required(FACILITATOR)
def close_proposal(proposal_id):
    """Close the consent check: the outcome follows the poll's rule."""
    proposal = load(Proposal, proposal_id)
    return _adoption_action(
        proposal.poll,
        lambda: adoption.close(proposal.id, actor()),
        _("The consent check is closed."),
    )


@bp.post("/proposals/<int:proposal_id>/amend")
@role_required(FACILITATOR)
def amend_proposal(proposal_id):
    """Propose an amended list: items reordered or merged, the cut moved."""
    proposal = load(Proposal, proposal_id)

    def transition():
        try:
            items, cut = forms.amended_list(request.form, proposal.items)
        except forms.AmendError as error:
            raise UserError(str(error)) from None
        adoption.amend(proposal, items, cut, actor())

    return _adoption_action(
        proposal.poll,
        transition,
        _("The amended list is proposed: delegates can answer on their phones."),
    )


# --- delegations -----------------------------------------------------------


@bp.route("/events/<int:event_id>/delegations", methods=["GET", "POST"])
@role_required(FACILITATOR)
def delegations(event_id):
    """The event's delegations, and a form to add one."""
    event = load(Event, event_id)
    form = forms.DelegationForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.create_delegation(
                event, form.code.data or "", form.name.data, actor()
            )
        except ServiceError as error:
            flash(error.message, "error")
            status = error.status
        else:
            flash(_("Delegation added."), "info")
            return redirect(url_for(".delegations", event_id=event.id))
    elif form.errors:
        status = 400
    return render_delegations(event, form, status)


def render_delegations(event: Event, form, status: int = 200):
    """The delegations page with its add form."""
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
    title = _("Edit delegation")
    if form.validate_on_submit():
        try:
            services.update_delegation(
                delegation, form.code.data or "", form.name.data, actor()
            )
        except ServiceError as error:
            return form_error(form, error, title, delegation.event)
        flash(_("Delegation saved."), "info")
        return redirect(url_for(".delegations", event_id=delegation.event_id))
    return render_form(form, title, delegation.event, invalid_status(form))


@bp.post("/delegations/<int:delegation_id>/delete")
@role_required(FACILITATOR)
def delete_delegation(delegation_id):
    """Remove a delegation without participants."""
    delegation = load(Delegation, delegation_id)
    event_id = delegation.event_id
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_delegation(delegation, actor())
    except ServiceError as error:
        flash(error.message, "error")
        return render_delegations(
            delegation.event, forms.DelegationForm(), error.status
        )
    flash(_("Delegation removed."), "info")
    return redirect(url_for(".delegations", event_id=event_id))


# --- participants ----------------------------------------------------------


def workshop_choices(event: Event):
    """A participant's workshop: one of the event's, or every poll (0)."""
    return forms.choices(
        [(0, _("Every poll of the event"))]
        + [(w.id, w.title(lang())) for w in event.workshops]
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


def _participant_data(form, event: Event) -> dict:
    delegation = db.session.get(Delegation, form.delegation.data or 0)
    workshop = db.session.get(Workshop, form.workshop.data or 0)
    return {
        "name": form.name.data,
        "delegation": delegation,
        "workshop": workshop,
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
    people = db.session.scalars(
        sa.select(Participant)
        .outerjoin(Delegation, Participant.delegation_id == Delegation.id)
        .where(Participant.event_id == event.id)
        .order_by(Delegation.name, Participant.name)
    ).all()
    form = forms.BadgeForm()
    workshops = {w.id: w for w in event.workshops}
    return (
        render_template(
            "facilitator/participants.html",
            event=event,
            people=people,
            form=form,
            workshops=workshops,
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
    title = _("New participant")
    if form.validate_on_submit():
        try:
            services.create_participant(event, _participant_data(form, event), actor())
        except ServiceError as error:
            return form_error(form, error, title, event)
        flash(_("Participant added."), "info")
        return redirect(url_for(".participants", event_id=event.id))
    return render_form(form, title, event, invalid_status(form))


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_participant(participant_id):
    """Change a participant's details."""
    participant = load(Participant, participant_id)
    event = participant.event
    form = _participant_form(event, participant)
    title = _("Edit participant")
    if form.validate_on_submit():
        try:
            services.update_participant(
                participant, _participant_data(form, event), actor()
            )
        except ServiceError as error:
            return form_error(form, error, title, event)
        flash(_("Participant saved."), "info")
        return redirect(url_for(".participants", event_id=event.id))
    return render_form(form, title, event, invalid_status(form))


@bp.post("/participants/<int:participant_id>/delete")
@role_required(FACILITATOR)
def delete_participant(participant_id):
    """Remove a participant who has not voted."""
    participant = load(Participant, participant_id)
    event_id = participant.event_id
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_participant(participant, actor())
    except ServiceError as error:
        flash(error.message, "error")
        return render_participants(participant.event, error.status)
    flash(_("Participant removed."), "info")
    return redirect(url_for(".participants", event_id=event_id))


@bp.route("/events/<int:event_id>/participants/import", methods=["GET", "POST"])
@role_required(FACILITATOR)
def import_participants(event_id):
    """Import participants from a CSV file: all lines or none."""
    event = load(Event, event_id)
    form = forms.ImportForm()
    form.workshop.choices = workshop_choices(event)
    errors, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = (
                services.decode_csv(upload.read())
                if upload and upload.filename
                else form.text.data or ""
            )
            workshop = db.session.get(Workshop, form.workshop.data or 0)
            report = services.import_participants(event, text, actor(), workshop)
        except ServiceError as error:
            flash(error.message, "error")
            errors, status = error.errors, error.status
        else:
            flash(
                ngettext(
                    "%(num)d participant imported (new delegations: %(d)d).",
                    "%(num)d participants imported (new delegations: %(d)d).",
                    len(report.participants),
                    d=len(report.new_delegations),
                ),
                "info",
            )
            return redirect(url_for(".participants", event_id=event.id))
    elif form.errors:
        status = 400
    return (
        render_template(
            "facilitator/import.html", event=event, form=form, errors=errors
        ),
        status,
    )


@bp.post("/events/<int:event_id>/badges")
@role_required(FACILITATOR)
def badges(event_id):
    """Issue new personal links to the selected participants; print their badges."""
    event = load(Event, event_id)
    form = forms.BadgeForm()
    form.participants.choices = forms.choices(
        [(p.id, p.name) for p in event.participants]
    )
    if not form.validate_on_submit():
        flash(_("Select at least one participant."), "error")
        return redirect(url_for(".participants", event_id=event.id)), 303
    try:
        sheet = services.issue_badges(event, form.participants.data, actor())
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for(".participants", event_id=event.id)), 303
    note = _(
        "Issued now: these personal links replace any printed before for "
        "these participants."
    )
    if form.format.data == "pdf":
        pdf = services.badges_pdf(sheet, event.title(lang()), note)
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="badges-{event.slug}.pdf"'
        )
    else:
        response = Response(
            render_template(
                "facilitator/badges.html", event=event, badges=sheet, note=note
            )
        )
    # The sheet holds live personal links: never keep it in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response
