"""Time and peak memory of a large round's exports (not collected by pytest).

Run: ``.venv/bin/python tests/bench/bench_exports.py [--ballots 100000]``.
Builds, in a temporary SQLite file, one closed round of a named poll with
``--ballots`` random ballots (8 options, ties and truncation) in 30
delegations, inserted in bulk with SQLAlchemy core. Then it tallies the round
once (the cached result every export reads) and, for each export, prints the
wall time and the peak of Python allocations during that export
(``tracemalloc``, measured in a second run so that tracing does not inflate
the time), plus the process's maximum resident size at the end.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OPTIONS = 8
DELEGATIONS = 30
BATCH = 10_000


def random_ranking(rng: random.Random, ids: list[int]) -> list[list[int]]:
    """A weak order over a random prefix of the options (ties one time in 5)."""
    order = rng.sample(ids, rng.randint(2, len(ids)))
    tiers: list[list[int]] = []
    for option in order:
        if tiers and rng.random() < 0.2:
            tiers[-1].append(option)
        else:
            tiers.append([option])
    return [sorted(t) for t in tiers]


def build_round(n: int, seed: int = 2005):
    """A closed round of a named poll with ``n`` ballots, inserted in bulk."""
    import sqlalchemy as sa

    from voting.extensions import db
    from voting.models import (
        Ballot,
        Delegation,
        Event,
        Option,
        Participant,
        Poll,
        Round,
        RoundCounter,
        RoundStatus,
        Workshop,
    )

    now = datetime(2005, 6, 23, 17, 0)
    event = Event(slug="bench", name={"es": "Banco", "en": "Bench"}, languages="es,en")
    workshop = Workshop(event=event, name={"es": "Mesa", "en": "Workshop"})
    poll = Poll(
        event=event,
        workshop=workshop,
        question={"es": "¿Prioridades?", "en": "Priorities?"},
        allow_ties=True,
        secret=False,
    )
    poll.options = [
        Option(key=f"o{i}", position=i, title={"es": f"Área {i}", "en": f"Area {i}"})
        for i in range(OPTIONS)
    ]
    round_ = Round(number=1, status=RoundStatus.CLOSED, opened_at=now, closed_at=now)
    poll.rounds.append(round_)
    db.session.add(poll)
    db.session.flush()
    delegations = [
        Delegation(event=event, code=f"D{i:02d}", name=f"Delegation {i:02d}")
        for i in range(DELEGATIONS)
    ]
    db.session.add_all(delegations)
    db.session.commit()
    rng = random.Random(seed)
    ids = [o.id for o in poll.options]
    first = (db.session.scalar(sa.select(sa.func.max(Participant.id))) or 0) + 1
    for start in range(0, n, BATCH):
        stop = min(start + BATCH, n)
        db.session.execute(
            sa.insert(Participant),
            [
                {
                    "id": first + i,
                    "event_id": event.id,
                    "delegation_id": delegations[i % DELEGATIONS].id,
                    "name": f"Delegate {i}",
                    "created_at": now,
                }
                for i in range(start, stop)
            ],
        )
        db.session.execute(
            sa.insert(Ballot),
            [
                {
                    "round_id": round_.id,
                    "participant_id": first + i,
                    "ranking": random_ranking(rng, ids),
                    "receipt_code": f"B{i:09d}",
                    "revision": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, stop)
            ],
        )
        db.session.commit()
    db.session.execute(
        sa.update(RoundCounter)
        .where(RoundCounter.round_id == round_.id)
        .values(version=RoundCounter.version + 1)
    )
    db.session.commit()
    return round_


def measure(label: str, run) -> None:
    """Print the wall time of ``run()`` and its peak Python allocations.

    The ballot-file cache is emptied first: each export pays for its ballot
    file (whose SHA-256 every format carries); only the tally is shared.
    """
    from voting.exports import ballots

    ballots._cache.clear()
    start = time.perf_counter()
    size = run()
    elapsed = time.perf_counter() - start
    ballots._cache.clear()
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<26} {elapsed:8.2f} s   peak {peak / 2**20:8.1f} MiB   "
        f"{size / 2**10:10.1f} KiB"
    )


def drain(export) -> int:
    """Consume an export's chunks as a streamed response would; return bytes."""
    return sum(len(chunk) for chunk in export.chunks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    args = parser.parse_args()

    from flask_babel import force_locale

    from voting import create_app, exports, tallies

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3"}
        )
        with app.app_context(), force_locale("en"):
            from voting.extensions import db

            db.create_all()
            start = time.perf_counter()
            round_ = build_round(args.ballots)
            print(
                f"{args.ballots} ballots, {OPTIONS} options, {DELEGATIONS} "
                f"delegations inserted in {time.perf_counter() - start:.1f} s"
            )
            start = time.perf_counter()
            tracemalloc.start()
            result = tallies.for_round(round_, with_agreement=True)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{'tally (once, cached)':<26} {time.perf_counter() - start:8.2f} s"
                f"   peak {peak / 2**20:8.1f} MiB   "
                f"({result.profile.n_distinct} distinct orders)"
            )
            for label, fmt in [
                ("priority list CSV", "csv"),
                ("PrefLib ballots", "toi"),
                ("XLSX workbook", "xlsx"),
                ("JSON", "json"),
            ]:
                measure(label, lambda f=fmt: drain(exports.export_round(round_, f)))
            for label, fmt in [
                ("named ballots CSV", "csv"),
                ("named ballots XLSX", "xlsx"),
            ]:
                measure(
                    label,
                    lambda f=fmt: drain(exports.export_named_ballots(round_, f)),
                )
            db.session.remove()
            db.engine.dispose()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS {maxrss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
