"""The record's list of corrections to option texts made once ballots were in."""

from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import gettext as _

from ..models import Poll
from ..setup import corrections


def rows(poll: Poll) -> list[tuple[str, str]]:
    """``(when, what and why)`` per corrected text, in the current language."""
    fields = {"title": _("title"), "description": _("description")}
    return [
        (
            format_datetime(c.at, "medium") + " UTC",
            _(
                "Option %(key)s, %(field)s (%(lang)s): “%(old)s” became “%(new)s”. "
                "Reason: %(reason)s",
                key=c.key,
                field=fields.get(c.field, c.field),
                lang=c.lang,
                old=c.old or "–",
                new=c.new or "–",
                reason=c.reason,
            ),
        )
        for c in corrections.for_poll(poll)
    ]
