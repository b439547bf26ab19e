"""Tally and turnout endpoints polled by the projector display."""

from . import bp  # noqa: F401
