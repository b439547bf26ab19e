"""Budget of the delegate's ballot page: bytes, requests, origins, server time.

Run: ``.venv/bin/python tests/bench/bench_ballot_page.py [--runs N]``.
Loads the 2005 demo into a temporary SQLite file, signs a delegate in with a
personal link, then prints

- the ballot page's total transfer (HTML + every stylesheet, script, icon and
  font it references, uncompressed) and its number of requests, and any
  reference to another origin — budget: ≤ 50 KB, ≤ 5 requests, no other origin;
- the median (and 90th percentile) server time of the ballot page and of a
  ballot submit (JSON API, each one a revision) — budget: median < 20 ms.

Exit status 1 when a budget is exceeded. ``measure_transfer`` is also used by
the app tests so the byte and request budget cannot regress silently.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_BYTES = 50 * 1024
MAX_REQUESTS = 5
MAX_MEDIAN_MS = 20.0


class Assets(HTMLParser):
    """URLs a browser fetches while loading the page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").split()
            if {"stylesheet", "icon", "preload", "manifest"} & set(rel):
                self.urls.append(attrs["href"])
        elif tag in ("img", "source", "iframe", "audio", "video") and attrs.get("src"):
            self.urls.append(attrs["src"])


def _fetch(client, url: str) -> bytes:
    with client.get(url) as response:
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data()


def measure_transfer(client, page_url: str) -> dict:
    """Bytes and requests of a page and what it references (CSS ``url()`` too)."""
    with client.get(page_url) as response:
        assert response.status_code == 200, response.status_code
        html = response.get_data()
    parser = Assets()
    parser.feed(html.decode())
    queue, seen = list(parser.urls), []
    sizes = {page_url: len(html)}
    other_origins = set()
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            other_origins.add(parts.netloc or parts.scheme)
            continue
        if url in seen:
            continue
        seen.append(url)
        body = _fetch(client, url)
        sizes[url] = len(body)
        if url.endswith(".css"):
            for ref in re.findall(rb"url\(\s*['\"]?([^'\")]+)", body):
                ref = ref.decode()
                if not ref.startswith("data:"):
                    queue.append(ref)
    return {
        "bytes": sum(sizes.values()),
        "requests": len(sizes),
        "sizes": sizes,
        "other_origins": sorted(other_origins),
    }


def _timed(call, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {statistics.median(times):6.2f} ms   p90 {p90:6.2f} ms"


def run(runs: int) -> int:
    import sqlalchemy as sa

    from voting import create_app
    from voting.extensions import db
    from voting.models import Participant, Poll, RoundStatus
    from voting.seed import load_demo

    tmp = tempfile.TemporaryDirectory()
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"},
    )
    with app.app_context():
        db.create_all()
        load_demo()
        participant = db.session.get(Participant, 1)
        token = participant.issue_token()
        db.session.commit()
        poll = db.session.scalar(
            sa.select(Poll).filter_by(workshop_id=participant.workshop_id)
        )
        round_ = next(r for r in poll.rounds if r.status == RoundStatus.OPEN)
        poll_id, round_id = poll.id, round_.id
        options = [o.id for o in poll.options]
        db.session.remove()

    client = app.test_client()
    client.get(f"/j/{token}")
    client.post("/vote/language", data={"lang": "es"})
    page = f"/vote/{poll_id}"

    transfer = measure_transfer(client, page)
    print("Ballot page transfer (uncompressed):")
    for url, size in transfer["sizes"].items():
        print(f"  {size:7d} B  {url}")
    print(
        f"  total {transfer['bytes']} B = {transfer['bytes'] / 1024:.1f} KB in "
        f"{transfer['requests']} requests; other origins: "
        f"{', '.join(transfer['other_origins']) or 'none'}"
    )

    def get_page(_):
        with client.get(page) as response:
            assert response.status_code == 200

    def submit(i):
        ranking = [[options[(i + k) % len(options)]] for k in range(len(options))]
        response = client.post(
            f"/api/rounds/{round_id}/ballot",
            json={"ranking": ranking},
            headers={"Idempotency-Key": f"bench-{i}"},
        )
        assert response.status_code in (200, 201), response.get_data(as_text=True)

    _timed(get_page, 5)  # warm up templates and the connection pool
    page_times = _timed(get_page, runs)
    submit_times = _timed(submit, runs)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"(SQLite file, demo data; {os.cpu_count()} CPUs, load average {load})")
    print(f"Server time, ballot page ({runs} runs):   {_summary(page_times)}")
    print(f"Server time, ballot submit ({runs} runs): {_summary(submit_times)}")

    failures = []
    if transfer["bytes"] > MAX_BYTES:
        failures.append(f"page weighs {transfer['bytes']} B > {MAX_BYTES} B")
    if transfer["requests"] > MAX_REQUESTS:
        failures.append(f"{transfer['requests']} requests > {MAX_REQUESTS}")
    if transfer["other_origins"]:
        failures.append(f"other origins: {transfer['other_origins']}")
    for name, times in (("page", page_times), ("submit", submit_times)):
        if statistics.median(times) > MAX_MEDIAN_MS:
            failures.append(f"median {name} time over {MAX_MEDIAN_MS} ms")
    with app.app_context():
        db.engine.dispose()
    tmp.cleanup()
    print("Budget: " + ("OK" if not failures else "EXCEEDED — " + "; ".join(failures)))
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    sys.exit(run(parser.parse_args().runs))


if __name__ == "__main__":
    main()
