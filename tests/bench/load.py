"""Load and fault harness: simulated delegates against gunicorn, on loopback.

Run with the project's interpreter, e.g.::

    .venv/bin/python tests/bench/load.py burst --db sqlite --delegates 1000
    .venv/bin/python tests/bench/load.py burst --db postgres --delegates 1000
    .venv/bin/python tests/bench/load.py close-race --db postgres
    .venv/bin/python tests/bench/load.py kill9 --db sqlite
    .venv/bin/python tests/bench/load.py pg-terminate
    .venv/bin/python tests/bench/load.py same-delegate --db sqlite --n 100
    .venv/bin/python tests/bench/load.py displays --db postgres

Each command prepares a fresh database (an SQLite file in a temporary folder,
or a PostgreSQL database ``prioriza_load_<pid>_<hex>`` on 127.0.0.1:5432,
dropped afterwards), creates one event, poll and open round with N delegates
(bulk insert, personal tokens kept by the script), starts gunicorn on
127.0.0.1:<free port> (SQLite: 1 worker × ``--threads`` threads; PostgreSQL:
``--workers`` workers, rate limits in Redis at 127.0.0.1:6379), drives the
delegates with threads (``--concurrency`` at a time), checks the database and
the server log, prints a table, stops the server and exits 1 when an invariant
fails. Every loop is bounded by a count and by ``--seconds``.

The server runs with ``PRIORIZA_ENV=production`` and a random SECRET_KEY: its
session cookie is ``__Host-session`` with ``Secure``. Over plain http on
loopback the simulated phones still send it back: their cookie jar (in
``loadlib.Delegate``) keeps every cookie whatever its flags. Nothing else of
production is bent.

Targets (issue 7, 2 cores): ≥ 300 submits/s on PostgreSQL, ≥ 150 on SQLite,
p99 < 300 ms; zero 5xx; zero "database is locked". Missed targets are printed
(``--enforce-targets`` makes them fail the run too).
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import loadlib  # noqa: E402

BIN = Path(sys.executable).parent
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
REDIS = "redis://127.0.0.1:6379"
TARGETS = {"sqlite": 150.0, "postgres": 300.0}
P99_TARGET_MS = 300.0


# --- database ------------------------------------------------------------------------


class Database:
    """A fresh SQLite file or PostgreSQL database; ``drop()`` removes it."""

    def __init__(self, kind: str, tmpdir: str):
        self.kind = kind
        if kind == "sqlite":
            self.url = f"sqlite:///{tmpdir}/load.sqlite3"
            self.name = None
        else:
            import psycopg

            self.name = f"prioriza_load_{os.getpid()}_{secrets.token_hex(3)}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    @property
    def sqlalchemy_url(self) -> str:
        return self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def drop(self) -> None:
        if self.name is None:
            return
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def admin_app(database: Database):
    """The app in this process, for set-up and checks (no server)."""
    from voting import create_app

    return create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url}
    )


# --- server ------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(database: Database | None = None) -> dict[str, float]:
    """CPU seconds so far of gunicorn processes, this database's backends, us."""
    found = Counter()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "gunicorn" in cmdline and "gunicorn.conf.py" in cmdline:
            found["gunicorn"] += _cpu_seconds(int(entry.name))
        elif database and database.name and database.name in cmdline:
            found["postgres backends"] += _cpu_seconds(int(entry.name))
    found["load client"] = _cpu_seconds(os.getpid())
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (``gunicorn.conf.py``) as a subprocess in its own process group."""

    def __init__(self, database: Database, args, log_path: Path, secret: str):
        self.database = database
        self.workers = 1 if database.kind == "sqlite" else args.workers
        self.threads = threads_per_worker(args, self.workers)
        self.log_path = log_path
        self.secret = secret
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.app = getattr(args, "app", None) or "wsgi:app"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PRIORIZA_ENV="production",
            SECRET_KEY=self.secret,
            DATABASE_URL=self.database.url,
            WEB_CONCURRENCY=str(self.workers),
            THREADS=str(self.threads),
            PYTHONUNBUFFERED="1",
        )
        if self.database.kind == "postgres":
            env["RATELIMIT_STORAGE_URI"] = REDIS
        else:
            env["RATELIMIT_STORAGE_URI"] = "memory://"
        return env

    def start(self, timeout: float = 30) -> None:
        port = free_port()
        env = self.env()
        env["BIND"] = f"127.0.0.1:{port}"
        self.url = f"http://127.0.0.1:{port}"
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop/kill)
        self._log = log
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.app],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            # Every worker imports the app before serving; give them a moment.
            probe = loadlib.Delegate(self.url, -1, "x", -1)
            answer = probe.request("GET", "/")
            probe.close()
            if answer.status:
                time.sleep(0.5 if self.workers > 1 else 0.1)
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start in time")

    def kill9(self) -> None:
        """SIGKILL the master and every worker (the whole process group)."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        self._close_log()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # leftover workers, if any
        except (ProcessLookupError, PermissionError):
            pass
        if self.process.poll() is None:
            self.process.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def exceptions(self) -> Counter:
        """The final line of each traceback in the log, counted."""
        found = Counter()
        if not self.log_path.exists():
            return found
        lines = self.log_path.read_text(errors="replace").splitlines()
        in_traceback = False
        for line in lines:
            if line.startswith("Traceback"):
                in_traceback = True
            elif in_traceback and line and not line.startswith((" ", "\t")):
                if not line.startswith(("The above", "During handling")):
                    found[line[:160]] += 1
                    in_traceback = False
        return found

    def log_figures(self) -> dict[str, int]:
        text = (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )
        return {
            "database is locked": text.count("database is locked"),
            "tracebacks": text.count("Traceback"),
            "database unavailable (503)": text.count("database unavailable"),
        }


