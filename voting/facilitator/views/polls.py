"""Polls: creating and editing them, and the poll page with its consent section."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user

from ... import adoption, links, paper, permissions, rounds, tallies
from ...models import Event, Poll, Workshop
from ...permissions import role_required
from ...presentation import build, outcome_text, proposal_items, rule_sentence
from ...presentation.poll import pooled_basis
from ...setup import polls as poll_setup
from .. import bp, forms, poll_form
from ..threshold import threshold_key
from .common import FACILITATOR, actor, form_page, lang, load


def _poll_form(event: Event, poll: Poll | None = None):
    form = poll_form.PollForm()
    form.method.choices = forms.choices(poll_setup.method_choices())
    form.adoption_threshold.set_choices(
        format_percent, poll.adoption_threshold if poll else None
    )
    if poll is None:
        choices = [
            (w.id, w.title(lang()))
            for w in permissions.visible_workshops(current_user, event)
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

    def save():
        workshop = load(Workshop, form.workshop.data) if form.workshop.data else None
        return poll_setup.create_poll(
            event, workshop, forms.texts(form, "question"), form.settings(), actor()
        )

    return form_page(
        form,
        _("New poll"),
        event,
        save,
        _("Poll created. Now add its options."),
        lambda poll: url_for(".poll", poll_id=poll.id),
    )


def render_poll(poll: Poll, status: int = 200):
    """The poll page: settings, options with missing translations, rounds."""
    return (
        render_template(
            "facilitator/poll.html",
            consent=consent_section(poll),
            poll=poll,
            event=poll.event,
            gaps=poll_setup.translation_gaps(poll),
            counts=poll_setup.round_counts(poll),
            paper=paper.counts(poll),
            eligible=poll_setup.eligible_count(poll),
            started=poll_setup.has_started(poll),
            methods=dict(poll_setup.method_choices()),
            tie_breaks=dict(poll_form.TIE_BREAK_CHOICES),
            action=forms.ActionForm(),
            public_display=links.display_link(poll),
            console_result=console_result(poll),
        ),
        status,
    )


def console_result(poll: Poll):
    """The latest closed round's list, for a poll that keeps its results off
    the projector (``results_visibility == "console"``); None otherwise."""
    closed = [r for r in poll.rounds if r.status == "closed"]
    if poll.results_visibility != "console" or not closed:
        return None
    view = build(poll, lang(), closed[-1])
    return view if view.show_results else None


def consent_section(poll: Poll) -> dict:
    """What the poll page shows of the consent checks: the open one, the
    latest one (to amend, or locked once adopted), what can be proposed
    (and whether its tally has ties), and the history."""
    proposals = adoption.history(poll)
    current = lang()
    latest = proposals[-1] if proposals else None
    open_ = latest if latest is not None and latest.status == "open" else None
    source = rounds.latest_with_ballots(poll)
    plenary = tallies.for_plenary(poll) if poll.workshop_id is None else None
    ties = adoption.tally_ties(poll, source, plenary)
    return {
        "latest": latest,
        "open": open_,
        "adopted": adoption.adopted(poll),
        "proposed_rounds": {p.round_id for p in proposals},
        "summary": adoption.summarize(open_ or latest) if latest else None,
        "rows": proposal_items(latest, current) if latest else [],
        "amend_rows": amend_rows(latest, current) if latest else [],
        "ties": adoption.tie_handling(latest) if latest else "",
        "tally_ties": ties,
        #: Which round of each workshop a plenary pools ("round 2, adopted").
        "pooled": [
            (p.workshop.title(current), pooled_basis(*plenary.basis[p.id]))
            for p, _result in plenary.sources
        ]
        if plenary is not None
        else [],
        "rule": rule_sentence(latest) if latest else "",
        "round": source,
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
                "outcome": outcome_text(p),
                "ties": adoption.tie_handling(p),
            }
            for p in reversed(proposals)
        ],
    }


def amend_rows(proposal, current: str) -> list[dict]:
    """The amendment form's rows, one per option in the proposal's order: an
    item's later options (merged, or tied) come with "merge" ticked."""
    titles = {o.id: o.title_in(current) for o in proposal.poll.options}
    rows = []
    for number, item in enumerate(proposal.items, start=1):
        for j, option in enumerate(item):
            rows.append(
                {
                    "index": len(rows),
                    "position": len(rows) + 1,
                    "item": number,
                    "title": titles.get(option, "?"),
                    "merged": j > 0,
                }
            )
    return rows


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
        for key in poll_setup.POLL_SETTINGS:
            form[key].data = getattr(poll, key)
        form.adoption_threshold.data = threshold_key(poll.adoption_threshold)
    return form_page(
        form,
        _("Poll settings"),
        poll.event,
        lambda: poll_setup.update_poll(
            poll, forms.texts(form, "question"), form.settings(), actor()
        ),
        _("Poll saved."),
        url_for(".poll", poll_id=poll.id),
        edits=poll,
    )
