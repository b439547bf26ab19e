"""The delegate's pages: join, language choice, ballot, receipt."""

from flask import Blueprint

bp = Blueprint("delegate", __name__, cli_group=None)

from . import ballot, consent, join, room  # noqa: E402,F401