class Run:
    """Database + admin app + gunicorn for one command; cleans up on exit."""

    def __init__(self, kind: str, args, stack: ExitStack):
        tmpdir = stack.enter_context(
            tempfile.TemporaryDirectory(prefix="prioriza-load-")
        )
        self.tmpdir = Path(tmpdir)
        self.database = Database(kind, tmpdir)
        stack.callback(self.database.drop)
        self.app = admin_app(self.database)
        context = self.app.app_context()
        context.push()
        stack.callback(context.pop)
        stack.callback(self._dispose)
        from voting.extensions import db

        db.create_all()
        self.secret = secrets.token_hex(32)
        self.args = args
        self.servers: list[Server] = []
        stack.callback(self.stop_all)

    def _dispose(self):
        from voting.extensions import db

        db.session.remove()
        db.engine.dispose()

    def server(self) -> Server:
        server = Server(
            self.database,
            self.args,
            self.tmpdir / f"gunicorn-{len(self.servers)}.log",
            self.secret,
        )
        self.servers.append(server)
        server.start()
        return server

    def stop_all(self):
        for server in self.servers:
            server.stop()
        keep = getattr(self.args, "keep_logs", None)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            for server in self.servers:
                if server.log_path.exists():
                    shutil.copy(server.log_path, Path(keep) / server.log_path.name)

    def log_figures(self) -> Counter:
        total = Counter()
        exceptions = Counter()
        for server in self.servers:
            total.update(server.log_figures())
            exceptions.update(server.exceptions())
        total["exceptions"] = exceptions
        return total


# --- output ---------------------------------------------------------------------------


def print_latencies(recorder: loadlib.Recorder) -> None:
    header = (
        "endpoint",
        "requests",
        "statuses",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
    )
    print(loadlib.format_table(header, recorder.table()))


def print_figures(rows: list[tuple]) -> None:
    print(loadlib.format_table(("figure", "value"), rows))


def verdict(problems: list[str]) -> int:
    print(
        "load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(
            *os.getloadavg()
        )
    )
    if problems:
        print("INVARIANTS FAILED:")
        for problem in problems[:50]:
            print("  -", problem)
        if len(problems) > 50:
            print(f"  … and {len(problems) - 50} more")
        return 1
    print("ALL INVARIANTS HOLD")
    return 0


def log_problems(figures: Counter, allow_unavailable: bool = False) -> list[str]:
    problems = []
    for line, n in figures.get("exceptions", Counter()).most_common(5):
        problems.append(f"server log: {n} × {line}")
    if figures["database is locked"]:
        problems.append(f"{figures['database is locked']} 'database is locked' in log")
    if figures["tracebacks"]:
        problems.append(f"{figures['tracebacks']} tracebacks in the server log")
    if figures["database unavailable (503)"] and not allow_unavailable:
        problems.append("503 'database unavailable' in the server log")
    return problems


