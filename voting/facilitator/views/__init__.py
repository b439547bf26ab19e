"""The console's views by area, all on the one ``facilitator`` blueprint."""

from . import (  # noqa: F401
    accounts,
    badges,
    consent,
    copies,
    events,
    live,
    lobby,
    options,
    paper,
    people,
    polls,
    rounds,
)
