"""Joining: a personal link (or its QR), the event code, then the language.

Failed look-ups count against the address and the code or link typed
(:mod:`voting.throttle`); a valid join is never refused.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import throttle
from ..delegates import (
    by_token,
    delegate_required,
    event_for_code,
    join_by_code,
    join_workshops,
    lang,
    start_session,
)
from ..errors import fail
from ..extensions import db
from ..models import Event, Participant, normalise_join_code
from . import bp, cli  # noqa: F401  (cli registers `flask delegate-link`)
from .forms import CodeForm, DetailsForm, LanguageForm

# --- rate limits --------------------------------------------------------------


def _join_limit() -> str:
    return current_app.config.get("DELEGATE_JOIN_LIMIT", "20 per minute")


def lookup_failed(scope: str, typed: str) -> None:
    """Count a failed look-up against the address and what was typed; 429
    once either is spent. A valid link or code never comes here: it is never
    refused because of others' failures (see :mod:`voting.throttle`)."""
    throttle.failed(scope, _join_limit(), typed)


# --- join -----------------------------------------------------------------------


@bp.route("/j/<token>")
def link(token: str):
    """Join with a personal link (or its QR): start a session, ask the language."""
    participant = by_token(token)
    if participant is None:
        lookup_failed("delegate-join", token)
        fail(
            404,
            _(
                "This personal link is not valid. It may have been replaced by a "
                "newer one: ask the organisers for your current link."
            ),
        )
    start_session(participant, "link")
    return redirect(url_for(".language"))


def wrong_code_message() -> str:
    return _(
        "This code is not valid, or the event is not open to joining with a code. "
        "Check the code on the screen and try again."
    )


def _details_form(event: Event, **kwargs) -> DetailsForm:
    form = DetailsForm(**kwargs)
    form.delegation.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(str(d.id), d.name) for d in event.delegations
    ]
    if not event.delegations:
        # An event without delegations: nothing to choose.
        del form.delegation
    workshops = join_workshops(event)
    if len(workshops) > 1:
        current = lang()
        form.workshop.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(str(w.id), w.title(current)) for w in workshops
        ]
    else:
        # One workshop (or only plenary polls) open to walk-ins: no choice.
        del form.workshop
    return form


def _code_page(form: CodeForm, error: str | None, status: int):
    return current_app.make_response(
        (render_template("delegate/join.html", form=form, error=error), status)
    )


def _details_page(form: DetailsForm, event: Event, status: int = 200):
    return current_app.make_response(
        (
            render_template(
                "delegate/join_details.html", form=form, event=event, lang=lang()
            ),
            status,
        )
    )


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Join an open-mode event with its code: code → name, delegation (and
    workshop, when several are open to walk-ins) → language. The walk-in then
    waits for a facilitator to admit them (see :mod:`voting.lobby`).

    ``GET /join?code=…`` is what the projector's QR opens.
    """
    if request.method == "GET":
        raw = request.args.get("code", "")
        if not raw:
            return _code_page(CodeForm(), None, 200)
        event = event_for_code(raw)
        if event is None:
            lookup_failed("delegate-join", normalise_join_code(raw))
            return _code_page(CodeForm(code=raw), wrong_code_message(), 404)
        return _details_page(_details_form(event, code=normalise_join_code(raw)), event)

    if "name" not in request.form:
        form = CodeForm()
        if not form.validate_on_submit():
            return _code_page(form, None, 400)
        event = event_for_code(form.code.data)
        if event is None:
            lookup_failed("delegate-join", normalise_join_code(form.code.data))
            return _code_page(form, wrong_code_message(), 404)
        code = normalise_join_code(form.code.data)
        return _details_page(
            _details_form(event, formdata=None, code=code),
            event,
        )

    event = event_for_code(request.form.get("code", ""))
    if event is None:
        lookup_failed(
            "delegate-join", normalise_join_code(request.form.get("code", ""))
        )
        return _code_page(
            CodeForm(formdata=None, code=request.form.get("code", "")),
            wrong_code_message(),
            404,
        )
    form = _details_form(event)
    if not form.validate_on_submit():
        return _details_page(form, event, 400)
    delegation_id = int(form.delegation.data) if "delegation" in form else None
    workshop_id = int(form.workshop.data) if "workshop" in form else None
    participant = join_by_code(
        event, form.name.data, delegation_id, session.get("lang"), workshop_id
    )
    start_session(participant, "code")
    return redirect(url_for(".language"))


# --- language -------------------------------------------------------------------


@bp.route("/vote/language", methods=["GET", "POST"])
@delegate_required
def language(participant: Participant):
    """Language first: es / en / pt / fr, preselected from the browser."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        participant.language = form.lang.data
        db.session.commit()
        return redirect(url_for(".polls"))
    if request.method == "GET":
        languages = current_app.config["LANGUAGES"]
        form.lang.data = (
            session.get("lang")
            or request.accept_languages.best_match(languages)
            or (participant.language if participant.language in languages else None)
            or participant.event.default_language
        )
    status = 400 if form.errors else 200
    page = render_template(
        "delegate/language.html",
        form=form,
        names=current_app.config["LANGUAGE_NAMES"],
        lang=lang(),
    )
    return current_app.make_response((page, status))
