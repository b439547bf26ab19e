"""Delegate views (thin: parse, authorise, call ``ballots``, render)."""

from . import bp  # noqa: F401