def threads_per_worker(args, workers: int) -> int:
    """``--threads``, or gunicorn.conf.py's default for that many workers."""
    return args.threads or (8 if workers == 1 else 2)


def describe(args, kind: str) -> str:
    workers = 1 if kind == "sqlite" else args.workers
    name = "SQLite" if kind == "sqlite" else "PostgreSQL"
    threads = threads_per_worker(args, workers)
    return f"{name}, gunicorn {workers} worker(s) × {threads} threads"


# --- commands ------------------------------------------------------------------------


def cmd_burst(args) -> int:
    with ExitStack() as stack:
        run = Run(args.db, args, stack)
        t0 = time.monotonic()
        setup = loadlib.build(args.delegates)
        warm = loadlib.build(args.warm_up) if args.warm_up else None
        prepared = time.monotonic() - t0
        server = run.server()
        if warm:
            # Every worker compiles its templates, loads its catalogues and
            # prepares its statements on first use: do that outside the
            # measurement, in another poll, as a server in service has.
            loadlib.burst(
                server.url,
                warm,
                concurrency=8,
                double_tap=0,
                deadline=time.monotonic() + 30,
                phased=False,
            )
        print(
            f"burst: {args.delegates} delegates (after {args.warm_up} to warm up), "
            f"double tap {args.double_tap:.0%}, "
            + (
                f"open loop, {args.rate:g} delegates/s per phase, "
                if args.rate
                else f"client concurrency {args.concurrency}, "
            )
            + f"{describe(args, args.db)} "
            f"(set-up {prepared:.1f} s)"
        )
        cpu_before, wall = cpu_snapshot(run.database), time.monotonic()
        result = loadlib.burst(
            server.url,
            setup,
            concurrency=args.concurrency,
            double_tap=args.double_tap,
            seed=args.seed,
            deadline=time.monotonic() + args.seconds,
            phased=not args.mixed,
            rate=args.rate,
        )
        cpu_after, wall = cpu_snapshot(run.database), time.monotonic() - wall
        cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
        problems = loadlib.check_burst(setup, result)
        server.stop()
        figures = run.log_figures()
        problems[:0] = log_problems(figures)
        print_latencies(result.recorder)
        rows = []
        for phase, (requests, seconds) in result.phases.items():
            rows.append(
                (
                    f"phase {phase}",
                    f"{requests} requests in {seconds:.2f} s"
                    f" = {requests / seconds:.0f} req/s",
                )
            )
        posts = sum(result.recorder.statuses[e].total() for e in ("submit", "revise"))
        if args.mixed:
            seconds = result.phases["all"][1]
        else:
            seconds = result.phases["submit"][1] + result.phases["revise"][1]
        rate = posts / seconds if seconds else 0.0
        ballots = loadlib.ballots_of(setup.round_id)
        revisions = Counter(b["revision"] for b in ballots.values())
        p99 = (
            max(
                loadlib.percentile(sorted(result.recorder.samples[e]), 99)
                for e in loadlib.ENDPOINTS
            )
            * 1000
        )
        rows += [
            ("ballot POSTs (submit + double taps + revise)", posts),
            ("submits/s", f"{rate:.0f} (target ≥ {TARGETS[args.db]:.0f})"),
            ("worst p99 of the four endpoints", f"{p99:.1f} ms (target < 300 ms)"),
            (
                "CPU seconds during the run",
                ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
                + f" (wall {wall:.1f} s × {os.cpu_count()} cores)",
            ),
            *(
                [("latest start behind schedule", f"{result.lateness * 1000:.0f} ms")]
                if args.rate
                else []
            ),
            ("double taps", result.double_taps),
            ("replayed answers", sum(a.replayed for a in result.all_attempts())),
            ("ballots in the database", f"{len(ballots)} (expected {args.delegates})"),
            ("revisions", dict(sorted(revisions.items()))),
            ("5xx answers", result.recorder.server_errors()),
            ("connection errors", sum(result.recorder.errors.values())),
            ("'database is locked' in log", figures["database is locked"]),
            ("tracebacks in log", figures["tracebacks"]),
        ]
        print_figures(rows)
        missed = []
        if rate < TARGETS[args.db]:
            missed.append(f"submits/s {rate:.0f} < {TARGETS[args.db]:.0f}")
        if p99 >= P99_TARGET_MS:
            missed.append(f"p99 {p99:.0f} ms ≥ {P99_TARGET_MS:.0f} ms")
        print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
        if args.enforce_targets:
            problems += missed
        return verdict(problems)


