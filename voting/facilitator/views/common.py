"""What every console view shares: access, the actor, form pages, POST actions.

Views parse the request, authorise (:func:`load`), call a service and render.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import abort, current_app, flash, redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ... import audit, permissions, setup
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


def form_page(
    form, title: str, event: Event | None, save, done, target, edits=None, **extra
):
    """A console form: on a valid submit call ``save()``, flash ``done`` and
    redirect to ``target``; else (re)render the form — with the service's
    message and status when it refused.

    ``done`` and ``target`` may be functions of what ``save()`` returned.
    ``edits`` is the object an edit form changes: the form carries its
    fingerprint as rendered, and a save over a change made meanwhile is
    refused (409, see :func:`stale_answer`); without one the request is a 400.
    """
    keys = versioned(form, edits)
    if edits is not None and request.method == "GET":
        form.fingerprint.data = setup.fingerprint(edits, keys)
    elif edits is not None and "fingerprint" not in request.form:
        abort(400)
    if form.validate_on_submit():
        if edits is not None:
            changed = setup.changed_since(edits, form.fingerprint.data, keys)
            if changed:
                return stale_answer(form, edits, keys, changed, title, event, extra)
        return save_then_redirect(
            save,
            done,
            target,
            lambda error: render_form(form, title, event, error.status, **extra),
        )
    return render_form(form, title, event, invalid_status(form), **extra)


def save_then_redirect(save, done, target, refused):
    """A valid submit: call ``save()``, flash ``done`` and redirect to
    ``target`` (either may be a function of what ``save()`` returned); a
    refusal is flashed and ``refused(error)`` rendered."""
    try:
        saved = save()
    except UserError as error:
        flash(error.message, "error")
        return refused(error)
    flash(done(saved) if callable(done) else done, "info")
    return redirect(target(saved) if callable(target) else target)


def versioned(form, edits) -> list[str] | None:
    """The keys of ``edits`` that ``form`` edits (a create form: no
    fingerprint field, ``None``)."""
    if edits is None:
        if "fingerprint" in form:
            del form.fingerprint
        return None
    translated = form.translated_prefixes()
    return [
        key for key in setup.editable_state(edits) if key in translated or key in form
    ]


def stale_answer(form, edits, keys, changed, title, event, extra):
    """409: someone saved ``changed`` meanwhile. Nothing is stored; the form
    keeps the user's input and now carries the current fingerprint, so that
    saving again (having read what changed) replaces the other change."""
    db.session.rollback()
    now = setup.editable_state(edits, changed)
    flash(
        _(
            "Someone else saved this meanwhile, so nothing was stored. Changed: "
            "%(changes)s. Your input is kept below; save again to replace "
            "those values.",
            changes="; ".join(
                f"{field_label(form, key)}: {shown(form, key, now[key])}"
                for key in changed
            ),
        ),
        "error",
    )
    form.fingerprint.data = setup.fingerprint(edits, keys)
    return render_form(form, title, event, 409, **extra)


def field_label(form, key: str) -> str:
    """The label of the field ``key`` (or of its per-language fields)."""
    if key in form.translated_prefixes():
        key = f"{key}_{current_app.config['LANGUAGES'][0]}"
    return str(form[key].label.text)


def shown(form, key: str, value) -> str:
    """A stored value as the form's field shows it (choice labels, yes/no)."""
    empty = _("(empty)")
    if key in form.translated_prefixes():
        texts = [f"{code}: {text}" for code, text in (value or {}).items() if text]
        return ", ".join(texts) or empty
    field = form[key]
    if field.type == "BooleanField":
        return _("yes") if value else _("no")
    labels = {c.value: str(c.label) for c in getattr(field, "choices", None) or []}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value) or empty
    if labels:
        return labels.get(value, str(value))
    return str(value) if value not in (None, "") else empty


def require_action() -> None:
    """Refuse (400) a console button whose form (CSRF token) does not validate."""
    if not forms.ActionForm().validate_on_submit():
        abort(400)


def object_action(obj, service, done: str, target: str, on_error):
    """A console button that runs ``service(obj, actor)`` (see :func:`post_action`)."""
    return post_action(lambda: service(obj, actor()), done, target, on_error)


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
