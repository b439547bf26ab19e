"""The badge sheet of the selected participants: their current personal links,
or, asked for and confirmed, new ones (reissue)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import UserError
from ...models import Event
from ...permissions import can_issue_link, role_required, visible_participants
from ...setup import badges as badge_setup
from .. import bp, forms
from .common import FACILITATOR, actor, lang, load


@bp.post("/events/<int:event_id>/badges")
@role_required(FACILITATOR)
def badges(event_id):
    """Print the selected participants' badges with their current links.

    "Reissue links" first shows a confirmation page (no JavaScript needed);
    confirmed, everyone selected gets a new link and the old ones stop.
    """
    event = load(Event, event_id)
    form = forms.BadgeForm()
    people = event.participants
    form.participants.choices = forms.choices(
        [(p.id, p.name) for p in visible_participants(current_user, people)]
    )
    # A new link opens the participant's ballots: one the account may not
    # manage (another workshop's delegate, or one who voted there) is a 403,
    # and nobody of the selection gets a link.
    chosen = {str(i) for i in form.participants.raw_data or ()}
    if any(str(p.id) in chosen and not can_issue_link(current_user, p) for p in people):
        abort(403)
    if not form.validate_on_submit():
        flash(_("Select at least one participant."), "error")
        return redirect(url_for(".participants", event_id=event.id)), 303
    reissue = bool(form.reissue.data)
    if reissue and form.confirmed.data != "1":
        chosen_people = [p for p in people if p.id in set(form.participants.data)]
        return render_template(
            "facilitator/badges_confirm.html",
            event=event,
            form=form,
            people=chosen_people,
        )
    try:
        sheet = badge_setup.issue_badges(
            event, form.participants.data, actor(), reissue=reissue
        )
    except UserError as error:
        flash(error.message, "error")
        return redirect(url_for(".participants", event_id=event.id)), 303
    if reissue:
        note = _(
            "Reissued now: these personal links replace any printed before for "
            "these participants."
        )
    else:
        note = _(
            "The participants' current personal links: badges printed before "
            "for them keep working."
        )
    if form.format.data == "pdf":
        pdf = badge_setup.badges_pdf(sheet, event.title(lang()), note)
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
