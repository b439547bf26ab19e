"""The secretariat's exports and the agreements record."""

from flask import Blueprint

bp = Blueprint("secretariat", __name__, cli_group=None)

from . import routes  # noqa: E402,F401
