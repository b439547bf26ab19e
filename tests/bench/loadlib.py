"""Shared pieces of the load harness: data set-up, a simulated delegate, scenarios.

Used by ``tests/bench/load.py`` (against gunicorn) and by
``tests/app/test_load_correctness.py`` (against werkzeug's threaded server).
Only the standard library speaks HTTP here (``http.client``): each simulated
delegate keeps its own cookie jar, which sends every cookie back whatever its
``Secure`` flag — production cookies (``__Host-session``, Secure) over plain
http on loopback. Scenario checks read the database through the models, so
they need an app context of the same database.

Every loop is bounded in count and in time (``deadline``, a ``time.monotonic``
value); every request has a socket timeout.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
ENDPOINTS = ("join", "ballot page", "submit", "revise")
REQUEST_TIMEOUT = 30.0


# --- data ------------------------------------------------------------------------


@dataclass
class Setup:
    poll_id: int
    round_id: int
    option_ids: list[int]
    tokens: list[str]
    participant_ids: list[int]


def build(n_delegates: int, n_options: int = 6) -> Setup:
    """One event, workshop, poll (``n_options``) and open round; N delegates.

    Participants are bulk-inserted; their personal tokens are returned (only
    the hashes are stored). Needs an app context.
    """
    from voting.extensions import db
    from voting.models import (
        Event,
        Option,
        Participant,
        Poll,
        Round,
        RoundStatus,
        Workshop,
        hash_token,
        new_token,
        utcnow,
    )

    tag = secrets.token_hex(4)
    event = Event(
        slug=f"load-{tag}", name={"es": "Carga", "en": "Load"}, languages="es,en"
    )
    workshop = Workshop(event=event, name={"es": "Mesa", "en": "Workshop"})
    poll = Poll(
        event=event,
        workshop=workshop,
        question={"es": "¿Prioridades?", "en": "Priorities?"},
        allow_unranked=True,
    )
    poll.options = [
        Option(key=f"o{i}", position=i, title={"es": f"Área {i}", "en": f"Area {i}"})
        for i in range(n_options)
    ]
    poll.rounds.append(Round(number=1, status=RoundStatus.OPEN, opened_at=utcnow()))
    db.session.add(poll)
    db.session.commit()
    tokens = [new_token(24) for _ in range(n_delegates)]
    now = utcnow()
    rows = [
        {
            "event_id": event.id,
            "name": f"Delegate {i}",
            "token_hash": hash_token(token),
            "created_at": now,
        }
        for i, token in enumerate(tokens)
    ]
    for start in range(0, len(rows), 500):
        db.session.execute(sa.insert(Participant), rows[start : start + 500])
    db.session.commit()
    ids = dict(
        db.session.execute(
            sa.select(Participant.token_hash, Participant.id).filter_by(
                event_id=event.id
            )
        ).all()
    )
    setup = Setup(
        poll_id=poll.id,
        round_id=poll.rounds[0].id,
        option_ids=[o.id for o in poll.options],
        tokens=tokens,
        participant_ids=[ids[hash_token(t)] for t in tokens],
    )
    db.session.remove()
    return setup


def rankings(option_ids: list[int], n: int, rng: random.Random) -> list[list[list]]:
    """``n`` distinct rankings (full permutations, then shorter ones)."""
    found: list[list[list[int]]] = []
    seen: set[tuple] = set()
    for _ in range(n * 20):
        if len(found) == n:
            break
        k = len(option_ids) if len(found) < 600 else rng.randint(1, len(option_ids))
        order = rng.sample(option_ids, k)
        if tuple(order) not in seen:
            seen.add(tuple(order))
            found.append([[o] for o in order])
    return found


# --- HTTP --------------------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP exchange. ``status`` 0: no answer (``error`` says why)."""

    status: int
    seconds: float
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    error: str = ""
    #: True when the request never left (connection refused): nothing happened.
    not_sent: bool = False

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Recorder:
    """Statuses and latencies per endpoint, thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.errors: Counter = Counter()

    def add(self, endpoint: str, answer: Answer) -> None:
        with self.lock:
            self.statuses[endpoint][answer.status] += 1
            if answer.status:
                self.samples[endpoint].append(answer.seconds)
            else:
                self.errors[answer.error] += 1

    def count(self, predicate) -> int:
        with self.lock:
            return sum(
                n for c in self.statuses.values() for s, n in c.items() if predicate(s)
            )

    def server_errors(self) -> int:
        return self.count(lambda s: s >= 500)

    def table(self) -> list[tuple]:
        rows = []
        for endpoint in sorted(self.statuses, key=_endpoint_order):
            times = sorted(self.samples[endpoint])
            statuses = " ".join(
                f"{s or 'err'}×{n}" for s, n in sorted(self.statuses[endpoint].items())
            )
            rows.append(
                (
                    endpoint,
                    sum(self.statuses[endpoint].values()),
                    statuses,
                    *(f"{percentile(times, q) * 1000:.1f}" for q in (50, 95, 99)),
                    f"{(times[-1] if times else 0) * 1000:.1f}",
                )
            )
        return rows


def _endpoint_order(name: str):
    return (ENDPOINTS.index(name) if name in ENDPOINTS else len(ENDPOINTS), name)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def format_table(header: tuple, rows: list[tuple]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*map(str, row)) for row in rows]
    return "\n".join(out)


class Delegate:
    """A simulated phone: cookie jar, CSRF token, one keep-alive connection."""

    def __init__(self, base_url: str, index: int, token: str, participant_id: int):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.index = index
        self.token = token
        self.participant_id = participant_id
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.lock = threading.Lock()

    def retarget(self, base_url: str) -> None:
        self.close()
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        *,
        fresh: bool = False,
    ) -> Answer:
        """Send one request; ``fresh`` uses a connection of its own (a double tap)."""
        headers = dict(headers or {})
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(
                    f"{k}={v}" for k, v in self.cookies.items()
                )
            if fresh:
                conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=REQUEST_TIMEOUT
                )
            else:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=REQUEST_TIMEOUT
                    )
                conn = self.conn
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except ConnectionRefusedError as error:
            conn.close()
            if not fresh:
                self.conn = None
            return Answer(
                0,
                time.perf_counter() - start,
                error=type(error).__name__,
                not_sent=True,
            )
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            if not fresh:
                self.conn = None
            return Answer(0, time.perf_counter() - start, error=type(error).__name__)
        seconds = time.perf_counter() - start
        cookies = response.headers.get_all("Set-Cookie") or []
        with self.lock:
            for cookie in cookies:
                self._store_cookie(cookie)
        if fresh or response.will_close:
            conn.close()
            if not fresh:
                self.conn = None
        return Answer(
            response.status,
            seconds,
            data,
            {k.lower(): v for k, v in response.getheaders()},
        )

    def _store_cookie(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        attributes = attributes.lower()
        if not value or "max-age=0" in attributes or "1970" in attributes:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    # --- the delegate's steps

    def join(self) -> Answer:
        return self.request("GET", f"/j/{self.token}")

    def ballot_page(self, poll_id: int) -> Answer:
        answer = self.request("GET", f"/vote/{poll_id}")
        if answer.status == 200:
            found = CSRF_META.search(answer.body.decode("utf-8", "replace"))
            self.csrf = found.group(1) if found else None
        return answer

    def post_ballot(
        self, round_id: int, ranking, key: str | None, *, fresh: bool = False
    ) -> Answer:
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.csrf or ""}
        if key is not None:
            headers["Idempotency-Key"] = key
        body = json.dumps({"ranking": ranking}).encode()
        return self.request(
            "POST", f"/api/rounds/{round_id}/ballot", body, headers, fresh=fresh
        )


@dataclass
class Attempt:
    """A ballot POST as the client saw it."""

    delegate: int
    key: str
    ranking: list
    status: int = 0
    revision: int | None = None
    receipt: str | None = None
    replayed: bool = False
    not_sent: bool = False
    sent_at: float = 0.0
    answered_at: float = 0.0
    answer: Answer | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def unknown(self) -> bool:
        """Sent, no answer: it may or may not have been committed."""
        return self.status == 0 and not self.not_sent


def record_post(
    delegate: Delegate,
    round_id: int,
    ranking,
    key: str,
    recorder: Recorder,
    endpoint: str,
    *,
    fresh: bool = False,
) -> Attempt:
    attempt = Attempt(delegate.index, key, ranking, sent_at=time.monotonic())
    answer = delegate.post_ballot(round_id, ranking, key, fresh=fresh)
    attempt.answered_at = time.monotonic()
    attempt.answer = answer
    recorder.add(endpoint, answer)
    attempt.status = answer.status
    attempt.not_sent = answer.not_sent
    body = answer.json() if answer.status else None
    if attempt.ok and isinstance(body, dict):
        attempt.revision = body.get("revision")
        attempt.receipt = body.get("receipt_code")
        attempt.replayed = answer.headers.get("idempotent-replayed") == "true"
    return attempt


def run_pool(
    items, work, concurrency: int, deadline: float, stop=None, rate=None
) -> float:
    """Call ``work(item)`` for each item on ``concurrency`` threads; bounded.

    Closed loop by default: each thread starts its next item as soon as the
    last one is answered. With ``rate`` (items per second) the loop is open:
    item i starts at ``i / rate`` s, whether or not earlier ones were
    answered, so latencies are those at that offered load (the pool must be
    large enough that no item waits for a free thread: the largest lateness
    is returned, in seconds, to show it did not).

    Items not started before ``deadline`` (or once ``stop`` is set) are
    skipped.
    """
    items = list(items)
    counter = itertools.count()
    start = time.monotonic()
    lateness = [0.0]
    lock = threading.Lock()

    def worker():
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            i = next(counter)
            if i >= len(items):
                return
            if rate:
                due = start + i / rate
                time.sleep(max(0.0, min(due, deadline) - time.monotonic()))
                with lock:
                    lateness[0] = max(lateness[0], time.monotonic() - due)
            work(items[i])

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(worker) for _ in range(min(concurrency, len(items)))]
        for future in futures:
            future.result()
    return lateness[0]


# --- burst ----------------------------------------------------------------------


@dataclass
class BurstResult:
    recorder: Recorder
    delegates: list[Delegate]
    attempts: dict[int, list[Attempt]]
    final: dict[int, list]
    double_taps: int = 0
    phases: dict[str, tuple[int, float]] = field(default_factory=dict)
    incomplete: int = 0
    #: Open loop (``rate``): the latest start of a delegate's step, in s.
    lateness: float = 0.0
    #: Answers that were retried (``retries``): (endpoint, status, sent, answered).
    failures: list[tuple[str, int, float, float]] = field(default_factory=list)

    def all_attempts(self) -> list[Attempt]:
        return [a for attempts in self.attempts.values() for a in attempts]


def burst(
    base_url: str,
    setup: Setup,
    *,
    concurrency: int = 32,
    double_tap: float = 0.2,
    seed: int = 7,
    deadline: float,
    phased: bool = True,
    stop: threading.Event | None = None,
    on_post=None,
    rate: float | None = None,
    retries: int = 0,
) -> BurstResult:
    """Every delegate joins, loads the ballot, submits (double tap with
    probability ``double_tap``: the same request twice at once on two
    connections) and revises once with a new key.

    ``phased``: everybody joins first, then everybody submits, then everybody
    revises (three timed phases); otherwise each delegate goes end to end.
    ``stop`` ends the run early (after a kill); ``on_post`` is called after
    each ballot POST. ``rate``: delegates started per second in each phase
    (open loop, see ``run_pool``) instead of ``concurrency`` in flight.
    ``retries``: a request answered 502/503/504 or not at all is sent again
    (the same Idempotency-Key for a ballot), up to this many times, under the
    endpoint "<name> (retry)"; each retried answer is kept in ``failures``.
    """
    rng = random.Random(seed)
    recorder = Recorder()
    delegates = [
        Delegate(base_url, i, token, pid)
        for i, (token, pid) in enumerate(
            zip(setup.tokens, setup.participant_ids, strict=True)
        )
    ]
    plan = {}
    for d in delegates:
        first, second = rankings(setup.option_ids, 2, rng)
        plan[d.index] = (first, second, rng.random() < double_tap)
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    ready: set[int] = set()
    submitted: set[int] = set()
    revised: set[int] = set()
    lock = threading.Lock()
    result = BurstResult(recorder, delegates, attempts, {})

    def stopped() -> bool:
        return bool(stop and stop.is_set())

    def add(attempt: Attempt) -> None:
        with lock:
            attempts[attempt.delegate].append(attempt)
        if on_post:
            on_post(attempt)

    def failed(endpoint: str, status: int, sent: float, answered: float) -> None:
        with lock:
            result.failures.append((endpoint, status, sent, answered))

    def get(call, endpoint: str) -> Answer:
        for i in range(retries + 1):
            sent = time.monotonic()
            answer = call()
            recorder.add(endpoint if i == 0 else f"{endpoint} (retry)", answer)
            if i == retries or not transient(answer.status) or stopped():
                return answer
            failed(endpoint, answer.status, sent, time.monotonic())
            time.sleep(0.05 * (i + 1))
        return answer

    def post(d: Delegate, ranking, key: str, endpoint: str, fresh=False) -> Attempt:
        attempt = record_post(
            d, setup.round_id, ranking, key, recorder, endpoint, fresh=fresh
        )
        add(attempt)
        for i in range(retries):
            if not transient(attempt.status) or stopped():
                break
            failed(endpoint, attempt.status, attempt.sent_at, attempt.answered_at)
            time.sleep(0.05 * (i + 1))
            attempt = record_post(
                d,
                setup.round_id,
                ranking,
                key,
                recorder,
                f"{endpoint} (retry)",
                fresh=fresh,
            )
            add(attempt)
        return attempt

    def do_join(d: Delegate) -> None:
        answer = get(d.join, "join")
        if answer.status != 302 or stopped():
            return
        answer = get(lambda: d.ballot_page(setup.poll_id), "ballot page")
        if answer.status == 200 and d.csrf:
            with lock:
                ready.add(d.index)

    def do_submit(d: Delegate) -> None:
        if d.index not in ready or stopped():
            return
        first, _, tap = plan[d.index]
        key = secrets.token_urlsafe(12)
        if tap:
            with lock:
                result.double_taps += 1
            twin = threading.Thread(
                target=post, args=(d, first, key, "submit"), kwargs={"fresh": True}
            )
            twin.start()
            post(d, first, key, "submit")
            twin.join((REQUEST_TIMEOUT + 5) * (retries + 1))
        else:
            post(d, first, key, "submit")
        if any(a.ok for a in attempts[d.index]):
            with lock:
                submitted.add(d.index)

    def do_revise(d: Delegate) -> None:
        if d.index not in submitted or stopped():
            return
        _, second, _ = plan[d.index]
        key = secrets.token_urlsafe(12)
        attempt = post(d, second, key, "revise")
        if attempt.ok:
            with lock:
                revised.add(d.index)

    steps = [("join", do_join), ("submit", do_submit), ("revise", do_revise)]
    if phased:
        for name, step in steps:
            start = time.monotonic()
            before = recorder.count(lambda s: True)
            late = run_pool(delegates, step, concurrency, deadline, stop, rate)
            result.lateness = max(result.lateness, late)
            for d in delegates:
                d.close()
            result.phases[name] = (
                recorder.count(lambda s: True) - before,
                time.monotonic() - start,
            )
    else:
        start = time.monotonic()

        def end_to_end(d: Delegate) -> None:
            for _, step in steps:
                step(d)
            d.close()

        result.lateness = run_pool(
            delegates, end_to_end, concurrency, deadline, stop, rate
        )
        result.phases["all"] = (
            recorder.count(lambda s: True),
            time.monotonic() - start,
        )
    result.final = {i: plan[i][1] for i in revised}
    result.incomplete = len(delegates) - len(revised)
    return result


def transient(status: int) -> bool:
    """No answer, or a proxy's / a node's "try again": worth the same request again."""
    return status in (0, 502, 503, 504)


def ballots_of(round_id: int) -> dict[int, dict]:
    """participant id → {ranking, revision, receipt, updated_at} (app context)."""
    from voting.extensions import db
    from voting.models import Ballot

    rows = db.session.execute(
        sa.select(
            Ballot.participant_id,
            Ballot.ranking,
            Ballot.revision,
            Ballot.receipt_code,
            Ballot.updated_at,
        ).filter_by(round_id=round_id)
    ).all()
    db.session.rollback()
    return {
        r.participant_id: {
            "ranking": r.ranking,
            "revision": r.revision,
            "receipt": r.receipt_code,
            "updated_at": r.updated_at,
        }
        for r in rows
    }


def bookkeeping(setup: Setup) -> dict[str, object]:
    """Idempotency keys per participant, ballot audit entries, round version."""
    from voting.extensions import db
    from voting.models import AuditEntry, IdempotencyKey, RoundCounter

    keys = Counter(
        dict(
            db.session.execute(
                sa.select(IdempotencyKey.participant_id, sa.func.count())
                .where(IdempotencyKey.participant_id.in_(setup.participant_ids))
                .group_by(IdempotencyKey.participant_id)
            ).all()
        )
    )
    audit = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.round_id == setup.round_id,
            AuditEntry.action.in_(("ballot_cast", "ballot_revised")),
        )
    )
    version = db.session.scalar(
        sa.select(RoundCounter.version).filter_by(round_id=setup.round_id)
    )
    db.session.rollback()
    return {"keys": keys, "audit": audit, "version": version}


def accepted_keys(attempts: list[Attempt]) -> dict[int, dict[str, Attempt]]:
    """delegate → key → an acknowledged attempt under that key."""
    found: dict[int, dict[str, Attempt]] = defaultdict(dict)
    for a in attempts:
        if a.ok:
            found[a.delegate].setdefault(a.key, a)
    return found


def check_counts(
    setup: Setup, attempts: list[Attempt], state_changes: int = 0
) -> list[str]:
    """Revision = acknowledged keys per delegate; keys, audit, version agree.

    The round version counts ballot writes plus ``state_changes`` (a close).
    """
    problems = []
    ballots = ballots_of(setup.round_id)
    books = bookkeeping(setup)
    accepted = accepted_keys(attempts)
    total = 0
    for index, keys in accepted.items():
        pid = setup.participant_ids[index]
        total += len(keys)
        ballot = ballots.get(pid)
        if ballot is None:
            problems.append(f"delegate {index}: acknowledged ballot missing")
            continue
        if ballot["revision"] != len(keys):
            problems.append(
                f"delegate {index}: revision {ballot['revision']} "
                f"!= {len(keys)} acknowledged keys"
            )
        if books["keys"][pid] != len(keys):
            problems.append(
                f"delegate {index}: {books['keys'][pid]} idempotency rows "
                f"!= {len(keys)} acknowledged keys"
            )
    stray = set(ballots) - {setup.participant_ids[i] for i in accepted}
    if stray:
        problems.append(f"{len(stray)} ballots nobody got an answer for")
    if books["audit"] != total:
        problems.append(f"{books['audit']} ballot audit entries != {total} writes")
    if books["version"] != total + state_changes:
        problems.append(
            f"round version {books['version']} != {total} writes"
            f" + {state_changes} state changes"
        )
    return problems


def check_burst(
    setup: Setup, result: BurstResult, allow: frozenset = frozenset()
) -> list[str]:
    """Exactly N ballots with the final rankings, revision 2, replays coherent.

    Statuses in ``allow`` (and unanswered requests, with ``allow``) are left
    to the caller, who counts them (a node killed on purpose).
    """
    problems = []
    n = len(setup.tokens)
    ballots = ballots_of(setup.round_id)
    if result.incomplete:
        problems.append(f"{result.incomplete} delegates did not complete their flow")
    if len(ballots) != n:
        problems.append(f"{len(ballots)} ballots != {n} delegates")
    wrong = [
        i
        for i, ranking in result.final.items()
        if ballots.get(setup.participant_ids[i], {}).get("ranking") != ranking
    ]
    if wrong:
        problems.append(f"{len(wrong)} ballots do not hold the final ranking")
    revisions = Counter(b["revision"] for b in ballots.values())
    if set(revisions) - {2}:
        problems.append(f"revisions {dict(revisions)} (expected all 2)")
    for index, attempts in result.attempts.items():
        by_key = defaultdict(list)
        for a in attempts:
            if a.ok:
                by_key[a.key].append(a)
        for key_attempts in by_key.values():
            if len({(a.revision, a.receipt) for a in key_attempts}) != 1:
                problems.append(f"delegate {index}: a double tap gave two answers")
            if len(key_attempts) > 1 and not any(a.replayed for a in key_attempts):
                problems.append(f"delegate {index}: a double tap was not replayed")
    problems += check_counts(setup, result.all_attempts())
    server_errors = result.recorder.count(lambda s: s >= 500 and s not in allow)
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx")
    expected = {200, 201, 302} | set(allow) | ({0} if allow else set())
    other = result.recorder.count(lambda s: s not in expected)
    if other:
        problems.append(f"{other} unexpected statuses (not 200/201/302)")
    return problems


# --- rate limits --------------------------------------------------------------------


def wrong_codes(
    base_url: str, n: int, deadline: float, source: str | None = None
) -> list[int]:
    """``n`` joins with wrong event codes (``GET /join?code=…``), one
    connection each, from loopback address ``source``; their statuses."""
    parts = urlsplit(base_url)
    statuses = []
    for i in range(n):
        if time.monotonic() > deadline:
            break
        conn = http.client.HTTPConnection(
            parts.hostname,
            parts.port,
            timeout=REQUEST_TIMEOUT,
            source_address=(source, 0) if source else None,
        )
        try:
            conn.request("GET", f"/join?code=WRONG{i:04d}{secrets.token_hex(2)}")
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        except (OSError, http.client.HTTPException):
            statuses.append(0)
        finally:
            conn.close()
    return statuses


def loopback_address(rng: random.Random | None = None) -> str:
    """A random 127.x.y.z other than 127.0.0.1: rate limits of its own."""
    rng = rng or random.Random(secrets.randbits(32))
    return f"127.{rng.randint(1, 254)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# --- one delegate, many parallel submissions ----------------------------------------


def same_delegate(
    base_url: str, setup: Setup, n: int, deadline: float, seed: int = 11
) -> tuple[Recorder, list[Attempt]]:
    """``n`` simultaneous POSTs of delegate 0 (different keys and rankings)."""
    recorder = Recorder()
    d = Delegate(base_url, 0, setup.tokens[0], setup.participant_ids[0])
    recorder.add("join", d.join())
    recorder.add("ballot page", d.ballot_page(setup.poll_id))
    d.close()
    rng = random.Random(seed)
    plans = rankings(setup.option_ids, n, rng)
    barrier = threading.Barrier(n, timeout=30)
    attempts: list[Attempt] = []
    lock = threading.Lock()

    def fire(ranking):
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        if time.monotonic() > deadline:
            return
        attempt = record_post(
            d,
            setup.round_id,
            ranking,
            secrets.token_urlsafe(12),
            recorder,
            "submit",
            fresh=True,
        )
        with lock:
            attempts.append(attempt)

    threads = [threading.Thread(target=fire, args=(r,)) for r in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(REQUEST_TIMEOUT + 35)
    return recorder, attempts


def check_same_delegate(
    setup: Setup, recorder: Recorder, attempts: list[Attempt]
) -> list[str]:
    problems = []
    ok = [a for a in attempts if a.ok]
    ballots = ballots_of(setup.round_id)
    if len(ballots) != 1:
        problems.append(f"{len(ballots)} ballot rows (expected 1)")
    if recorder.server_errors():
        problems.append(f"{recorder.server_errors()} answers were 5xx")
    if any(a.status == 0 for a in attempts):
        problems.append("some requests got no answer")
    if ballots:
        ballot = next(iter(ballots.values()))
        if ballot["revision"] != len(ok):
            problems.append(f"revision {ballot['revision']} != {len(ok)} 2xx answers")
        if sorted(a.revision for a in ok) != list(range(1, len(ok) + 1)):
            problems.append("the answered revisions are not 1..k")
        if ok:
            last = max(ok, key=lambda a: a.revision)
            if ballot["ranking"] != last.ranking:
                problems.append("the stored ranking is not the last answered one")
    if sum(a.status == 201 for a in attempts) != 1:
        problems.append("not exactly one 201")
    problems += check_counts(setup, attempts)
    return problems


# --- close while ballots stream -----------------------------------------------------


@dataclass
class CloseRace:
    recorder: Recorder
    attempts: list[Attempt]
    close_started: float = 0.0
    close_done: float = 0.0
    close_ok: bool = False
    close_output: str = ""


def close_race(
    base_url: str,
    setup: Setup,
    close,
    *,
    voters: int = 50,
    close_after: float = 1.5,
    close_after_accepted: int = 0,
    deadline: float,
    seed: int = 5,
) -> CloseRace:
    """``voters`` delegates revise in a loop; ``close()`` runs after ``close_after``
    seconds, once at least ``close_after_accepted`` ballots were accepted (a
    busy machine is slower, not a different race).

    ``close`` returns (succeeded, output). Each voter stops after two requests
    sent once ``close()`` has returned (or at the deadline).
    """
    rng = random.Random(seed)
    recorder = Recorder()
    race = CloseRace(recorder, [])
    lock = threading.Lock()
    delegates = [
        Delegate(base_url, i, setup.tokens[i], setup.participant_ids[i])
        for i in range(voters)
    ]
    plans = {d.index: rankings(setup.option_ids, 50, rng) for d in delegates}
    for d in delegates:
        recorder.add("join", d.join())
        recorder.add("ballot page", d.ballot_page(setup.poll_id))

    def stream(d: Delegate):
        after_close = 0
        for i in range(10_000):
            if time.monotonic() > deadline or after_close >= 2:
                break
            ranking = plans[d.index][i % len(plans[d.index])]
            attempt = record_post(
                d,
                setup.round_id,
                ranking,
                secrets.token_urlsafe(12),
                recorder,
                "submit",
            )
            with lock:
                race.attempts.append(attempt)
            if race.close_done and attempt.sent_at > race.close_done:
                after_close += 1
            elif attempt.status == 409:
                time.sleep(0.02)  # closed: wait for the facilitator to return
        d.close()

    threads = [threading.Thread(target=stream, args=(d,)) for d in delegates]
    for t in threads:
        t.start()
    time.sleep(close_after)
    while time.monotonic() < deadline:
        with lock:
            accepted = sum(a.ok for a in race.attempts)
        if accepted >= close_after_accepted:
            break
        time.sleep(0.05)
    race.close_started = time.monotonic()
    race.close_ok, race.close_output = close()
    race.close_done = time.monotonic()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT))
    return race


def check_close_race(setup: Setup, race: CloseRace) -> list[str]:
    from voting.extensions import db
    from voting.models import AuditEntry, Round

    problems = []
    if not race.close_ok:
        problems.append(f"the close failed: {race.close_output}")
    round_ = db.session.get(Round, setup.round_id)
    closed_at, status = round_.closed_at, round_.status
    late_audit = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.round_id == setup.round_id,
            AuditEntry.action.in_(("ballot_cast", "ballot_revised")),
            AuditEntry.at > closed_at,
        )
    )
    db.session.rollback()
    if status != "closed" or closed_at is None:
        problems.append(f"round status {status}")
        return problems
    ballots = ballots_of(setup.round_id)
    late = [b for b in ballots.values() if b["updated_at"] > closed_at]
    if late:
        problems.append(f"{len(late)} ballots updated after closed_at")
    if late_audit:
        problems.append(f"{late_audit} ballot audit entries after closed_at")
    after = [a for a in race.attempts if a.sent_at > race.close_done]
    wrong = [a for a in after if a.status != 409]
    if wrong:
        statuses = Counter(a.status for a in wrong)
        problems.append(f"{len(wrong)} requests sent after close not 409: {statuses}")
    if not after:
        problems.append("no request was sent after the close")
    by_delegate = defaultdict(list)
    for a in race.attempts:
        by_delegate[a.delegate].append(a)
    for index, attempts in by_delegate.items():
        attempts.sort(key=lambda a: a.sent_at)
        first_409 = next((a for a in attempts if a.status == 409), None)
        if first_409 and any(
            a.ok and a.sent_at > first_409.answered_at for a in attempts
        ):
            problems.append(f"delegate {index}: accepted after a 409")
        ok = [a for a in attempts if a.ok]
        ballot = ballots.get(setup.participant_ids[index])
        if ok and (
            ballot is None
            or ballot["ranking"] != max(ok, key=lambda a: a.revision).ranking
        ):
            problems.append(f"delegate {index}: stored ranking is not the last 2xx")
    if race.recorder.server_errors():
        problems.append(f"{race.recorder.server_errors()} answers were 5xx")
    problems += check_counts(setup, race.attempts, state_changes=1)
    return problems
