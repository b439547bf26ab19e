"""A poll's options: one at a time, moved, removed, or pasted as lists."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ...models import Option, Poll
from ...permissions import role_required
from ...setup import corrections
from ...setup import options as option_setup
from ...setup import polls as poll_setup
from .. import bp, forms
from .common import (
    FACILITATOR,
    actor,
    form_page,
    load,
    object_action,
    require_action,
)
from .polls import render_poll

PASTE_INTRO = _l(
    "Line 1 of each list is option 1, line 2 is option 2, and so on. A language "
    "left empty can be filled in later; missing translations are flagged."
)


def needs_reason(form, poll: Poll) -> None:
    """Keep the reason field only once the poll has ballots (then required)."""
    if corrections.has_ballots(poll):
        form.reason.flags.required = True
    else:
        del form.reason


def needs_confirm(form, poll: Poll) -> None:
    """While a round is open, a rewording warns and must be confirmed (the
    ``confirm_open`` box); otherwise the box is removed."""
    if not poll_setup.is_running(poll):
        del form.confirm_open
    elif request.method == "GET":
        flash(
            _(
                "A round is open: delegates are voting on these options now. "
                "Reword only to fix a mistake; they see the new wording at once."
            ),
            "warn",
        )


def reason_of(form) -> str:
    return form.reason.data or "" if "reason" in form else ""


def option_texts(form) -> tuple[dict, dict]:
    """The title and the description entered, per language."""
    return forms.texts(form, "title"), forms.texts(form, "description")


@bp.route("/polls/<int:poll_id>/options/new", methods=["GET", "POST"])
@role_required(FACILITATOR)
def add_option(poll_id):
    """Add one option with its title and description per language."""
    poll = load(Poll, poll_id)
    form = forms.OptionForm()
    del form.reason  # options are added before the first round only
    del form.confirm_open
    return form_page(
        form,
        _("New option"),
        poll.event,
        lambda: option_setup.add_option(
            poll, *option_texts(form), actor(), key=form.key.data or ""
        ),
        _("Option added."),
        url_for(".poll", poll_id=poll.id),
        poll=poll,
    )


@bp.route("/options/<int:option_id>/edit", methods=["GET", "POST"])
@role_required(FACILITATOR)
def edit_option(option_id):
    """Change an option's title and description in each language."""
    option = load(Option, option_id)
    poll = option.poll
    form = forms.OptionForm()
    del form.key
    needs_reason(form, poll)
    needs_confirm(form, poll)
    if request.method == "GET":
        forms.fill_texts(form, "title", option.title)
        forms.fill_texts(form, "description", option.description)
    return form_page(
        form,
        _("Edit option"),
        poll.event,
        lambda: option_setup.update_option(
            option, *option_texts(form), actor(), reason=reason_of(form)
        ),
        _("Option saved."),
        url_for(".poll", poll_id=poll.id),
        edits=option,
        poll=poll,
    )


@bp.post("/options/<int:option_id>/delete")
@role_required(FACILITATOR)
def delete_option(option_id):
    """Remove an option from a poll that has not started."""
    option = load(Option, option_id)
    poll = option.poll
    return object_action(
        option,
        option_setup.delete_option,
        _("Option removed."),
        url_for(".poll", poll_id=poll.id),
        lambda status: render_poll(poll, status),
    )


@bp.post("/options/<int:option_id>/move")
@role_required(FACILITATOR)
def move_option(option_id):
    """Move an option one place up or down."""
    option = load(Option, option_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    require_action()
    option_setup.move_option(option, step, actor())
    return redirect(url_for(".poll", poll_id=option.poll_id))


@bp.route("/polls/<int:poll_id>/options/paste", methods=["GET", "POST"])
@role_required(FACILITATOR)
def bulk_options(poll_id):
    """Paste options one per line, a list per language."""
    poll = load(Poll, poll_id)
    form = forms.BulkOptionsForm()
    needs_reason(form, poll)
    needs_confirm(form, poll)
    return form_page(
        form,
        _("Paste options"),
        poll.event,
        lambda: option_setup.bulk_options(
            poll,
            forms.texts(form, "lines"),
            form.mode.data,
            actor(),
            reason=reason_of(form),
        ),
        lambda options: ngettext(
            "%(num)d option saved.", "%(num)d options saved.", len(options)
        ),
        url_for(".poll", poll_id=poll.id),
        edits=poll,
        poll=poll,
        intro=PASTE_INTRO,
    )
