"""The projector display and the tally fragments it polls."""

from flask import Blueprint

bp = Blueprint("display", __name__)

from . import routes  # noqa: E402,F401
