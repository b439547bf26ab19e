"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from flask import jsonify

from .. import __version__
from ..errors import render_error
from ..extensions import db
from . import bp

#: The largest id a database row can have (PostgreSQL ``integer``).
MAX_ID = 999_999_999  # the URL converter takes at most 9 digits
_ERROR = {"$ref": "#/components/responses/Error"}
_RANKING = {
    "type": "array",
    "description": "Tiers of option ids, best first; ids in one tier are equal ranks; "
    "options left out are unranked.",
    "items": {"type": "array", "items": {"type": "integer"}},
}


def _path_id(name: str) -> dict:
    """A row id in the path: ids are 32-bit integers (PostgreSQL ``integer``)."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }


def _schema(name: str) -> dict:
    """A reference to the schema ``name`` of the components."""
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    """A JSON body of ``schema``."""
    return {"application/json": {"schema": schema}}


def _errors(*codes: str) -> dict:
    """The responses ``codes``, each an {error, message} body."""
    return dict.fromkeys(codes, _ERROR)


_ROUND_ID = _path_id("round_id")
_PROPOSAL_ID = _path_id("proposal_id")
_TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}

#: Headers of the delegate's write requests: the page's CSRF token, and an
#: optional key that makes a retry count once.
_WRITE_HEADERS = [
    {
        "name": "X-CSRFToken",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
    },
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 80},
    },
]


def document() -> dict:
    """The OpenAPI document (a plain dict, so tests can read it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Prioriza API",
            "version": __version__,
            "description": "JSON endpoints used by the delegate's ballot page and the "
            "projector display. Delegate endpoints need the session cookie set by a "
            "personal link or an event code; POST needs the page's CSRF token in "
            "X-CSRFToken. Errors are {error, message} in the user's language.",
        },
        "paths": {
            "/api/rounds/{round_id}/ballot": {
                "parameters": [_ROUND_ID],
                "get": {
                    "operationId": "getBallot",
                    "summary": "The delegate's current ballot in a round",
                    "responses": {
                        "200": {
                            "description": "The ballot, or null",
                            "content": _json(_schema("BallotState")),
                        },
                        **_errors("400", "401", "403", "404"),
                    },
                },
                "post": {
                    "operationId": "castBallot",
                    "summary": "Record or revise the delegate's ballot (open round)",
                    "parameters": _WRITE_HEADERS,
                    "requestBody": {
                        "required": True,
                        "content": _json(
                            {
                                "type": "object",
                                "required": ["ranking"],
                                "properties": {"ranking": _RANKING},
                            }
                        ),
                    },
                    "responses": {
                        "200": {"$ref": "#/components/responses/Receipt"},
                        "201": {"$ref": "#/components/responses/Receipt"},
                        **_errors(
                            "400", "401", "403", "404", "409", "413", "422", "429"
                        ),
                    },
                },
            },
            "/api/display/{token}/tally": {
                "parameters": [_TOKEN],
                "get": {
                    "operationId": "getDisplayTally",
                    "summary": "Turnout and, when visible, the tally of a poll's "
                    "latest round (answers 304 to a matching If-None-Match)",
                    "responses": {
                        "200": {
                            "description": "Turnout and tally",
                            "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": _json(_schema("DisplayTally")),
                        },
                        "304": {"description": "Unchanged since the given ETag"},
                        "404": _ERROR,
                    },
                },
            },
            "/api/proposals/{proposal_id}/answer": {
                "parameters": [_PROPOSAL_ID],
                "post": {
                    "operationId": "answerProposal",
                    "summary": "Agree, stand aside or object to a proposed priority "
                    "list while its consent check is open",
                    "parameters": _WRITE_HEADERS,
                    "requestBody": {
                        "required": True,
                        "content": _json(_schema("ConsentRequest")),
                    },
                    "responses": {
                        "200": {
                            "description": "The answer as recorded",
                            "content": _json(_schema("ConsentAnswer")),
                        },
                        **_errors("400", "401", "403", "404", "409", "413", "422"),
                    },
                },
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "getOpenAPI",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": _json({"type": "object"}),
                        }
                    },
                },
            },
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "An error, explained in the user's language",
                    "content": _json(_schema("Error")),
                },
                "Receipt": {
                    "description": "The ballot as recorded",
                    "content": _json(_schema("Receipt")),
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
                "Receipt": {
                    "type": "object",
                    "required": ["receipt_code", "revision", "ranking", "round_id"],
                    "properties": {
                        "receipt_code": {"type": "string"},
                        "revision": {"type": "integer", "minimum": 1},
                        "ranking": _RANKING,
                        "round_id": {"type": "integer"},
                    },
                },
                "BallotState": {
                    "type": "object",
                    "required": ["round_id", "round_status", "ballot"],
                    "properties": {
                        "round_id": {"type": "integer"},
                        "round_status": {"enum": ["draft", "open", "closed"]},
                        "ballot": {
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "required": [
                                        "receipt_code",
                                        "revision",
                                        "ranking",
                                        "updated_at",
                                    ],
                                    "properties": {
                                        "receipt_code": {"type": "string"},
                                        "revision": {"type": "integer"},
                                        "ranking": _RANKING,
                                        "updated_at": {"type": "string"},
                                    },
                                },
                            ]
                        },
                    },
                },
                "DisplayTally": {
                    "type": "object",
                    "required": [
                        "poll_id",
                        "round",
                        "turnout",
                        "results_visible",
                        "tally",
                    ],
                    "properties": {
                        "poll_id": {"type": "integer"},
                        "round": {
                            "type": "object",
                            "properties": {
                                "number": {"type": "integer"},
                                "status": {"enum": ["draft", "open", "closed"]},
                                "version": {"type": "integer"},
                            },
                        },
                        "turnout": {
                            "type": "object",
                            "properties": {
                                "ballots": {"type": "integer"},
                                "participants": {"type": "integer"},
                                "delegations_voted": {"type": "integer"},
                                "delegations_total": {"type": "integer"},
                            },
                        },
                        "results_visible": {"type": "boolean"},
                        "tally": {
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "required": [
                                        "method",
                                        "ranking",
                                        "scores",
                                        "winner",
                                        "ties",
                                    ],
                                    "properties": {
                                        "method": {"type": "string"},
                                        "ranking": _RANKING,
                                        "scores": {"type": "object"},
                                        "winner": {"type": ["integer", "null"]},
                                        "ties": {"type": "boolean"},
                                        "consensus": {"type": "object"},
                                        "params": {"type": "object"},
                                    },
                                },
                            ]
                        },
                    },
                },
                "ConsentRequest": {
                    "type": "object",
                    "required": ["answer"],
                    "properties": {
                        "answer": {"enum": ["agree", "stand_aside", "object"]},
                        "reason": {"type": "string", "maxLength": 500},
                    },
                },
                "ConsentAnswer": {
                    "type": "object",
                    "required": ["answer", "reason", "revision"],
                    "properties": {
                        "answer": {"enum": ["agree", "stand_aside", "object"]},
                        "reason": {"type": "string"},
                        "revision": {"type": "integer"},
                    },
                },
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document())


@bp.errorhandler(RecursionError)
def unreadable_input(error):
    """JSON nested deeper than the parser can follow: a 400, nothing stored."""
    db.session.rollback()
    return render_error(400)
