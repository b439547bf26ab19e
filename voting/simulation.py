"""Simulated ballots for rehearsals: plausible, correlated rankings."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from . import audit, ballots
from .extensions import db
from .models import Ballot, Participant, Round, RoundStatus
from .setup import refuse
from .tallies import eligible_participants

#: Mallows dispersion of a delegation's order around the shared reference and
#: of a delegate's around their delegation's: about half the simulated ballots
#: put the reference's favourite first (uniform ballots would: 1 / options).
DELEGATION_DRIFT = 0.3
DELEGATE_NOISE = 0.4
#: Factor on both dispersions in a round after the first (agreement grows).
CONVERGENCE = 0.6


def _previous_mean_order(round_: Round, option_ids: list[int]) -> list[int] | None:
    """Options by mean rank in the poll's previous round (unranked: last)."""
    earlier = [r for r in round_.poll.rounds if r.number < round_.number]
    if not earlier:
        return None
    rankings = db.session.scalars(
        sa.select(Ballot.ranking).filter_by(round_id=earlier[-1].id)
    ).all()
    if not rankings:
        return None
    total = dict.fromkeys(option_ids, 0.0)
    for ranking in rankings:
        place = 0
        for tier in ranking:
            for option in tier:
                total[option] = total.get(option, 0.0) + place + (len(tier) - 1) / 2
            place += len(tier)
        for option in set(option_ids) - {o for tier in ranking for o in tier}:
            total[option] += len(option_ids)
    return sorted(option_ids, key=lambda option: (total[option], option))


@dataclass
class Simulation:
    cast: int
    eligible: int
    revised: int
    reference: list[str]


def _mallows(reference: list, phi: float, rng: random.Random) -> list:
    """A Mallows sample around ``reference`` by the repeated insertion model.

    Item ``i`` goes to position ``j ≤ i`` with probability ∝ ``phi ** (i - j)``:
    ``phi = 0`` returns the reference, ``phi = 1`` a uniform permutation.
    """
    result: list = []
    for i, item in enumerate(reference):
        weights = [phi ** (i - j) for j in range(i + 1)]
        result.insert(rng.choices(range(i + 1), weights)[0], item)
    return result


def simulate_votes(
    round_: Round, n: int, actor: str, seed: int | None = None, force: bool = False
) -> Simulation:
    """Cast ``n`` plausible ballots through :func:`ballots.cast` for rehearsals.

    Shared reference order of the options; each delegation drifts from it
    (Mallows, φ = 0.3) and each delegate from their delegation (φ = 0.4);
    when the poll allows it some ballots tie neighbours or leave the tail
    unranked. A later round starts from the previous round's mean ranks with
    less noise, as after a discussion that converged. Refuses a round that
    already has ballots unless ``force``.
    """
    if n < 1:
        refuse(_("The number of ballots must be at least 1."))
    if round_.status != RoundStatus.OPEN:
        refuse(_("Ballots can be simulated only in an open round."), 409)
    poll = round_.poll
    if len(poll.options) < 2:
        refuse(_("The poll needs at least two options."), 409)
    existing = db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).filter_by(round_id=round_.id)
    )
    if existing and not force:
        refuse(
            ngettext(
                "This round already has %(num)d ballot; use --force to add "
                "simulated ones anyway.",
                "This round already has %(num)d ballots; use --force to add "
                "simulated ones anyway.",
                existing,
            ),
            409,
        )
    people = list(
        db.session.scalars(eligible_participants(poll).order_by(Participant.id))
    )
    if not people:
        refuse(_("No participant can vote in this round."), 409)
    rng = random.Random(seed)
    chosen = rng.sample(people, min(n, len(people)))
    voted = set(
        db.session.scalars(
            sa.select(Ballot.participant_id).filter_by(round_id=round_.id)
        )
    )
    option_ids = [o.id for o in poll.options]
    reference = rng.sample(option_ids, len(option_ids))
    previous = _previous_mean_order(round_, option_ids)
    calm = 1.0
    if previous:
        reference, calm = previous, CONVERGENCE
    drift: dict[Any, list[int]] = {}
    cast = revised = 0
    for person in chosen:
        group = person.delegation_id or f"p{person.id}"
        if group not in drift:
            drift[group] = _mallows(reference, DELEGATION_DRIFT * calm, rng)
        order = _mallows(drift[group], DELEGATE_NOISE * calm, rng)
        tiers = [[option] for option in order]
        if poll.allow_ties and len(tiers) > 2 and rng.random() < 0.25:
            i = rng.randrange(len(tiers) - 1)
            tiers[i : i + 2] = [sorted(tiers[i] + tiers[i + 1])]
        if poll.allow_unranked and len(tiers) > 3 and rng.random() < 0.3:
            tiers = tiers[: rng.randint(2, len(tiers) - 1)]
        ballots.cast(person, round_.id, tiers)
        cast += 1
        revised += person.id in voted
    keys = {o.id: o.key for o in poll.options}
    audit.record(
        actor,
        "ballots_simulated",
        poll.event_id,
        round_id=round_.id,
        n=cast,
        seed=seed,
        force=force,
    )
    db.session.commit()
    return Simulation(
        cast=cast,
        eligible=len(people),
        revised=revised,
        reference=[keys[o] for o in reference],
    )
