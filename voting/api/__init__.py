"""JSON endpoints used by the pages' scripts, described in openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import ballot, consent, routes, tally  # noqa: E402,F401