def flask_close(run: Run, round_id: int):
    """`flask round close ROUND_ID` in another process (the facilitator)."""

    def close():
        env = dict(os.environ)
        env.update(
            PRIORIZA_ENV="production",
            SECRET_KEY=run.secret,
            DATABASE_URL=run.database.url,
        )
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "round", "close", str(round_id)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.returncode == 0, (done.stdout + done.stderr).strip()

    return close


def cmd_close_race(args) -> int:
    with ExitStack() as stack:
        run = Run(args.db, args, stack)
        setup = loadlib.build(args.voters)
        server = run.server()
        print(
            f"close-race: {args.voters} voters streaming revisions, "
            f"`flask round close` after {args.close_after} s, {describe(args, args.db)}"
        )
        race = loadlib.close_race(
            server.url,
            setup,
            flask_close(run, setup.round_id),
            voters=args.voters,
            close_after=args.close_after,
            deadline=time.monotonic() + args.seconds,
        )
        problems = loadlib.check_close_race(setup, race)
        server.stop()
        figures = run.log_figures()
        problems[:0] = log_problems(figures)
        print_latencies(race.recorder)
        before = [a for a in race.attempts if a.answered_at < race.close_started]
        during = [
            a for a in race.attempts if a not in before and a.sent_at <= race.close_done
        ]
        after = [a for a in race.attempts if a.sent_at > race.close_done]
        ballots = loadlib.ballots_of(setup.round_id)

        def statuses(attempts):
            return dict(sorted(Counter(a.status for a in attempts).items()))

        print_figures(
            [
                ("close command", race.close_output),
                (
                    "close command wall time (process start included)",
                    f"{(race.close_done - race.close_started) * 1000:.0f} ms",
                ),
                ("answered before the close started", statuses(before)),
                ("overlapping the close", statuses(during)),
                ("sent after the close returned", statuses(after)),
                ("ballots in the database", len(ballots)),
                (
                    "ballots updated after closed_at",
                    sum(b["updated_at"] > _closed_at(setup) for b in ballots.values()),
                ),
                ("5xx answers", race.recorder.server_errors()),
                ("'database is locked' in log", figures["database is locked"]),
            ]
        )
        return verdict(problems)


def _closed_at(setup):
    from voting.extensions import db
    from voting.models import Round

    value = db.session.get(Round, setup.round_id).closed_at
    db.session.rollback()
    return value


