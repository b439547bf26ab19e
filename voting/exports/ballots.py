"""The anonymised ballot file (PrefLib) with its weights, and named ballots.

The PrefLib file is written from the very profile the tally used, by
:func:`voting.aggregation.preflib.write_preflib`: one line per distinct order,
its multiplicity the number of ballots. When ballots do not all weigh one
(delegation or national weighting, a plenary pooling), a companion CSV gives
each order's total weight in the format ``flask tally --weights`` reads, so
``flask tally FILE --weights WEIGHTS`` recomputes the identical ranking. Both
files are deterministic (dates are the closing date), so their SHA-256 can be
printed in every other export and checked later.
"""

from __future__ import annotations

import csv
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np
import sqlalchemy as sa

from ..aggregation import Profile
from ..aggregation.preflib import format_order, write_preflib
from ..extensions import db
from ..models import Ballot, Delegation, Participant, Round
from .section import BallotFile, Section


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _unique_names(section: Section) -> dict[int, str]:
    """Option titles in the event's first language, made unique for PrefLib."""
    lang = section.event.default_language
    names, seen = {}, set()
    for option in section.poll.options:
        name = " ".join(option.title_in(lang).split()) or option.key
        if name in seen:
            name = f"{name} [{option.key}]"
        seen.add(name)
        names[option.id] = name
    return names


def _arrays(section: Section, pooled):
    """``(ranks, counts, weights)``: one row per distinct order of the section.

    A round reuses the tallied profile's arrays; a plenary pools
    ``(tiers, count, weight)`` rows from the workshops.
    """
    profile = section.result.profile
    if pooled is None:
        return profile.ranks, profile.counts, profile.weights
    options = profile.options
    by_count = Profile(options, [(tiers, count) for tiers, count, _w in pooled])
    by_weight = Profile(options, [(tiers, weight) for tiers, _c, weight in pooled])
    # Both group the same orders, sorted the same way by np.unique.
    assert (by_count.ranks == by_weight.ranks).all()
    return by_count.ranks, by_count.weights, by_weight.weights


def _data_type(ranks, m: int) -> str:
    """The most restrictive PrefLib type of tier-index rows (``m`` = unranked)."""
    ranked = ranks < m
    listed = ranked.sum(axis=1)
    tiers = np.where(ranked, ranks, -1).max(axis=1) + 1
    strict = bool((tiers == listed).all())
    full = bool((listed == m).all())
    return ("s" if strict else "t") + ("oc" if full else "oi")


def _orders(ranks, m: int) -> list[str]:
    """Each row's order as PrefLib writes it (alternatives numbered from 1)."""
    out = []
    for row in ranks.tolist():
        tiers: dict[int, list[int]] = {}
        for i, r in enumerate(row):
            if r < m:
                tiers.setdefault(r, []).append(i + 1)
        out.append(format_order([tiers[r] for r in sorted(tiers)]))
    return out


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 16


def ballot_file(section: Section, pooled=None) -> BallotFile:
    """The PrefLib file (and weights CSV if needed) of a section's profile.

    A round's file is computed once per round version and file inputs.
    """
    poll, event = section.poll, section.event
    names = _unique_names(section)
    key = None
    if pooled is None:
        key = (
            section.round.id,
            section.result.version,
            section.tally.method,
            section.weighting,
            event.slug,
            tuple(names.items()),
            poll.title(event.default_language),
            section.closed_at,
        )
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
    out = _ballot_file(section, pooled, names)
    if key is not None:
        with _cache_lock:
            _cache[key] = out
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return out


def _ballot_file(section: Section, pooled, names: dict[int, str]) -> BallotFile:
    profile = section.result.profile
    options = list(profile.options)
    m = len(options)
    numbers = {o: i for i, o in enumerate(options, 1)}
    ranks, counts, weights = _arrays(section, pooled)
    weighted = section.weighting != "delegate" or not np.allclose(weights, counts)
    poll, event = section.poll, section.event
    stem = f"{event.slug}-poll{poll.id}-" + (
        f"round{section.label}" if section.round else "plenary"
    )
    data_type = _data_type(ranks, m)
    name = f"{stem}.{data_type}"
    weights_name = f"{stem}.weights.csv" if weighted else None
    day = (section.closed_at.date().isoformat()) if section.closed_at else None
    lang = event.default_language
    description = (
        f"Prioriza export. Method {section.tally.method}; weighting "
        f"{section.weighting}; unranked options tied last."
    )
    if section.weighting == "national":
        description += " One order per delegation: its national ranking."
    if section.round is None:
        description += " Pooled last closed rounds of the workshops."
    if weights_name:
        description += f" Total weight of each order: {weights_name}."
    text, written_type = write_preflib(
        Profile.from_arrays(options, ranks, counts, profile.unranked),
        names=names,
        title=f"{poll.title(lang)} — {section.label}",
        file_name=name,
        description=description,
        modification_type="original" if section.weighting == "delegate" else "induced",
        publication_date=day,
        modification_date=day,
        related_files=weights_name or "",
    )
    assert written_type == data_type, (written_type, data_type)
    out = BallotFile(
        name=name, data_type=data_type, text=text, sha256=_sha256(text), numbers=numbers
    )
    if weights_name:
        out.weights_name = weights_name
        out.weights_text = weights_csv(zip(_orders(ranks, m), weights, strict=True))
        out.weights_sha256 = _sha256(out.weights_text)
    return out


def weights_csv(orders) -> str:
    """``order,weight`` rows, one per distinct order, as ``flask tally`` reads."""
    totals: dict[str, float] = {}
    for order, weight in orders:
        totals[order] = totals.get(order, 0.0) + float(weight)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["order", "weight"])
    for order, weight in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])):
        # repr() round-trips a float exactly: the recount sees the same weights.
        writer.writerow([order, repr(float(weight))])
    return buffer.getvalue()


def named_ballots(round_: Round, lang: str) -> tuple[list[str], Iterator[list]]:
    """Who ranked what, for a named (not secret) poll: headers and streamed rows."""
    poll = round_.poll
    titles = {o.id: o.title_in(lang) for o in poll.options}
    numbers = {o.id: i for i, o in enumerate(poll.options, 1)}
    headers = [
        "participant",
        "email",
        "delegation_code",
        "delegation",
        "ranking",
        "ranking_titles",
        "revision",
        "cast_at",
        "updated_at",
    ]
    query = (
        sa.select(
            Participant.name,
            Participant.email,
            Delegation.code,
            Delegation.name,
            Ballot.ranking,
            Ballot.revision,
            Ballot.created_at,
            Ballot.updated_at,
        )
        .join(Participant, Ballot.participant_id == Participant.id)
        .outerjoin(Delegation, Participant.delegation_id == Delegation.id)
        .where(Ballot.round_id == round_.id)
        .order_by(Delegation.name, Participant.name, Ballot.id)
        .execution_options(yield_per=2000)
    )

    def rows():
        for (
            name,
            email,
            code,
            delegation,
            ranking,
            revision,
            cast,
            updated,
        ) in db.session.execute(query):
            yield [
                name,
                email or "",
                code or "",
                delegation or "",
                format_order([sorted(numbers[o] for o in tier) for tier in ranking]),
                " > ".join(" = ".join(titles[o] for o in tier) for tier in ranking),
                revision,
                cast.replace(microsecond=0).isoformat() + "Z",
                updated.replace(microsecond=0).isoformat() + "Z",
            ]

    return headers, rows()
