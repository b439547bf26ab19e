"""Secretariat views: the export page, downloads, the record, the audit log.

Views are thin: they authorise, call :mod:`voting.exports`, record the export
in the audit log and stream the file. ``flask export`` takes the same path.
"""

from __future__ import annotations

import io
from pathlib import Path

import click
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import archive, audit, exports
from ..errors import UserError
from ..models import Event, Poll, Round
from ..permissions import role_required
from ..setup import purge
from . import bp


def _send(export: exports.Export, inline: bool = False) -> Response:
    """Log the export, then stream it as an attachment (or inline)."""
    # The audit chain's head as the file was made (before its own entry),
    # for the files that carry no metadata of their own (PrefLib, weights).
    head = audit.head(export.event_id)
    exports.log_export(export, f"account:{current_user.id}")
    # ``export.mimetype`` is a whole Content-Type (charset included): given
    # as ``mimetype=`` werkzeug would add a second "; charset=utf-8".
    response = Response(
        stream_with_context(iter(export.chunks)), content_type=export.mimetype
    )
    disposition = "inline" if inline else "attachment"
    response.headers.set("Content-Disposition", disposition, filename=export.filename)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Audit-Head-SHA256"] = head
    return response


def _or_404(model, ident: int):
    row = exports.get(model, ident)
    if row is None:
        abort(404)
    return row


def _embed() -> bool:
    """Inline the CSS only in a downloaded record (the page itself links it)."""
    return request.args.get("download") == "1"


def _inline(export: exports.Export) -> bool:
    return export.fmt == "html" and not _embed()


def _download(build, target, fmt: str) -> Response:
    """``build`` (an export of :mod:`voting.exports`) of ``target`` in ``fmt``,
    the record in ``?lang``; an HTML record opens as a page unless
    ``?download=1``."""
    export = build(target, fmt, request.args.get("lang"), embed_css=_embed())
    return _send(export, inline=_inline(export))


@bp.route("/")
@role_required("secretariat")
def index():
    """Events → polls → rounds, with download links per closed round."""
    return render_template(
        "secretariat/index.html",
        events=exports.catalogue(),
        formats=("csv", "xlsx", "json"),
    )


@bp.route("/rounds/<int:round_id>/export.<fmt>")
@role_required("secretariat")
def export_round(round_id: int, fmt: str):
    """One closed round in any format; the record in ``?lang=es`` or ``es+en``."""
    return _download(exports.export_round, _or_404(Round, round_id), fmt)


@bp.route("/polls/<int:poll_id>/export.<fmt>")
@role_required("secretariat")
def export_poll(poll_id: int, fmt: str):
    """Every closed round of a poll together."""
    return _download(exports.export_poll, _or_404(Poll, poll_id), fmt)


@bp.route("/plenary/<int:poll_id>/export.<fmt>")
@role_required("secretariat")
def export_plenary(poll_id: int, fmt: str):
    """The event level: the workshops' last closed rounds pooled for a plenary."""
    return _download(exports.export_plenary, _or_404(Poll, poll_id), fmt)


@bp.route("/rounds/<int:round_id>/named-ballots.<fmt>")
@role_required("secretariat")
def named_ballots(round_id: int, fmt: str):
    """Who ranked what (named polls only; 403 for a secret poll)."""
    round_ = _or_404(Round, round_id)
    export = exports.export_named_ballots(round_, fmt, request.args.get("lang"))
    return _send(export)


@bp.route("/events/<int:event_id>/audit.csv")
@role_required("secretariat")
def audit_log(event_id: int):
    """One table of the event's audit log as CSV (``?table=summary`` or ``chain``)."""
    event = _or_404(Event, event_id)
    return _send(exports.audit_log(event, request.args.get("table", "entries")))


@bp.cli.command("export")
@click.argument("target")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(exports.FORMATS),
    help="toi/soi/soc/toc: the PrefLib ballots as that type (if they fit it); "
    "preflib: in the most restrictive type they fit, named by its extension.",
)
@click.option("--lang", default=None, help="Record language: es, en, pt, fr or es+en.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file ('-' for stdout; default: the export's own name).",
)
def export_command(target: str, fmt: str, lang: str | None, out: Path | None):
    """Export a closed ROUND (id), or poll:ID (all rounds), or plenary:ID.

    The same code path as the secretariat's downloads; each export is
    recorded in the audit log with actor "cli". A PrefLib file of weighted
    ballots is written with its weights companion CSV beside it.
    """
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        kind, _sep, ident = target.rpartition(":")
        if not ident.isdigit() or kind not in ("", "round", "poll", "plenary"):
            raise click.BadParameter(
                "use a round id, poll:ID or plenary:ID", param_hint="TARGET"
            )
        model = Round if kind in ("", "round") else Poll
        row = exports.get(model, int(ident))
        if row is None:
            raise click.ClickException(f"No {model.__name__.lower()} {ident}.")
        make = {
            Round: exports.export_round,
            Poll: exports.export_plenary if kind == "plenary" else exports.export_poll,
        }[model]
        try:
            export = make(row, fmt, lang)
            body = export.read()
        except UserError as error:
            raise click.ClickException(error.message) from None
    exports.log_export(export, "cli")
    if out is not None and str(out) == "-":
        click.echo(body, nl=False)  # bytes go to the binary stdout
        return
    path = out or Path(export.filename)
    path.write_bytes(body)
    click.echo(f"{path} ({len(body)} bytes)", err=True)
    for name, data in export.companions.items():
        companion = path.with_name(name)
        companion.write_bytes(data)
        click.echo(f"{companion} ({len(data)} bytes)", err=True)


# -- the archive, the audit chain and the end of an event --------------------------


@bp.route("/events/<int:event_id>/archive")
@role_required("secretariat")
def archive_page(event_id: int):
    """The event's audit chain check, its archive, and (admins) the purge."""
    event = _or_404(Event, event_id)
    return render_template(
        "secretariat/archive.html", event=event, chain=audit.verify(event.id)
    )


@bp.route("/events/<int:event_id>/archive.zip")
@role_required("secretariat")
def archive_zip(event_id: int):
    """One ZIP: every export, the records, the audit log and a manifest."""
    event = _or_404(Event, event_id)
    body = io.BytesIO()  # a few MB: every file is already held in memory once
    archive.build(event, body, audit.staff(current_user), progress=lambda line: None)
    response = Response(body.getvalue(), content_type="application/zip")
    response.headers.set(
        "Content-Disposition", "attachment", filename=archive.filename(event)
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/events/<int:event_id>/purge", methods=["POST"])
@role_required("admin")
def purge_event(event_id: int):
    """Remove the event's personal data, once its name is typed to confirm."""
    event = _or_404(Event, event_id)
    if not purge.confirmation_matches(event, request.form.get("confirm", "")):
        flash(_("The confirmation does not match: nothing was changed."), "error")
        return render_template(
            "secretariat/archive.html", event=event, chain=audit.verify(event.id)
        ), 400
    try:
        purge.purge(event, audit.staff(current_user))
    except UserError as error:
        flash(error.message, "error")
        return render_template(
            "secretariat/archive.html", event=event, chain=audit.verify(event.id)
        ), error.status
    flash(_("The personal data of the event was removed; it is read-only now."), "info")
    return redirect(url_for("secretariat.archive_page", event_id=event.id))