def cmd_kill9(args) -> int:
    with ExitStack() as stack:
        run = Run(args.db, args, stack)
        setup = loadlib.build(args.delegates)
        server = run.server()
        threshold = int(args.kill_at * 2 * args.delegates)
        print(
            f"kill9: {args.delegates} delegates end to end (double tap "
            f"{args.double_tap:.0%}), SIGKILL of master + workers after {threshold} "
            f"acknowledged ballot POSTs, {describe(args, args.db)}"
        )
        stop = threading.Event()
        lock = threading.Lock()
        acked = Counter()

        def on_post(attempt):
            with lock:
                if attempt.ok:
                    acked["n"] += 1
                if acked["n"] >= threshold and not stop.is_set():
                    stop.set()
                    acked["killed_at"] = time.monotonic()
                    server.kill9()

        result = loadlib.burst(
            server.url,
            setup,
            concurrency=args.concurrency,
            double_tap=args.double_tap,
            seed=args.seed,
            deadline=time.monotonic() + args.seconds,
            phased=False,
            stop=stop,
            on_post=on_post,
        )
        problems = []
        if not stop.is_set():
            problems.append("the burst ended before the kill threshold")
            server.kill9()
        attempts = result.all_attempts()
        before_kill_5xx = result.recorder.server_errors()
        # After the restart: is every acknowledged ballot there, unchanged?
        restarted = run.server()
        ballots = loadlib.ballots_of(setup.round_id)
        by_delegate = defaultdict(list)
        for a in attempts:
            by_delegate[a.delegate].append(a)
        committed_unknown = 0
        for index, mine in by_delegate.items():
            pid = setup.participant_ids[index]
            ok = [a for a in mine if a.ok]
            ok_keys = {a.key for a in ok}
            unknown = [a for a in mine if a.unknown and a.key not in ok_keys]
            ballot = ballots.get(pid)
            last = max(ok, key=lambda a: a.revision) if ok else None
            allowed = []
            base = 0
            if last is not None:
                allowed.append((last.revision, last.ranking, last.receipt))
                base = last.revision
            else:
                allowed.append(None)
            for a in unknown:
                allowed.append((base + 1, a.ranking, None))
            state = (
                None
                if ballot is None
                else (ballot["revision"], ballot["ranking"], ballot["receipt"])
            )
            if state in allowed:
                continue
            if state is not None and any(
                x and x[2] is None and x[:2] == state[:2] for x in allowed
            ):
                committed_unknown += 1
                if last is not None and state[2] != last.receipt:
                    problems.append(f"delegate {index}: receipt changed")
                continue
            problems.append(
                f"delegate {index}: stored {state} is not the acknowledged {allowed[0]}"
            )
        # Retry every unanswered request, then replay every acknowledged one.
        recorder = loadlib.Recorder()
        delegates = {d.index: d for d in result.delegates}
        for d in delegates.values():
            d.retarget(restarted.url)
        unknown = {}
        for a in attempts:
            if a.unknown and a.key not in {
                x.key for x in by_delegate[a.delegate] if x.ok
            }:
                unknown.setdefault((a.delegate, a.key), a)
        retries = []
        for (index, key), a in unknown.items():
            retry = loadlib.record_post(
                delegates[index],
                setup.round_id,
                a.ranking,
                key,
                recorder,
                "retry",
                fresh=True,
            )
            retries.append(retry)
            if not retry.ok:
                problems.append(f"delegate {index}: retry got {retry.status}")
        replays = []
        first_answer = {}
        for a in attempts:
            if a.ok and not a.replayed:
                first_answer.setdefault((a.delegate, a.key), a)
        for (index, key), a in first_answer.items():
            again = loadlib.record_post(
                delegates[index],
                setup.round_id,
                a.ranking,
                key,
                recorder,
                "replay",
                fresh=True,
            )
            replays.append(again)
            if not (again.ok and again.replayed):
                problems.append(f"delegate {index}: replay got {again.status}")
            elif (again.revision, again.receipt) != (a.revision, a.receipt):
                problems.append(f"delegate {index}: replay answered differently")
        for d in delegates.values():
            d.close()
        problems += loadlib.check_counts(setup, attempts + retries + replays)
        after = loadlib.ballots_of(setup.round_id)
        for index, mine in by_delegate.items():
            if any(a.unknown for a in mine):
                continue
            pid = setup.participant_ids[index]
            if ballots.get(pid) != after.get(pid):
                problems.append(f"delegate {index}: ballot changed by the replays")
        restarted.stop()
        figures = run.log_figures()
        problems[:0] = log_problems(figures)
        if before_kill_5xx or recorder.server_errors():
            problems.append("5xx answers")
        retried_new = sum(1 for r in retries if r.ok and not r.replayed)
        retried_replayed = sum(1 for r in retries if r.ok and r.replayed)
        print_latencies(result.recorder)
        print_latencies(recorder)
        print_figures(
            [
                ("acknowledged ballot POSTs before the kill", acked["n"]),
                ("requests in flight at the kill (no answer)", len(unknown)),
                ("  of which committed before the kill", committed_unknown),
                ("ballots after restart", len(ballots)),
                ("retries (same key) that wrote", retried_new),
                ("retries (same key) answered as replays", retried_replayed),
                ("replays of acknowledged keys", len(replays)),
                (
                    "  answered as the first time",
                    sum(
                        1
                        for r in replays
                        if r.replayed
                        and (r.revision, r.receipt)
                        == (
                            first_answer[(r.delegate, r.key)].revision,
                            first_answer[(r.delegate, r.key)].receipt,
                        )
                    ),
                ),
                ("5xx answers", before_kill_5xx + recorder.server_errors()),
                ("'database is locked' in log", figures["database is locked"]),
            ]
        )
        return verdict(problems)


