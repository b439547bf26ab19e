"""The console's views by area, all on the one ``facilitator`` blueprint."""

from . import (  # noqa: F401
    badges,
    consent,
    events,
    live,
    lobby,
    options,
    people,
    polls,
    rounds,
)
