"""The facilitator's console: events, workshops, polls, participants, rounds."""

from flask import Blueprint

bp = Blueprint("facilitator", __name__, cli_group=None)

from . import cli, views  # noqa: E402,F401