def cmd_pg_terminate(args) -> int:
    import psycopg

    with ExitStack() as stack:
        run = Run("postgres", args, stack)
        setup = loadlib.build(args.voters)
        server = run.server()
        print(
            f"pg-terminate: {args.voters} voters streaming (ballot page + submit), "
            f"pg_terminate_backend on every app backend every {args.interval} s "
            f"({args.kills} shots), {describe(args, 'postgres')}"
        )
        recorder = loadlib.Recorder()
        delegates = [
            loadlib.Delegate(server.url, i, setup.tokens[i], setup.participant_ids[i])
            for i in range(args.voters)
        ]
        for d in delegates:
            recorder.add("join", d.join())
            recorder.add("ballot page", d.ballot_page(setup.poll_id))
        attempts: list[loadlib.Attempt] = []
        problems: list[str] = []
        follow = Counter()
        retries: list[loadlib.Attempt] = []
        shots: list[float] = []
        lock = threading.Lock()
        done = threading.Event()
        deadline = time.monotonic() + args.seconds
        plans = loadlib.rankings(setup.option_ids, 200, random.Random(1))

        def check_503(answer, kind):
            if answer.headers.get("retry-after") is None:
                problems.append(f"{kind} 503 without Retry-After")
            if kind == "json":
                body = answer.json() or {}
                if not (body.get("error") and body.get("message")):
                    problems.append("JSON 503 without error/message")
            elif "text/html" not in answer.headers.get("content-type", ""):
                problems.append("page 503 is not an HTML page")

        def stream(d):
            for i in range(100_000):
                if done.is_set() or time.monotonic() > deadline:
                    break
                if i % 4 == 3:
                    page = d.ballot_page(setup.poll_id)
                    recorder.add("ballot page", page)
                    if page.status == 503:
                        check_503(page, "html")
                        with lock:
                            follow["page 503"] += 1
                ranking = plans[(i + d.index) % len(plans)]
                key = secrets.token_urlsafe(12)
                attempt = loadlib.record_post(
                    d, setup.round_id, ranking, key, recorder, "submit"
                )
                with lock:
                    attempts.append(attempt)
                tries = 0
                while attempt.status == 503 and tries < 5:
                    tries += 1
                    check_503(attempt.answer, "json")
                    attempt = loadlib.record_post(
                        d, setup.round_id, ranking, key, recorder, "retry after 503"
                    )
                    with lock:
                        attempts.append(attempt)
                        retries.append(attempt)
                if attempt.status not in (200, 201):
                    with lock:
                        problems.append(f"voter {d.index}: gave up at {attempt.status}")
            d.close()

        threads = [threading.Thread(target=stream, args=(d,)) for d in delegates]
        for t in threads:
            t.start()
        terminated = 0
        time.sleep(min(0.5, args.seconds / 4))
        with psycopg.connect(
            f"host=127.0.0.1 port=5432 user=postgres dbname={run.database.name}",
            autocommit=True,
        ) as conn:
            for _ in range(args.kills):
                if time.monotonic() > deadline - 0.5:
                    break
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                ).fetchall()
                terminated += sum(1 for (ok,) in rows if ok)
                shots.append(time.monotonic())
                time.sleep(args.interval)
        time.sleep(0.5)
        done.set()
        for t in threads:
            t.join(loadlib.REQUEST_TIMEOUT + 5)
        # The request after a 503 must succeed, unless the next shot hit it too.
        for retry in retries:
            if retry.ok:
                follow["next ok"] += 1
            elif any(retry.sent_at - 0.05 <= t <= retry.answered_at for t in shots):
                follow["next hit by the next shot"] += 1
            else:
                follow["next not ok"] += 1
        problems += loadlib.check_counts(setup, attempts)
        statuses = Counter(a.status for a in attempts)
        five_hundreds = recorder.count(lambda s: s >= 500 and s != 503)
        if five_hundreds:
            problems.append(f"{five_hundreds} 5xx answers other than 503")
        if not recorder.count(lambda s: s == 503):
            problems.append("no request was hit by a termination (fault not exercised)")
        if follow["next not ok"]:
            problems.append(
                f"{follow['next not ok']} retries after a 503 did not succeed"
            )
        if any(a.status == 0 for a in attempts):
            problems.append("some requests got no answer")
        server.stop()
        figures = run.log_figures()
        problems[:0] = log_problems(figures, allow_unavailable=True)
        print_latencies(recorder)
        print_figures(
            [
                ("backends terminated", terminated),
                ("ballot POST statuses", dict(sorted(statuses.items()))),
                ("503 answers (JSON + page)", recorder.count(lambda s: s == 503)),
                ("  ballot page 503 (HTML)", follow["page 503"]),
                ("next request after a 503 succeeded", follow["next ok"]),
                ("next request after a 503 failed", follow["next not ok"]),
                (
                    "next request hit by the next shot (excused)",
                    follow["next hit by the next shot"],
                ),
                ("500 answers", recorder.count(lambda s: s == 500)),
                (
                    "'database unavailable' warnings in log",
                    figures["database unavailable (503)"],
                ),
                ("tracebacks in log", figures["tracebacks"]),
            ]
        )
        return verdict(problems)


