"""What an export is made of: a result to export and its ballot file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .. import tallies
from ..models import Poll, Round


@dataclass
class BallotFile:
    """A PrefLib ballot file and, when ballots are weighted, its weights CSV."""

    name: str
    data_type: str
    text: str
    sha256: str
    #: option id → alternative number in the file (1..m)
    numbers: dict[int, int] = field(default_factory=dict)
    weights_name: str | None = None
    weights_text: str | None = None
    weights_sha256: str | None = None


@dataclass
class Section:
    """One result to export: a closed round, or an event's plenary pooling."""

    poll: Poll
    round: Round | None
    result: tallies.RoundResult
    ballots: BallotFile
    #: ``"1"``, ``"2"`` … for rounds, ``"plenary"`` for the pooled workshops.
    label: str
    closed_at: datetime | None
    sources: list[tuple[Poll, tallies.RoundResult]] = field(default_factory=list)

    @property
    def event(self):
        return self.poll.event

    @property
    def tally(self):
        return self.result.tally

    @property
    def languages(self) -> list[str]:
        return self.event.language_list

    @property
    def weighting(self) -> str:
        return "pooled" if self.round is None else self.poll.weighting

    def alternative(self, option_id: int) -> int:
        """The option's number in the PrefLib ballot file (1..m)."""
        return self.ballots.numbers[option_id]
