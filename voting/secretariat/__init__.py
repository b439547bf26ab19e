"""The secretariat's exports and the agreements record."""

from flask import Blueprint

bp = Blueprint("secretariat", __name__)

from . import routes  # noqa: E402,F401
