"""Ballot endpoints for the delegate page script."""

from . import bp  # noqa: F401
