"""What may be shown of a round's ballots: one rule for every view and export.

A secret poll's ballots are nobody's business. Every path that shows or
exports anything of a round (projector page and fragment, the display API,
the plenary, proposals, the record and the files) asks this module, so that
no path can publish what another one hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from .models import Poll, Round, RoundStatus

#: A secret poll's tally is shown only from this many ballots on, so that a
#: very small room cannot read individual ballots off the result.
MIN_SECRET_BALLOTS = 3


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


def _too_few(poll: Poll, ballots: int) -> bool:
    return poll.secret and ballots < MIN_SECRET_BALLOTS
