"""What may be shown of a round's ballots: one rule for every view and export.

A secret poll's ballots are nobody's business. Every path that shows or
exports anything of a round (projector page and fragment, the display API,
the plenary, proposals, the record and the files) asks this module, so that
no path can publish what another one hides.

The rules:

- **Minimum.** Nothing of a secret round's tally is shown, exported or
  proposed below :data:`MIN_SECRET_BALLOTS` ballots; in a pooled view (the
  plenary) each workshop's part counts on its own.
- **Batches.** While a secret round is open, what the room sees (tally and
  turnout alike) is a *publication*, refreshed only once the poll's
  ``publish_every`` (k ≥ :data:`MIN_BATCH`) ballot changes, casts and
  revisions, have arrived since the last one: no published change can be
  pinned on fewer than k ballots. Closing the round publishes the final
  result.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from .models import Poll, Round, RoundStatus

#: A secret poll's tally is shown only from this many ballots on, so that a
#: very small room cannot read individual ballots off the result.
MIN_SECRET_BALLOTS = 3
#: The smallest batch a secret poll may publish its live results in.
MIN_BATCH = 3
#: The batch of a new poll.
DEFAULT_BATCH = 5
#: Where a poll's results are shown: live on the projector, on the projector
#: once the round closes, or never on the projector (console and record only).
VISIBILITIES = ("live", "hidden", "console")


@dataclass(frozen=True)
class Decision:
    """Whether a round's result may be shown, and why not when it may not."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def results(poll: Poll, round_: Round, ballots: int) -> Decision:
    """May the room see this round's tally (ranking, scores, charts)?"""
    if ballots == 0:
        return Decision(False, _("No ballots yet."))
    if poll.results_visibility == "hidden" and round_.status != RoundStatus.CLOSED:
        return Decision(False, _("Results are hidden until the round closes."))
    if _too_few(poll, ballots):
        return Decision(
            False,
            _("Results appear once %(n)d ballots are in.", n=MIN_SECRET_BALLOTS),
        )
    return Decision(True)


def projector(poll: Poll, round_: Round, ballots: int) -> Decision:
    """May the projector (page, fragment, display API) show this round's tally?

    As :func:`results`, and never for a poll whose results stay on the console.
    """
    if poll.results_visibility == "console" and ballots:
        return _console_only()
    return results(poll, round_, ballots)


def projector_plenary(poll: Poll) -> Decision:
    """May the projector show the plenary consolidation of ``poll``? (Each
    workshop's part is still held to :data:`MIN_SECRET_BALLOTS`.)"""
    if poll.results_visibility == "console":
        return _console_only()
    return Decision(True)


def _console_only() -> Decision:
    return Decision(False, _("The results of this poll are shown on the console only."))


def ballot_file(poll: Poll, ballots: int) -> Decision:
    """May the ballots themselves be published (the PrefLib file, the tables)?"""
    if _too_few(poll, ballots):
        return Decision(
            False,
            _(
                "A secret ballot with fewer than %(n)d ballots is not exported: "
                "the file would reveal how those few delegates voted.",
                n=MIN_SECRET_BALLOTS,
            ),
        )
    return Decision(True)


def proposal(poll: Poll, ballots: int) -> Decision:
    """May the round's ranking be proposed for adoption (and so projected)?"""
    if _too_few(poll, ballots):
        return Decision(
            False,
            _(
                "A secret round with fewer than %(n)d ballots cannot be proposed: "
                "the list on the projector would reveal how those few delegates "
                "voted.",
                n=MIN_SECRET_BALLOTS,
            ),
        )
    return Decision(True)


def batched(poll: Poll, round_: Round) -> bool:
    """Is what the room sees of this round a publication (secret and open)?"""
    return poll.secret and round_.status == RoundStatus.OPEN


def publication_due(poll: Poll, changes: int, published: int | None) -> bool:
    """Publish now? ``changes`` ballot changes so far, ``published`` at the
    last publication (None: nothing published yet)."""
    return changes - (published or 0) >= max(poll.publish_every, MIN_BATCH)


def batch_note(poll: Poll) -> str:
    """The rule as the projector states it."""
    return _(
        "Secret ballot: results update every %(k)d ballots.",
        k=max(poll.publish_every, MIN_BATCH),
    )


def _too_few(poll: Poll, ballots: int) -> bool:
    return poll.secret and ballots < MIN_SECRET_BALLOTS
