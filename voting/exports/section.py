"""What an export is made of: a result to export and its ballot file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from .. import tallies
from ..aggregation.preflib import ADMITS
from ..errors import UserError
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

    def as_type(self, fmt: str) -> tuple[str, str]:
        """``(file name, text)`` of this file as PrefLib type ``fmt``.

        ``"preflib"`` (or the file's own type) is the file itself, in the most
        restrictive type its orders fit: the file the record names and hashes.
        Another type rewrites the FILE NAME and DATA TYPE lines, and is refused
        when the orders do not fit it (ties in soi/soc, unranked options in
        soc/toc).
        """
        if fmt in ("preflib", self.data_type):
            return self.name, self.text
        if self.data_type not in ADMITS[fmt]:
            raise UserError(
                _(
                    "These ballots do not fit a .%(fmt)s file (they need "
                    "%(type)s): export them as toi, or as preflib for the most "
                    "restrictive type they fit.",
                    fmt=fmt,
                    type=self.data_type,
                ),
                400,
            )
        name = f"{self.name.rsplit('.', 1)[0]}.{fmt}"
        text = self.text.replace(
            f"# FILE NAME: {self.name}\n", f"# FILE NAME: {name}\n", 1
        ).replace(f"# DATA TYPE: {self.data_type}\n", f"# DATA TYPE: {fmt}\n", 1)
        return name, text


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
