"""The console's views by area, all on the one ``facilitator`` blueprint."""

from . import badges, consent, events, options, people, polls, rounds  # noqa: F401
