"""Ballot endpoints for the delegate page script.

Both need the delegate's session cookie (set by ``/j/<token>`` or ``/join``);
POST also needs the CSRF token of the page in the ``X-CSRFToken`` header.
Errors are JSON ``{"error": <short title>, "message": <what to do>}``, both in
the delegate's language. Nothing here ever exposes a ballot id.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from ..ballots import cast, current_ballot
from ..delegates import (
    awaiting_admission,
    current_participant,
    joined_by_code,
    may_vote,
    round_for,
    session_ended_message,
    waiting_message,
)
from ..errors import UserError, fail
from ..extensions import db
from ..models import Participant, Round
from . import bp


def _participant() -> Participant:
    participant = current_participant()
    if participant is None:
        fail(401, session_ended_message())
    if awaiting_admission(participant):
        fail(403, waiting_message())
    return participant


def _participant_and_round(round_id: int) -> tuple[Participant, Round]:
    participant = _participant()
    round_ = round_for(round_id)
    if round_ is None or not may_vote(participant, round_.poll):
        fail(400, _("This ballot is for a round you cannot vote in."))
    return participant, round_


@bp.post("/rounds/<int:round_id>/ballot")
def cast_ballot(round_id: int):
    """Record or revise the delegate's ballot in an open round.

    Request body (JSON): ``{"ranking": [[<option id>, …], …]}`` — tiers of
    option ids, best first; several ids in one tier are equal ranks (only
    where the poll allows ties); options left out are unranked.
    Headers: ``X-CSRFToken`` (required), ``Idempotency-Key`` (optional, 1–80
    characters; a retry with the same key and ranking replays the first
    answer and is counted once).

    Responses (JSON):
      - 201 first ballot of the delegate in the round, 200 a revision (or a
        replay of one): ``{"receipt_code": str, "revision": int,
        "ranking": [[int, …], …], "round_id": int}``; a replay carries the
        header ``Idempotent-Replayed: true``.
      - 400 invalid ranking (unknown option, listed twice, equal ranks where
        forbidden, empty, missing options where every one must be ranked), a
        round the delegate cannot vote in, a bad key or a missing CSRF token.
      - 401 no delegate session (or one ended by a reissued link).
      - 403 a walk-in (joined with the event code) the facilitator has not
        admitted yet: nothing stored.
      - 409 the round is closed or not open yet: nothing stored.
      - 422 the same ``Idempotency-Key`` was used with a different ranking.
    """
    participant = _participant()
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or "ranking" not in payload:
        fail(400, _("The ranking must be a list of groups of options."))
    try:
        result = cast(
            participant,
            round_id,
            payload["ranking"],
            request.headers.get("Idempotency-Key"),
            by_code=joined_by_code(),
        )
    except UserError as error:
        db.session.rollback()
        fail(error.status, error.message)
    response = jsonify(result.as_dict())
    response.status_code = 201 if result.revision == 1 else 200
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/rounds/<int:round_id>/ballot")
def get_ballot(round_id: int):
    """The delegate's current ballot in a round (to resume editing).

    Response 200 (JSON): ``{"round_id": int, "round_status":
    "open"|"closed", "ballot": null | {"receipt_code": str, "revision": int,
    "ranking": [[int, …], …], "updated_at": ISO 8601 UTC}}``.
    401 without a delegate session; 400 for a round the delegate cannot vote in;
    403 for a walk-in not admitted yet.
    """
    participant, round_ = _participant_and_round(round_id)
    ballot = current_ballot(participant, round_)
    body = {"round_id": round_.id, "round_status": str(round_.status), "ballot": None}
    if ballot is not None:
        body["ballot"] = {
            "receipt_code": ballot.receipt_code,
            "revision": ballot.revision,
            "ranking": ballot.ranking,
            "updated_at": ballot.updated_at.isoformat() + "Z",
        }
    return jsonify(body)
