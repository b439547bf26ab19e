"""Setting up an event: every mutation of the set-up, with its audit entry.

Views and CLI commands call the functions of :mod:`.events`, :mod:`.polls`,
:mod:`.options` (with :mod:`.corrections`), :mod:`.people`, :mod:`.imports`
and :mod:`.badges`; each one checks its input,
changes the database, appends an audit entry (:func:`voting.audit.record`)
naming the actor and commits — or raises :class:`voting.errors.UserError`
having stored nothing. Round transitions live in :mod:`voting.rounds`.
"""

from __future__ import annotations

import hashlib
import json

from ..errors import UserError
from ..extensions import db


def refuse(message: str, status: int = 400, errors=None):
    """Roll back the session and raise :class:`UserError`: nothing is stored."""
    db.session.rollback()
    raise UserError(message, status, errors)


# --- optimistic concurrency of the console's edit forms ---------------------


def _day(value):
    return value.date().isoformat() if value else None


def _editable(obj) -> dict:
    """``{key: current value}`` of what the console's edit form of ``obj``
    edits; a key names the form field (or the prefix of its per-language
    fields), a value is what the form shows (ids, 0 for none, "" for empty)."""
    kind = type(obj).__name__
    if kind == "Event":
        return {
            "name": obj.name,
            "languages": obj.languages,
            "venue": obj.venue or "",
            "starts_on": _day(obj.starts_on),
            "ends_on": _day(obj.ends_on),
        }
    if kind == "Workshop":
        return {
            "name": obj.name,
            "facilitators": sorted(a.id for a in obj.facilitators),
        }
    if kind == "Poll":
        from .polls import POLL_SETTINGS

        return {
            "question": obj.question,
            # The option titles, a list per language, as the paste form shows
            # them (its "translate" mode rewrites them).
            "lines": {
                code: "\n".join(o.title.get(code, "") for o in obj.options)
                for code in obj.event.language_list
            },
        } | {key: getattr(obj, key) for key in POLL_SETTINGS}
    if kind == "Option":
        return {"title": obj.title, "description": obj.description}
    if kind == "Delegation":
        return {"code": obj.code, "name": obj.name}
    if kind == "Participant":
        return {
            "name": obj.name,
            "delegation": obj.delegation_id or 0,
            "workshop": obj.workshop_id or 0,
            "email": obj.email or "",
            "language": obj.language or "",
        }
    if kind == "Account":
        return {"role": obj.role, "workshops": sorted(w.id for w in obj.workshops)}
    raise TypeError(f"no edit form for {kind}")


def editable_state(obj, keys=None) -> dict:
    """The current values of ``keys`` (default: all) of :func:`_editable`."""
    state = _editable(obj)
    return {key: state[key] for key in (state if keys is None else keys)}


def _digest(key: str, value) -> str:
    """SHA-256 (first 16 hex digits) of the canonical JSON of ``[key, value]``."""
    text = json.dumps(
        [key, value],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(obj, keys=None) -> str:
    """A fingerprint of the editable state of ``obj`` (``keys``, default all):
    ``key:digest`` per field, joined by ``.`` — equal while nobody changed
    them, and telling which field changed when not."""
    state = editable_state(obj, keys)
    return ".".join(f"{key}:{_digest(key, value)}" for key, value in state.items())


def changed_since(obj, submitted: str | None, keys=None) -> list[str]:
    """The keys whose stored value differs from the one the ``submitted``
    fingerprint was made of (all of them for an unreadable fingerprint)."""
    seen = dict(
        part.partition(":")[::2] for part in (submitted or "").split(".") if part
    )
    state = editable_state(obj, keys)
    return [key for key, value in state.items() if seen.get(key) != _digest(key, value)]
