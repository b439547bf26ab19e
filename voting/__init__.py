"""Prioriza: delegates rank proposed areas, the room gets a recorded priority list.

Importing the package costs nothing: the application factory
(:func:`create_app` and its helpers, in :mod:`voting.factory`) loads on
first use, so ``voting.aggregation`` and ``voting.tally_cli`` start without
Flask, SQLAlchemy or the views.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("prioriza")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0+unknown"

#: Names of :mod:`voting.factory` that ``voting.NAME`` gives.
FACTORY = (
    "create_app",
    "register_converters_and_guards",
    "check_config",
    "configure_sqlite",
    "select_locale",
    "current_languages",
    "set_security_headers",
    "IdConverter",
)


def __getattr__(name):
    if name in FACTORY:
        from . import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'voting' has no attribute {name!r}")
