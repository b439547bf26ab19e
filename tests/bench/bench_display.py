"""Benchmark: the projector's polling endpoint (not collected by pytest).

    .venv/bin/python tests/bench/bench_display.py [--ballots 1000] [--options 10]

Prints the median server time (in-process test client, SQLite file) of
- the 304 path: an unchanged round, matching If-None-Match;
- a changed round: the version bumped, the tally of every ballot recomputed.
Targets (issue 5): 304 median < 5 ms; changed tally of 1,000 × 10 < 100 ms.
"""

import argparse
import random
import statistics
import tempfile
import time

import sqlalchemy as sa

from voting import create_app
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


def build(n_ballots: int, n_options: int, seed: int = 1) -> str:
    """Create one open round with ``n_ballots`` random strict ballots."""
    rng = random.Random(seed)
    event = Event(slug="bench", name={"en": "Bench"}, languages="en,es")
    workshop = Workshop(event=event, name={"en": "W"})
    poll = Poll(event=event, workshop=workshop, question={"en": "Q"})
    poll.options = [
        Option(key=f"o{i}", position=i, title={"en": f"Option {i}"})
        for i in range(n_options)
    ]
    poll.rounds.append(Round(number=1, status=RoundStatus.OPEN))
    delegations = [
        Delegation(event=event, code=f"D{i}", name=f"Delegation {i}") for i in range(20)
    ]
    db.session.add_all([event, workshop, poll, *delegations])
    db.session.flush()
    participants = [
        {
            "event_id": event.id,
            "delegation_id": delegations[i % 20].id,
            "name": f"P{i}",
            "token_hash": f"{i:064d}",
        }
        for i in range(n_ballots)
    ]
    db.session.execute(sa.insert(Participant), participants)
    ids = db.session.scalars(sa.select(Participant.id)).all()
    option_ids = [o.id for o in poll.options]
    rows = []
    for i, pid in enumerate(ids):
        order = option_ids[:]
        rng.shuffle(order)
        rows.append(
            {
                "round_id": poll.rounds[0].id,
                "participant_id": pid,
                "ranking": [[o] for o in order],
                "receipt_code": f"R{i:09d}",
            }
        )
    db.session.execute(sa.insert(Ballot), rows)
    db.session.commit()
    return poll.display_token


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--options", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db"}
        )
        with app.app_context():
            db.create_all()
            token = build(args.ballots, args.options)
            round_id = db.session.scalar(sa.select(Round.id))
        client = app.test_client()
        url = f"/display/{token}/live"
        etag = client.get(url).headers["ETag"]

        def unchanged():
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

        def changed():
            with app.app_context():
                db.session.execute(
                    sa.update(RoundCounter)
                    .where(RoundCounter.round_id == round_id)
                    .values(version=RoundCounter.version + 1)
                )
                db.session.commit()
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            return (time.perf_counter() - start) * 1000

        print(f"{args.ballots} ballots × {args.options} options, SQLite")
        fast = median_ms(unchanged, args.repeat)
        print(
            f"304 path (unchanged round): median {fast:.2f} ms, {args.repeat} requests"
        )
        times = [changed() for _ in range(max(args.repeat // 10, 5))]
        slow = statistics.median(times)
        print(
            f"changed round (tally recomputed): median {slow:.1f} ms, "
            f"{len(times)} requests"
        )


if __name__ == "__main__":
    main()
