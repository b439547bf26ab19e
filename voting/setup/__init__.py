"""Setting up an event: every mutation of the set-up, with its audit entry.

Views and CLI commands call the functions of :mod:`.events`, :mod:`.polls`,
:mod:`.options` (with :mod:`.corrections`), :mod:`.people`, :mod:`.imports`
and :mod:`.badges`; each one checks its input,
changes the database, appends an audit entry (:func:`voting.audit.record`)
naming the actor and commits — or raises :class:`voting.errors.UserError`
having stored nothing. Round transitions live in :mod:`voting.rounds`.
"""

from __future__ import annotations

from ..errors import UserError
from ..extensions import db


def refuse(message: str, status: int = 400, errors=None):
    """Roll back the session and raise :class:`UserError`: nothing is stored."""
    db.session.rollback()
    raise UserError(message, status, errors)
