"""Projector views: a read-only page per poll, reached by an unguessable link.

The page and the fragment it polls answer 304 to a matching ``If-None-Match``
from the round's version number alone, without reading ballots.
"""

import hashlib

import segno
import sqlalchemy as sa
from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..extensions import db
from ..models import Poll, Round, RoundCounter
from . import bp
from .view import build, build_plenary

POLL_INTERVAL_MS = 2000


def poll_or_404(token: str) -> Poll:
    poll = db.session.scalar(sa.select(Poll).filter_by(display_token=token))
    if poll is None or not poll.rounds:
        abort(404)
    return poll


def current_etag(token: str) -> str | None:
    """ETag of what the display would show: poll settings, round, version, language."""
    row = db.session.execute(
        sa.select(
            Round.id,
            RoundCounter.version,
            Poll.method,
            Poll.weighting,
            Poll.top_k,
            Poll.results_visibility,
            Poll.secret,
        )
        .join(Poll, Round.poll_id == Poll.id)
        .join(RoundCounter, RoundCounter.round_id == Round.id)
        .where(Poll.display_token == token)
        .order_by(Round.number.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    digest = hashlib.sha256(repr((*row, str(get_locale()))).encode()).hexdigest()
    return digest[:24]


def conditional(etag: str | None, render) -> Response:
    if etag is None:
        abort(404)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(render(etag))
    response.set_etag(etag)
    # Results are never stored by browsers or proxies; display.js sends
    # If-None-Match itself, so the 304 path works without a cache.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


def join_qr(poll: Poll) -> Markup:
    url = f"{current_app.config['PUBLIC_URL']}/join?code={poll.event.join_code}"
    return Markup(segno.make(url, error="m").svg_inline(scale=8, border=2))


@bp.route("/<token>")
def poll(token):
    """The projector page of a poll."""

    def render(etag):
        poll = poll_or_404(token)
        view = build(poll, str(get_locale()))
        return render_template(
            "display/poll.html",
            view=view,
            etag=etag,
            qr=join_qr(poll),
            interval=POLL_INTERVAL_MS,
        )

    return conditional(current_etag(token), render)


@bp.route("/<token>/live")
def live(token):
    """The part of the projector page that changes, polled by display.js."""

    def render(etag):
        poll = poll_or_404(token)
        view = build(poll, str(get_locale()))
        return render_template("display/_live.html", view=view, qr=join_qr(poll))

    return conditional(current_etag(token), render)


def plenary_etag(token: str) -> str | None:
    """ETag of the plenary view: the versions of every round of the event."""
    plenary = db.session.scalar(
        sa.select(Poll).filter_by(display_token=token, workshop_id=None)
    )
    if plenary is None:
        return None
    rows = db.session.execute(
        sa.select(Round.id, Round.status, RoundCounter.version)
        .join(Poll, Round.poll_id == Poll.id)
        .join(RoundCounter, RoundCounter.round_id == Round.id)
        .where(Poll.event_id == plenary.event_id)
        .order_by(Round.id)
    ).all()
    state = (plenary.method, plenary.top_k, tuple(map(tuple, rows)), str(get_locale()))
    return hashlib.sha256(repr(state).encode()).hexdigest()[:24]


@bp.route("/<token>/plenary")
def plenary(token):
    """The event-level view: the workshops' closed rounds pooled into one tally."""
    fragment = request.args.get("fragment") == "1"

    def render(etag):
        poll = poll_or_404(token)
        view = build_plenary(poll, str(get_locale()))
        if fragment:
            return render_template("display/_plenary_live.html", view=view)
        return render_template(
            "display/plenary.html", view=view, etag=etag, interval=POLL_INTERVAL_MS
        )

    return conditional(plenary_etag(token), render)
