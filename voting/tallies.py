"""Round → Profile → Tally, cached by round version.

Every page, endpoint and export reads results through :func:`for_round` (or
:func:`for_plenary`), so the projector, the record and the CLI never differ.
A result is computed at most once per round version and process: the cache key
is ``(round id, version)`` and every ballot write bumps the version.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from . import disclosure, proposals
from .aggregation import METHODS, Profile, Tally, tally, tally_all
from .aggregation.consensus import consensus_report, method_agreement
from .aggregation.weighting import weighted_ballots
from .extensions import db
from .models import (
    Ballot,
    Delegation,
    Participant,
    Poll,
    Round,
    RoundCounter,
    RoundStatus,
)

#: Methods compared in the agreement line: every registered one. Kemeny is
#: exact up to 20 options, which bounds a poll's size anyway.
AGREEMENT_METHODS = tuple(METHODS)
_CACHE_SIZE = 128


@dataclass
class Turnout:
    ballots: int
    participants: int
    delegations_voted: int
    delegations_total: int
    #: ``[{"code", "name", "voted", "total"}]`` in delegation name order.
    by_delegation: list[dict[str, Any]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.ballots / self.participants if self.participants else 0.0


@dataclass
class RoundResult:
    """What the display, the exports and the API show for one round."""

    round_id: int
    version: int
    options: list[int]
    turnout: Turnout
    profile: Profile | None
    tally: Tally | None
    consensus: dict[str, Any] | None
    #: ``{name: Tally}`` for every method, and their agreement (closed rounds).
    all_tallies: dict[str, Tally] = field(default_factory=dict)
    agreement: dict[str, Any] | None = None


class _Cache:
    """A small thread-safe LRU keyed by (round id, version, detail)."""

    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.computed = 0  # for tests: how many results were computed

    def clear(self) -> None:
        with self.lock:
            self.data.clear()

    def get_or_compute(self, key, compute):
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        value = compute()
        with self.lock:
            self.computed += 1
            self.data[key] = value
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


cache = _Cache(_CACHE_SIZE)


def round_version(round_id: int) -> int | None:
    """The round's version number, read without touching ballots."""
    return db.session.scalar(
        sa.select(RoundCounter.version).where(RoundCounter.round_id == round_id)
    )


def eligible_participants(poll: Poll):
    """A query of the participants who may vote in ``poll``."""
    return sa.select(Participant).where(Participant.eligible_for(poll))


def ballot_records(round_: Round, with_revisions: bool = False) -> list[tuple]:
    """``(ranking, delegation id)`` for every ballot of the round, in id order
    (``with_revisions``: ``(ranking, delegation id, revision)``).

    Rankings are read as JSON text and each distinct text is decoded once
    (identical ballots share one list: callers must not mutate it); with
    100,000 ballots this is several times faster than decoding every row.
    """
    rows = db.session.connection().execute(
        sa.select(
            sa.cast(Ballot.ranking, sa.Text),
            Participant.delegation_id,
            Ballot.revision,
        )
        .join(Participant, Ballot.participant_id == Participant.id)
        .where(Ballot.round_id == round_.id)
        .order_by(Ballot.id)
    )
    rows = rows.all()
    distinct = list(dict.fromkeys(raw for raw, _, _ in rows))
    # One json.loads over all distinct texts: the C scanner runs once.
    decoded = dict(
        zip(distinct, json.loads("[" + ",".join(distinct) + "]"), strict=True)
    )
    # A delegate without delegation counts as a delegation of one.
    records = [
        (decoded[raw], delegation if delegation is not None else f"p{i}", revision)
        for i, (raw, delegation, revision) in enumerate(rows)
    ]
    if with_revisions:
        return records
    return [(ranking, delegation) for ranking, delegation, _ in records]


def profile_for(poll: Poll, records) -> Profile:
    """The weighted profile of ``records`` under the poll's weighting."""
    options = [option.id for option in poll.options]
    return weighted_ballots(records, options, mode=poll.weighting, method=poll.method)