def cmd_same_delegate(args) -> int:
    with ExitStack() as stack:
        run = Run(args.db, args, stack)
        setup = loadlib.build(1)
        server = run.server()
        print(
            f"same-delegate: {args.n} simultaneous submissions of one delegate "
            f"(different keys and rankings), {describe(args, args.db)}"
        )
        recorder, attempts = loadlib.same_delegate(
            server.url, setup, args.n, deadline=time.monotonic() + args.seconds
        )
        problems = loadlib.check_same_delegate(setup, recorder, attempts)
        server.stop()
        figures = run.log_figures()
        problems[:0] = log_problems(figures)
        ballots = loadlib.ballots_of(setup.round_id)
        print_latencies(recorder)
        print_figures(
            [
                ("submissions", len(attempts)),
                ("statuses", dict(sorted(Counter(a.status for a in attempts).items()))),
                ("ballot rows", len(ballots)),
                ("stored revision", [b["revision"] for b in ballots.values()]),
                ("2xx answers", sum(a.ok for a in attempts)),
                ("'database is locked' in log", figures["database is locked"]),
            ]
        )
        return verdict(problems)


def cmd_displays(args) -> int:
    """Projectors poll the tally with If-None-Match while delegates vote.

    Lag of a ballot: from its acknowledgement to the first poll, on each
    display, that shows a turnout including it.
    """
    with ExitStack() as stack:
        run = Run(args.db, args, stack)
        setup = loadlib.build(args.delegates)
        from voting.extensions import db
        from voting.models import Poll

        token = db.session.get(Poll, setup.poll_id).display_token
        db.session.remove()
        server = run.server()
        print(
            f"displays: {args.displays} projectors polling every {args.interval} s "
            f"while {args.delegates} delegates vote over {args.spread} s, "
            f"{describe(args, args.db)}"
        )
        rng = random.Random(args.seed)
        start = time.monotonic() + 1.0
        end = start + args.spread + 3 * args.interval + 2.0
        acked: list[float] = []  # acknowledgement times, in order of commit count
        acked_lock = threading.Lock()
        seen: list[list[tuple[float, int]]] = [[] for _ in range(args.displays)]
        recorder = loadlib.Recorder()

        def project(i: int) -> None:
            client = loadlib.Delegate(server.url, i, "", 0)
            etag = None
            time.sleep(
                max(0.0, start - time.monotonic()) + rng.random() * args.interval
            )
            while time.monotonic() < end:
                headers = {"If-None-Match": etag} if etag else {}
                # A new connection per poll, as gunicorn closes idle
                # keep-alive connections after 2 s: exactly the poll interval.
                answer = client.request(
                    "GET", f"/api/display/{token}/tally", None, headers, fresh=True
                )
                recorder.add("display poll", answer)
                if answer.status == 200:
                    etag = answer.headers.get("etag")
                    ballots = answer.json()["turnout"]["ballots"]
                    seen[i].append((time.monotonic(), ballots))
                time.sleep(args.interval)
            client.close()

        def vote(index: int) -> None:
            d = loadlib.Delegate(
                server.url, index, setup.tokens[index], setup.participant_ids[index]
            )
            time.sleep(max(0.0, start + rng.random() * args.spread - time.monotonic()))
            recorder.add("join", d.join())
            recorder.add("ballot page", d.ballot_page(setup.poll_id))
            order = list(setup.option_ids)
            random.Random(index).shuffle(order)
            answer = d.post_ballot(setup.round_id, [[o] for o in order], f"k{index}")
            recorder.add("submit", answer)
            if answer.status in (200, 201):
                with acked_lock:
                    acked.append(time.monotonic())
            d.close()

        threads = [
            threading.Thread(target=project, args=(i,), daemon=True)
            for i in range(args.displays)
        ]
        threads += [
            threading.Thread(target=vote, args=(i,), daemon=True)
            for i in range(args.delegates)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, end - time.monotonic() + 30))
        server.stop()
        figures = run.log_figures()
        problems = log_problems(figures)
        acked.sort()
        lags = []
        for observations in seen:
            for n, at in enumerate(acked, start=1):
                shown = next(
                    (t for t, count in observations if count >= n and t >= at), None
                )
                if shown is not None:
                    lags.append(shown - at)
                else:
                    problems.append("a display never showed an acknowledged ballot")
                    break
        lags.sort()
        statuses = recorder.statuses["display poll"]
        bad = sum(v for k, v in statuses.items() if k not in (200, 304))
        if bad:
            problems.append(f"{bad} display polls answered neither 200 nor 304")
        print_latencies(recorder)
        lag_max = lags[-1] if lags else float("nan")
        print_figures(
            [
                ("ballots acknowledged", len(acked)),
                ("display polls", dict(sorted(statuses.items()))),
                (
                    "display lag p50 / p95 / max",
                    f"{loadlib.percentile(lags, 50):.2f} / "
                    f"{loadlib.percentile(lags, 95):.2f} / {lag_max:.2f} s "
                    "(target < 3 s)",
                ),
                ("5xx answers", recorder.server_errors()),
            ]
        )
        if lags and lag_max >= 3:
            problems.append(f"display lag up to {lag_max:.2f} s")
        return verdict(problems)


