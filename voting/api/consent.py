"""The consent-check endpoint for the delegate's phone (see openapi.json).

Needs the delegate's session cookie and, for POST, the page's CSRF token in
``X-CSRFToken``. Errors are JSON ``{"error", "message"}`` in the delegate's
language, like the ballot endpoints.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from .. import adoption
from ..ballots import MAX_KEY_LENGTH
from ..delegates import (
    answerable_proposal,
    current_participant,
    session_ended_message,
)
from ..errors import UserError, fail
from ..extensions import db
from . import bp


@bp.post("/proposals/<int:proposal_id>/answer")
def answer_proposal(proposal_id: int):
    """Agree, stand aside or object to a proposed list while its check is open.

    Request body (JSON): ``{"answer": "agree"|"stand_aside"|"object",
    "reason": str}`` — the reason (at most 500 characters) is required for an
    objection. Headers: ``X-CSRFToken`` (required), ``Idempotency-Key``
    (optional, 1–80 characters).

    Responses (JSON): 200 ``{"answer", "reason", "revision"}`` (a replay
    carries ``Idempotent-Replayed: true``); 400 bad body or key; 401 no
    delegate session; 403 a proposal the delegate cannot answer, or a walk-in
    not admitted yet; 404 no such proposal; 409 the check is closed (nothing
    stored); 422 the same key was used with another answer.
    """
    participant = current_participant()
    if participant is None:
        fail(401, session_ended_message())
    proposal = answerable_proposal(participant, proposal_id)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or "answer" not in payload:
        fail(400, _("Choose agree, stand aside or object."))
    reason = payload.get("reason", "")
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        fail(400, _("The reason must be text."))
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 0 < len(key) <= MAX_KEY_LENGTH:
        fail(400, _("The submission key is invalid."))
    try:
        result = adoption.answer(
            participant, proposal.id, payload["answer"], reason, key or None
        )
    except UserError as error:  # UserError, or 422 for a reused key
        db.session.rollback()
        fail(error.status, error.message)
    response = jsonify(
        {"answer": result.answer, "reason": result.reason, "revision": result.revision}
    )
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
