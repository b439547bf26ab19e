"""The delegate's pages: join, language choice, ballot, receipt."""

from flask import Blueprint

bp = Blueprint("delegate", __name__)

from . import routes  # noqa: E402,F401