def main(argv=None) -> int:
    print(
        "load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(
            *os.getloadavg()
        )
    )
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p, db=True, seconds=120.0):
        if db:
            p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
        p.add_argument("--workers", type=int, default=4, help="PostgreSQL only")
        p.add_argument(
            "--threads",
            type=int,
            help="per worker (default as gunicorn.conf.py: 8 for one worker, else 2)",
        )
        p.add_argument("--seconds", type=float, default=seconds, help="time cap")
        p.add_argument("--seed", type=int, default=7)
        p.add_argument("--keep-logs", metavar="DIR", help="copy the gunicorn logs")
        p.add_argument(
            "--app",
            default="wsgi:app",
            help="WSGI app for gunicorn (module:name on PYTHONPATH), to compare",
        )

    p = sub.add_parser("burst", help="N delegates join, submit (double taps), revise")
    common(p)
    p.add_argument("--delegates", type=int, default=1000)
    p.add_argument("--double-tap", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--mixed", action="store_true", help="end to end, no phases")
    p.add_argument(
        "--warm-up",
        type=int,
        default=16,
        metavar="N",
        help="delegates of another poll who vote first, unmeasured (0: none)",
    )
    p.add_argument(
        "--rate",
        type=float,
        help="open loop: start this many delegates per second in each phase "
        "(on --concurrency threads, which must outnumber those in flight)",
    )
    p.add_argument("--enforce-targets", action="store_true")
    p.set_defaults(func=cmd_burst)

    p = sub.add_parser("close-race", help="voters stream while the round closes")
    common(p, seconds=30)
    p.add_argument("--voters", type=int, default=50)
    p.add_argument("--close-after", type=float, default=2.0)
    p.set_defaults(func=cmd_close_race)

    p = sub.add_parser("kill9", help="kill -9 gunicorn mid-burst, restart, verify")
    common(p)
    p.add_argument("--delegates", type=int, default=1000)
    p.add_argument("--double-tap", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument(
        "--kill-at",
        type=float,
        default=0.5,
        help="kill after this share of the 2N ballot POSTs was acknowledged",
    )
    p.set_defaults(func=cmd_kill9)

    p = sub.add_parser("displays", help="projectors poll while delegates vote")
    common(p, seconds=180)
    p.add_argument("--displays", type=int, default=200)
    p.add_argument("--delegates", type=int, default=300)
    p.add_argument("--spread", type=float, default=60.0, help="voting period, s")
    p.add_argument("--interval", type=float, default=2.0, help="display poll, s")
    p.set_defaults(func=cmd_displays)

    p = sub.add_parser("pg-terminate", help="pg_terminate_backend while voting")
    common(p, db=False, seconds=10)
    p.add_argument("--voters", type=int, default=50)
    p.add_argument("--kills", type=int, default=6, help="termination shots")
    p.add_argument("--interval", type=float, default=1.0)
    p.set_defaults(func=cmd_pg_terminate, db="postgres")

    p = sub.add_parser("same-delegate", help="N parallel submissions of one ballot")
    common(p, seconds=60)
    p.add_argument("--n", type=int, default=100)
    p.set_defaults(func=cmd_same_delegate)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
