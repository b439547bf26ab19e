"""Projector views: a read-only page per poll, reached by an unguessable link.

The page and the fragment it polls answer 304 to a matching ``If-None-Match``
from the round's version number alone, without reading ballots. A signed-in
facilitator who runs the poll also gets the round controls (the console's
own endpoints); a bare display link never does.
"""

import segno
from flask import current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from .. import disclosure, links
from ..displays import (
    conditional,
    current_etag,
    plenary_etag,
    poll_or_404,
    presenter,
    presenter_views,
    with_presenter,
)
from ..models import Poll
from ..presentation import build, build_plenary
from . import bp


def join_qr(poll: Poll) -> Markup:
    url = links.join_link(poll.event.join_code)
    qr = segno.make(url, error="m")
    # No width/height, a viewBox: the code scales to the size the CSS gives it.
    return Markup(qr.svg_inline(scale=8, border=2, omitsize=True))


def _context(token: str) -> dict:
    poll = poll_or_404(token)
    view = build(poll, str(get_locale()), projector=True)
    return {
        "view": view,
        "qr": join_qr(poll),
        "views": presenter_views(view),
        "presenter": presenter(poll),
    }


@bp.route("/<token>")
def poll(token):
    """The projector page of a poll."""

    def render(etag):
        return render_template(
            "display/poll.html",
            etag=etag,
            interval=current_app.config["DISPLAY_POLL_MS"],
            **_context(token),
        )

    return conditional(with_presenter(current_etag(token), token), render)


@bp.route("/<token>/live")
def live(token):
    """The part of the projector page that changes, polled by display.js."""

    def render(etag):
        return render_template("display/_live.html", **_context(token))

    return conditional(with_presenter(current_etag(token), token), render)


@bp.route("/<token>/plenary")
def plenary(token):
    """The event-level view: the workshops' closed rounds pooled into one tally."""
    fragment = request.args.get("fragment") == "1"

    def render(etag):
        poll = poll_or_404(token)
        view = build_plenary(poll, str(get_locale()), projector=True)
        shown = disclosure.projector_plenary(poll)
        pooled = (
            shown.allowed
            and bool(view.workshops)
            and view.plenary.result.tally is not None
        )
        views = {
            "available": ["results"]
            + (["agreement"] if pooled else [])
            + (["consent"] if view.consent else []),
            "start": "consent" if view.consent else "results",
            "cue": False,
        }
        if fragment:
            return render_template(
                "display/_plenary_live.html", view=view, views=views, shown=shown
            )
        return render_template(
            "display/plenary.html",
            view=view,
            views=views,
            shown=shown,
            etag=etag,
            interval=current_app.config["DISPLAY_POLL_MS"],
        )

    return conditional(plenary_etag(token), render)