def turnout_for(round_: Round, voters: list | None = None) -> Turnout:
    """Ballots against eligible participants, overall and by delegation.

    ``voters``: the delegation keys of the ballots to count (a publication's),
    instead of the ballots stored now.
    """
    poll = round_.poll
    eligible = eligible_participants(poll).subquery()
    rows = db.session.execute(
        sa.select(
            Delegation.code,
            Delegation.name,
            sa.func.count(eligible.c.id),
            sa.func.count(Ballot.id),
            Delegation.id,
        )
        .join(eligible, eligible.c.delegation_id == Delegation.id)
        .outerjoin(
            Ballot,
            sa.and_(
                Ballot.participant_id == eligible.c.id, Ballot.round_id == round_.id
            ),
        )
        .group_by(Delegation.id, Delegation.code, Delegation.name)
        .order_by(Delegation.name)
    ).all()
    counted = Counter(voters or ())
    by_delegation = [
        {
            "code": code,
            "name": name,
            "total": total,
            "voted": voted if voters is None else counted[delegation_id],
        }
        for code, name, total, voted, delegation_id in rows
    ]
    if voters is None:
        ballots = db.session.scalar(
            sa.select(sa.func.count(Ballot.id)).where(Ballot.round_id == round_.id)
        )
    else:
        ballots = len(voters)
    participants = db.session.scalar(sa.select(sa.func.count()).select_from(eligible))
    return Turnout(
        ballots=ballots or 0,
        participants=participants or 0,
        delegations_voted=sum(1 for d in by_delegation if d["voted"]),
        delegations_total=len(by_delegation),
        by_delegation=by_delegation,
    )


def declared_tally(profile: Profile, poll: Poll, seed: int) -> Tally:
    """The poll's method with the tie-break the poll declares (none: ties
    stay ties); a Borda tie-break's last resort is a draw seeded with
    ``seed`` (the round's id, the plenary poll's for the pooled tally)."""
    tie_break = poll.tie_break or "none"
    if tie_break == "borda":
        return tally(profile, poll.method, tie_break="borda", seed=seed)
    return tally(profile, poll.method, tie_break=tie_break)


def compute(
    round_: Round,
    with_agreement: bool,
    records: list | None = None,
    turnout: Turnout | None = None,
) -> RoundResult:
    """Tally a round from the database (uncached), or from ``records`` and
    ``turnout`` as they were published."""
    poll = round_.poll
    if records is None:
        records, turnout = ballot_records(round_), turnout_for(round_)
    profile = result = consensus = None
    all_tallies: dict[str, Tally] = {}
    agreement = None
    if records:
        profile = profile_for(poll, records)
        result = declared_tally(profile, poll, round_.id)
        consensus = consensus_report(profile)
        if with_agreement:
            all_tallies = tally_all(profile, AGREEMENT_METHODS)
            all_tallies[poll.method] = result
            agreement = method_agreement(all_tallies, k=poll.top_k)
    return RoundResult(
        round_id=round_.id,
        version=round_.version,
        options=[o.id for o in poll.options],
        turnout=turnout,
        profile=profile,
        tally=result,
        consensus=consensus,
        all_tallies=all_tallies,
        agreement=agreement,
    )


def for_round(round_: Round, with_agreement: bool | None = None) -> RoundResult:
    """The round's result, computed once per version (and process).

    ``with_agreement`` (default: when the round is closed) adds every method's
    tally and the method-agreement table.
    """
    if with_agreement is None:
        with_agreement = round_.status == "closed"
    poll = round_.poll
    key = (
        round_.id,
        round_version(round_.id),
        poll.method,
        poll.tie_break,
        poll.weighting,
        poll.top_k,
        with_agreement,
    )
    return cache.get_or_compute(key, lambda: compute(round_, with_agreement))


@dataclass
class PlenaryResult:
    """Closed workshop rounds pooled over the plenary poll's options."""

    result: RoundResult
    #: ``[(workshop poll, its RoundResult)]`` for each pooled workshop.
    sources: list[tuple[Poll, RoundResult]]
    #: Workshop polls left out of the pool: a secret round with too few
    #: ballots to publish on its own (:func:`voting.disclosure.ballot_file`).
    withheld: list[Poll] = field(default_factory=list)
    #: ``{workshop poll id: (the round pooled, ADOPTED_ROUND | LATEST_WITH_BALLOTS)}``
    basis: dict[int, tuple[Round, str]] = field(default_factory=dict)

    @property
    def pooled(self) -> list[tuple[Poll, RoundResult]]:
        """The sources whose ballots are in the pool."""
        return [
            (poll, result)
            for poll, result in self.sources
            if result.profile is not None and poll not in self.withheld
        ]


