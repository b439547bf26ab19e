"""What every console view shares: access, the actor, form pages, POST actions.

Views parse the request, authorise (:func:`load`), call a service and render.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import abort, current_app, flash, redirect, render_template
from flask_babel import get_locale
from flask_login import current_user

from ... import audit, permissions
from ...errors import UserError
from ...extensions import db
from ...models import Event
from .. import bp, forms

FACILITATOR = "facilitator"


def load(model, object_id: int):
    """The object with this id, if the signed-in user manages it (404 / 403)."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if not permissions.can_manage(current_user, obj):
        abort(403)
    return obj


def actor() -> str:
    """The audit actor for the signed-in staff member."""
    return audit.staff(current_user)


def lang() -> str:
    """The page's language code."""
    return str(get_locale())


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
    return {"lang": lang()}


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


def invalid_status(form) -> int:
    """400 for a submitted form with errors, else 200."""
    return 400 if form.errors else 200


def form_page(form, title: str, event: Event | None, save, done, target, **extra):
    """A console form: on a valid submit call ``save()``, flash ``done`` and
    redirect to ``target``; else (re)render the form — with the service's
    message and status when it refused.

    ``done`` and ``target`` may be functions of what ``save()`` returned.
    """
    if form.validate_on_submit():
        try:
            saved = save()
        except UserError as error:
            flash(error.message, "error")
            return render_form(form, title, event, error.status, **extra)
        flash(done(saved) if callable(done) else done, "info")
        return redirect(target(saved) if callable(target) else target)
    return render_form(form, title, event, invalid_status(form), **extra)


def require_action() -> None:
    """Refuse (400) a console button whose form (CSRF token) does not validate."""
    if not forms.ActionForm().validate_on_submit():
        abort(400)


def post_action(run, done: str, target: str, on_error):
    """A console button: check it, ``run()``, flash ``done`` and redirect to
    ``target``; a refusal is flashed and ``on_error(status)`` rendered."""
    require_action()
    try:
        run()
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        return on_error(error.status)
    flash(done, "info")
    return redirect(target)
