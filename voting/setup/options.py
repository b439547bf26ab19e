"""A poll's options: added, corrected, removed, moved, or pasted as lists.

Options are added or removed only before the first round opens (ballots refer
to them); their texts can change at any time, with a reason once the poll has
ballots (:mod:`.corrections`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import audit
from ..extensions import db
from ..models import Option, Poll
from . import corrections, refuse
from .events import clean_texts, slugify, unique_slug
from .polls import MAX_OPTIONS, has_started


def _check_options_editable(poll: Poll) -> None:
    if has_started(poll):
        refuse(
            _(
                "Options can be added or removed only before the first round "
                "opens: ballots refer to them."
            ),
            409,
        )


def _record(option: Option, action: str, actor: str, **details) -> None:
    """The audit entry of a change to one option (its event, poll and id)."""
    audit.record(
        actor,
        action,
        option.poll.event_id,
        poll_id=option.poll.id,
        option_id=option.id,
        **details,
    )


def add_option(
    poll: Poll, title: dict, description: dict, actor: str, key: str = ""
) -> Option:
    """Add one option to a poll that has not started."""
    _check_options_editable(poll)
    event = poll.event
    title = clean_texts(title, event.language_list)
    if not title:
        refuse(_("An option needs a title."))
    if len(poll.options) >= MAX_OPTIONS:
        refuse(_("A poll has at most %(n)d options.", n=MAX_OPTIONS))
    taken = {o.key for o in poll.options}
    key = (
        slugify(key, 60)
        if key.strip()
        else unique_slug(
            slugify(title.get(event.default_language) or next(iter(title.values()))),
            taken,
            60,
        )
    )
    if key in taken:
        refuse(_("Another option of this poll uses the key %(key)s.", key=key))
    option = Option(
        poll=poll,
        key=key,
        title=title,
        description=clean_texts(description, event.language_list),
        position=max((o.position for o in poll.options), default=-1) + 1,
    )
    db.session.add(option)
    db.session.flush()
    _record(option, "option_added", actor, key=key)
    db.session.commit()
    return option


def update_option(
    option: Option, title: dict, description: dict, actor: str, reason: str = ""
) -> Option:
    """Change an option's texts (allowed at any time: ballots hold ids; once
    the poll has ballots, with a reason: see :mod:`.corrections`)."""
    event = option.poll.event
    title = clean_texts(title, event.language_list)
    if not title:
        refuse(_("An option needs a title."))
    old = corrections.texts_of(option)
    new = {"title": title, "description": clean_texts(description, event.language_list)}
    why = corrections.reason_for(option.poll, reason, corrections.changed(old, new))
    option.title, option.description = new["title"], new["description"]
    extra = {"key": option.key, "old": old, "new": new, "reason": why} if why else {}
    _record(option, "option_updated", actor, **extra)
    db.session.commit()
    return option


def delete_option(option: Option, actor: str) -> None:
    """Remove an option from a poll that has not started."""
    poll = option.poll
    _check_options_editable(poll)
    _record(option, "option_deleted", actor, key=option.key)
    poll.options.remove(option)
    db.session.commit()


def move_option(option: Option, step: int, actor: str) -> None:
    """Move an option one place up (-1) or down (+1) in the poll's order."""
    options = list(option.poll.options)
    index = options.index(option)
    target = index + step
    if not 0 <= target < len(options):
        return
    options[index], options[target] = options[target], options[index]
    for position, each in enumerate(options):
        each.position = position
    _record(option, "option_moved", actor, position=target)
    db.session.commit()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def bulk_options(
    poll: Poll, pasted: dict[str, str], mode: str, actor: str, reason: str = ""
) -> list[Option]:
    """Paste options one per line per language: line n of each list is option n.

    ``mode`` "append" adds new options (before the first round only);
    "translate" fills the titles of the existing options, in their order.
    """
    event = poll.event
    lists = {lang: _lines(pasted.get(lang)) for lang in event.language_list}
    lists = {lang: lines for lang, lines in lists.items() if lines}
    if not lists:
        refuse(_("Paste at least one line."))
    counts = {len(lines) for lines in lists.values()}
    if len(counts) > 1:
        detail = ", ".join(f"{lang}: {len(lines)}" for lang, lines in lists.items())
        refuse(
            _(
                "Every language needs the same number of lines (%(detail)s).",
                detail=detail,
            )
        )
    count = counts.pop()
    for lines in lists.values():
        if any(len(line) > 300 for line in lines):
            refuse(_("A line is longer than 300 characters."))
    if mode == "translate":
        if count != len(poll.options):
            refuse(
                ngettext(
                    "The poll has %(num)d option but %(m)d lines were pasted.",
                    "The poll has %(num)d options but %(m)d lines were pasted.",
                    len(poll.options),
                    m=count,
                )
            )
        changes = []
        for i, option in enumerate(poll.options):
            old = corrections.texts_of(option)
            title = {**option.title, **{code: v[i] for code, v in lists.items()}}
            new = {**old, "title": title}
            if corrections.changed(old, new):
                changes.append(
                    {"option_id": option.id, "key": option.key, "old": old, "new": new}
                )
            option.title = title
        why = corrections.reason_for(poll, reason, bool(changes))
        extra = {"changes": changes, "reason": why} if why else {}
        audit.record(
            actor,
            "options_translated",
            event.id,
            poll_id=poll.id,
            languages=sorted(lists),
            **extra,
        )
        db.session.commit()
        return list(poll.options)
    if mode != "append":
        refuse(_("Unknown paste mode."))
    _check_options_editable(poll)
    if len(poll.options) + count > MAX_OPTIONS:
        refuse(_("A poll has at most %(n)d options.", n=MAX_OPTIONS))
    taken = {o.key for o in poll.options}
    position = max((o.position for o in poll.options), default=-1) + 1
    created = []
    for i in range(count):
        title = {lang: lines[i] for lang, lines in lists.items()}
        first = title.get(event.default_language) or next(iter(title.values()))
        key = unique_slug(slugify(first), taken, 60)
        taken.add(key)
        option = Option(
            poll=poll, key=key, title=title, description={}, position=position + i
        )
        db.session.add(option)
        created.append(option)
    db.session.flush()
    audit.record(
        actor,
        "options_pasted",
        event.id,
        poll_id=poll.id,
        option_ids=[o.id for o in created],
    )
    db.session.commit()
    return created
