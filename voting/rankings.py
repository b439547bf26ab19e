"""A ranking as a delegate (or a facilitator entering a paper ballot) fills it
in: checked against its poll's options and rules, normalised to tiers.

A ranking is a list of tiers of option ids, best first: ``[[3], [1, 2]]``
means 3 > 1 = 2; options left out are unranked. The same validation serves
the JSON endpoint, the plain (no-JavaScript) form and the paper ballot form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from .errors import UserError
from .models import Poll


@dataclass(frozen=True)
class BallotRules:
    """What checking a ranking needs to know of its poll."""

    option_ids: frozenset[int]
    allow_ties: bool
    allow_unranked: bool

    @classmethod
    def of(cls, poll: Poll) -> BallotRules:
        return cls(
            frozenset(option.id for option in poll.options),
            poll.allow_ties,
            poll.allow_unranked,
        )


def validate_ranking(raw: Any, rules: BallotRules) -> list[list[int]]:
    """Check a ranking against the poll's options and rules; return it normalised."""
    if not isinstance(raw, list) or not all(isinstance(t, list) for t in raw):
        raise UserError(_("The ranking must be a list of groups of options."))
    known = rules.option_ids
    seen: set[int] = set()
    tiers: list[list[int]] = []
    for tier in raw:
        if not tier:
            continue
        for option_id in tier:
            if not isinstance(option_id, int) or isinstance(option_id, bool):
                raise UserError(_("Options must be given by their number."))
            if option_id not in known:
                raise UserError(
                    _("Option %(id)s is not part of this poll.", id=option_id)
                )
            if option_id in seen:
                raise UserError(_("An option was ranked twice."))
            seen.add(option_id)
        if len(tier) > 1 and not rules.allow_ties:
            raise UserError(_("This poll does not allow equal ranks."))
        tiers.append(sorted(tier))
    if not tiers:
        raise UserError(_("Rank at least one option."))
    if not rules.allow_unranked and seen != known:
        raise UserError(_("This poll asks you to rank every option."))
    return tiers


def is_number(value: str) -> bool:
    """ASCII digits only: ``"²".isdigit()`` is true, but ``int("²")`` fails."""
    return value.isascii() and value.isdigit()


def ranking_from_form(form, poll: Poll) -> list[list[int]]:
    """Read the plain form (a rank select per option) into tiers.

    Gaps in the numbers are closed (ranks 1, 3, 4 become 1, 2, 3); an empty
    select leaves the option unranked; equal numbers are equal ranks.
    """
    by_rank: dict[int, list[int]] = {}
    for option in poll.options:
        value = (form.get(f"rank-{option.id}") or "").strip()
        if not value:
            continue
        if not is_number(value) or not 1 <= int(value) <= len(poll.options):
            raise UserError(
                _("Choose a rank between 1 and %(n)d.", n=len(poll.options))
            )
        by_rank.setdefault(int(value), []).append(option.id)
    return validate_ranking([by_rank[r] for r in sorted(by_rank)], BallotRules.of(poll))