#: Why a workshop's round is the one pooled (``PlenaryResult.basis``).
ADOPTED_ROUND, LATEST_WITH_BALLOTS = "adopted", "latest"


def ballot_counts(rounds: list[Round]) -> dict[int, int]:
    """Ballots stored in each of ``rounds`` (rounds without any are absent)."""
    if not rounds:
        return {}
    rows = db.session.execute(
        sa.select(Ballot.round_id, sa.func.count(Ballot.id))
        .where(Ballot.round_id.in_([r.id for r in rounds]))
        .group_by(Ballot.round_id)
    )
    return dict(rows.all())


def pooled_round(poll: Poll) -> tuple[Round, str] | None:
    """The round of a workshop poll that a plenary pools, and why.

    The round whose list the workshop adopted (:func:`voting.proposals.adopted`);
    else its latest closed round with ballots. An empty round never enters a
    plenary (an accidental extra round changes nothing).
    """
    closed = [r for r in poll.rounds if r.status == RoundStatus.CLOSED]
    chosen = proposals.adopted(poll)
    if chosen is not None and chosen.round_id is not None:
        for round_ in closed:
            if round_.id == chosen.round_id:
                return round_, ADOPTED_ROUND
    counts = ballot_counts(closed)
    with_ballots = [r for r in closed if counts.get(r.id)]
    return (with_ballots[-1], LATEST_WITH_BALLOTS) if with_ballots else None


def plenary_sources(plenary: Poll) -> list[tuple[Poll, Round, str]]:
    """The workshop polls asking the same options (by key), each with the
    round the plenary pools and why (:func:`pooled_round`)."""
    keys = {option.key for option in plenary.options}
    sources = []
    for poll in plenary.event.polls:
        if poll.workshop_id is None or {o.key for o in poll.options} != keys:
            continue
        chosen = pooled_round(poll)
        if chosen is not None:
            sources.append((poll, *chosen))
    return sources


def for_plenary(plenary: Poll) -> PlenaryResult:
    """Pool each workshop's adopted round (else its latest closed round with
    ballots, :func:`pooled_round`), each ballot with the weight its
    workshop's weighting gave it, into one tally over the plenary's options.

    Each workshop's part must be publishable on its own: a secret round with
    fewer ballots than the minimum is left out, or the pooled result minus
    the other workshops' would give its ballots away.
    """
    target = {option.key: option.id for option in plenary.options}
    pooled: list[tuple[list[list[int]], float]] = []
    sources, withheld, basis = [], [], {}
    for poll, round_, why in plenary_sources(plenary):
        result = for_round(round_, with_agreement=False)
        sources.append((poll, result))
        basis[poll.id] = (round_, why)
        if result.profile is None:
            continue
        if not disclosure.ballot_file(poll, result.turnout.ballots):
            withheld.append(poll)
            continue
        to_plenary = {o.id: target[o.key] for o in poll.options}
        pooled += [
            ([[to_plenary[o] for o in tier] for tier in tiers], weight)
            for tiers, weight in result.profile.rankings()
        ]
    options = list(target.values())
    profile = Profile(options, pooled) if pooled else None
    main = all_tallies = consensus = agreement = None
    if profile is not None:
        all_tallies = tally_all(profile, AGREEMENT_METHODS)
        main = declared_tally(profile, plenary, plenary.id)
        all_tallies[plenary.method] = main
        consensus = consensus_report(profile)
        agreement = method_agreement(all_tallies, k=plenary.top_k)
    turnout = Turnout(
        ballots=sum(r.turnout.ballots for _, r in sources),
        participants=sum(r.turnout.participants for _, r in sources),
        delegations_voted=0,
        delegations_total=0,
    )
    return PlenaryResult(
        result=RoundResult(
            round_id=0,
            version=0,
            options=options,
            turnout=turnout,
            profile=profile,
            tally=main,
            consensus=consensus,
            all_tallies=all_tallies or {},
            agreement=agreement,
        ),
        sources=sources,
        withheld=withheld,
        basis=basis,
    )
