"""Prioriza: delegates rank proposed areas, the room gets a recorded priority list.

Importing the package costs nothing: ``__version__`` and the application factory
(:func:`create_app` and its helpers, in :mod:`voting.factory`) load on
first use, so ``voting.aggregation`` and ``voting.tally_cli`` start without
Flask, SQLAlchemy or the views.
"""

from __future__ import annotations

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
    if name == "__version__":  # read from the installed metadata on first use
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("prioriza")
        except PackageNotFoundError:  # a checkout that was not installed
            value = "0.0.0+unknown"
        globals()["__version__"] = value
        return value
    if name in FACTORY:
        from . import factory

        return getattr(factory, name)
    raise AttributeError(f"module 'voting' has no attribute {name!r}")
