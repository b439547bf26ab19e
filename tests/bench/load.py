"""Load and fault harness: simulated delegates against gunicorn, on loopback.

Run with the project's interpreter, e.g.::

    .venv/bin/python tests/bench/load.py burst --db sqlite --delegates 1000
    .venv/bin/python tests/bench/load.py burst --db postgres --delegates 1000
    .venv/bin/python tests/bench/load.py close-race --db postgres
    .venv/bin/python tests/bench/load.py kill9 --db sqlite
    .venv/bin/python tests/bench/load.py pg-terminate
    .venv/bin/python tests/bench/load.py same-delegate --db sqlite --n 100
    .venv/bin/python tests/bench/load.py displays --db postgres
    .venv/bin/python tests/bench/load.py scale-out --delegates 1000 --compare-single

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

``scale-out`` starts ``--nodes`` gunicorn processes (PostgreSQL, Redis) behind
an nginx of its own (``tests/bench/nginx/nginx.conf.template``, run with
``nginx -c <tmp>/nginx.conf -p <tmp>/``, stopped at the end; never the system
service), kills one node with SIGKILL mid-burst, and checks that nothing
acknowledged was lost or counted twice and that rate limits are shared;
``--compare-single`` first runs the same burst on one node. It needs nginx
(``make bench-nginx``) and is not part of the test suite.

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


def spawn(command: list[str], out, env=None) -> subprocess.Popen:
    """Start a server in its own session (so a kill reaches its children),
    its output to ``out``."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def listening(*ports: int) -> bool:
    """Whether something accepts connections on each loopback port."""
    try:
        for port in ports:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
    except OSError:
        return False
    return True


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
        self.process = spawn(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.app], log, env=env
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            if not listening(port):
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


# --- nginx in front of several nodes -------------------------------------------------

NGINX_TEMPLATE = Path(__file__).with_name("nginx") / "nginx.conf.template"


def nginx_binary() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise SystemExit("nginx is not installed: run `make bench-nginx` (Debian's)")
    return found


class Nginx:
    """Our own nginx (``daemon off``, config, logs and pid in ``prefix``)."""

    def __init__(self, prefix: Path, upstreams: list[str]):
        self.prefix = prefix
        self.port, self.check_port = free_port(), free_port()
        self.bind = loadlib.loopback_address()
        self.check_bind = loadlib.loopback_address()
        self.url = f"http://127.0.0.1:{self.port}"
        self.check_url = f"http://127.0.0.1:{self.check_port}"
        servers = "\n".join(
            f"        server {u.removeprefix('http://')} max_fails=1 fail_timeout=10s;"
            for u in upstreams
        )
        user = ""
        if os.geteuid() == 0:  # workers would be nobody, who cannot enter prefix
            import pwd

            user = f"user {pwd.getpwuid(0).pw_name};"
        self.config = (
            NGINX_TEMPLATE.read_text()
            .replace("@USER@", user)
            .replace("@PREFIX@", str(prefix))
            .replace("@SERVERS@", servers)
            .replace("@PORT@", str(self.port))
            .replace("@BIND@", self.bind)
            .replace("@CHECK_PORT@", str(self.check_port))
            .replace("@CHECK_BIND@", self.check_bind)
        )
        self.conf_path = prefix / "nginx.conf"
        self.conf_path.write_text(self.config)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> None:
        binary = nginx_binary()
        command = [binary, "-c", str(self.conf_path), "-p", f"{self.prefix}/"]
        check = subprocess.run(
            [*command, "-t", "-q"], capture_output=True, text=True, timeout=30
        )
        if check.returncode:
            raise RuntimeError(f"nginx -t: {check.stderr.strip()}")
        self._out = open(self.prefix / "nginx.out", "ab")  # noqa: SIM115
        self.process = spawn(command, self._out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()[-2000:]}")
            if listening(self.port, self.check_port):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not start in time")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: logs flushed
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self._out.close()

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def access(self) -> list[dict]:
        """The access log: one dict per request (upstreams tried, in order)."""
        path = self.prefix / "access.log"
        found = []
        if not path.exists():
            return found
        for line in path.read_text(errors="replace").splitlines():
            head, _, rest = line.partition(" up=")
            parts = head.split()
            if len(parts) < 4:
                continue
            ups, _, tail = rest.partition(" ups=")
            statuses, _, rt = tail.partition(" rt=")
            found.append(
                {
                    "at": float(parts[0]),
                    "status": int(parts[1]),
                    "method": parts[2],
                    "uri": parts[3],
                    "upstreams": [u.strip() for u in ups.split(",") if u.strip()],
                    "upstream_statuses": [
                        x.strip() for x in statuses.split(",") if x.strip()
                    ],
                    "seconds": float(rt) if rt.strip() else 0.0,
                }
            )
        return found


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


def burst_rate(result: loadlib.BurstResult, mixed: bool) -> tuple[int, float, float]:
    """Ballot POSTs, submits/s and the worst p99 (ms) of the four endpoints."""
    posts = sum(result.recorder.statuses[e].total() for e in ("submit", "revise"))
    if mixed:
        seconds = result.phases["all"][1]
    else:
        seconds = result.phases["submit"][1] + result.phases["revise"][1]
    p99 = (
        max(
            loadlib.percentile(sorted(result.recorder.samples[e]), 99)
            for e in loadlib.ENDPOINTS
        )
        * 1000
    )
    return posts, (posts / seconds if seconds else 0.0), p99


def lost_and_duplicated(setup, attempts) -> tuple[int, int]:
    """Acknowledged ballots missing (or not the last acknowledged ranking), and
    writes counted more than once (revision above the acknowledged keys, or two
    rows of one delegate)."""
    import sqlalchemy as sa

    from voting.extensions import db
    from voting.models import Ballot

    ballots = loadlib.ballots_of(setup.round_id)
    lost = duplicated = 0
    for index, keys in loadlib.accepted_keys(attempts).items():
        ballot = ballots.get(setup.participant_ids[index])
        last = max(keys.values(), key=lambda a: a.revision)
        if (
            ballot is None
            or ballot["revision"] < len(keys)
            or ballot["ranking"] != last.ranking
        ):
            lost += 1
        elif ballot["revision"] > len(keys):
            duplicated += 1
    duplicated += db.session.scalar(
        sa.select(sa.func.count()).select_from(
            sa.select(Ballot.participant_id)
            .filter_by(round_id=setup.round_id)
            .group_by(Ballot.participant_id)
            .having(sa.func.count() > 1)
            .subquery()
        )
    )
    db.session.rollback()
    return lost, duplicated


def rate_limit_check(url: str, n: int, source: str | None) -> dict:
    """A brute force of wrong event codes: how many went through before 429."""
    statuses = loadlib.wrong_codes(url, n, time.monotonic() + 60, source)
    first_429 = next((i for i, s in enumerate(statuses) if s == 429), len(statuses))
    return {
        "statuses": dict(sorted(Counter(statuses).items())),
        "through": sum(1 for s in statuses[:first_429] if s == 404),
        "after_first_429": Counter(statuses[first_429:]),
    }


def scale_single(args) -> dict:
    """The burst on one node (``--workers`` × threads), no proxy, no kill."""
    with ExitStack() as stack:
        run = Run("postgres", args, stack)
        setup = loadlib.build(args.delegates)
        warm = loadlib.build(args.warm_up) if args.warm_up else None
        server = run.server()
        limits = rate_limit_check(
            server.url, args.brute_force, loadlib.loopback_address()
        )
        if warm:
            loadlib.burst(
                server.url,
                warm,
                concurrency=8,
                double_tap=0,
                deadline=time.monotonic() + 30,
                phased=False,
            )
        print(f"single node: {describe(args, 'postgres')}, direct (no proxy)")
        result = loadlib.burst(
            server.url,
            setup,
            concurrency=args.concurrency,
            double_tap=args.double_tap,
            seed=args.seed,
            deadline=time.monotonic() + args.seconds,
        )
        problems = loadlib.check_burst(setup, result)
        server.stop()
        problems[:0] = log_problems(run.log_figures())
        print_latencies(result.recorder)
        posts, rate, p99 = burst_rate(result, False)
        lost, duplicated = lost_and_duplicated(setup, result.all_attempts())
        return {
            "label": f"1 node, {describe(args, 'postgres').split(', ', 1)[1]}, direct",
            "posts": posts,
            "rate": rate,
            "p99": p99,
            "ballots": len(loadlib.ballots_of(setup.round_id)),
            "lost": lost,
            "duplicated": duplicated,
            "5xx": result.recorder.server_errors(),
            "5xx in flight": 0,
            "no answer": sum(result.recorder.errors.values()),
            "no answer in flight": 0,
            "nginx retried": 0,
            "limits": limits,
            "problems": problems,
        }


def scale_nodes(args) -> dict:
    """The burst through nginx over ``--nodes`` gunicorn nodes; one is killed."""
    node_args = argparse.Namespace(**vars(args))
    node_args.workers = args.node_workers
    with ExitStack() as stack:
        run = Run("postgres", args, stack)
        setup = loadlib.build(args.delegates)
        warm = loadlib.build(args.warm_up * args.nodes) if args.warm_up else None
        nodes = []
        for i in range(args.nodes):
            node = Server(
                run.database, node_args, run.tmpdir / f"node-{i}.log", run.secret
            )
            run.servers.append(node)
            node.start()
            nodes.append(node)
        proxy = Nginx(run.tmpdir, [n.url for n in nodes])
        proxy.start()
        stack.callback(proxy.stop)
        if args.keep_logs:
            stack.callback(
                lambda: [
                    shutil.copy(
                        run.tmpdir / name, Path(args.keep_logs) / f"nginx-{name}"
                    )
                    for name in ("nginx.conf", "access.log", "error.log")
                    if (run.tmpdir / name).exists()
                ]
            )
        limits = rate_limit_check(proxy.check_url, args.brute_force, None)
        check_rows = len(proxy.access())
        if warm:
            loadlib.burst(
                proxy.url,
                warm,
                concurrency=8,
                double_tap=0,
                deadline=time.monotonic() + 30,
                phased=False,
            )
        victim = nodes[1 % len(nodes)]
        threshold = int(args.kill_at * args.delegates)
        print(
            f"{args.nodes} nodes behind nginx: each {describe(node_args, 'postgres')}; "
            + (
                f"kill -9 of node 1 ({victim.url}) after {threshold} acknowledged "
                "ballot POSTs"
                if args.kill_at
                else "no kill"
            )
            + f"; client retries {args.retries}"
        )
        lock = threading.Lock()
        acked = Counter()
        killed = {}

        def kill():
            killed["acks"] = acked["n"]
            killed["at"] = time.monotonic()
            victim.kill9()
            killed["done"] = time.monotonic()

        def on_post(attempt):
            with lock:
                if attempt.ok:
                    acked["n"] += 1
                if args.kill_at and acked["n"] >= threshold and "thread" not in killed:
                    killed["thread"] = threading.Thread(target=kill)
                    killed["thread"].start()

        result = loadlib.burst(
            proxy.url,
            setup,
            concurrency=args.concurrency,
            double_tap=args.double_tap,
            seed=args.seed,
            deadline=time.monotonic() + args.seconds,
            on_post=on_post,
            retries=args.retries,
        )
        problems = []
        if "thread" in killed:
            killed["thread"].join(30)
        elif args.kill_at:
            problems.append("the burst ended before the kill threshold")
        transient = frozenset({502, 503, 504})
        problems += loadlib.check_burst(setup, result, allow=transient)
        kill_at = killed.get("at", float("inf"))
        in_flight = [f for f in result.failures if f[2] <= kill_at <= f[3] + 0.001]
        other = [f for f in result.failures if f not in in_flight]
        client_5xx = result.recorder.server_errors()
        in_flight_5xx = sum(1 for f in in_flight if f[1] >= 500)
        in_flight_cut = sum(1 for f in in_flight if f[1] == 0)
        if other:
            problems.append(
                f"{len(other)} retried answers not in flight at the kill: "
                f"{Counter((f[0], f[1]) for f in other)}"
            )
        non_transient_5xx = result.recorder.count(
            lambda s: s >= 500 and s not in transient
        )
        if non_transient_5xx:
            problems.append(f"{non_transient_5xx} 5xx other than 502/503/504")
        proxy.stop()
        for node in nodes:
            node.stop()
        problems[:0] = log_problems(run.log_figures())
        log = proxy.access()
        burst_log = log[check_rows:]
        check_log = log[:check_rows]
        victim_addr = victim.url.removeprefix("http://")
        nginx_retried = [r for r in burst_log if len(r["upstreams"]) > 1]
        from_victim = [r for r in nginx_retried if r["upstreams"][0] == victim_addr]
        node_desc = describe(node_args, "postgres").split(", ", 1)[1]
        retried_posts = [r for r in nginx_retried if r["method"] == "POST"]
        # Keys whose every 2xx is a replay: the write committed, its answer lost
        # (the node died, or a cut answer), and a copy was answered from the key.
        by_key = defaultdict(list)
        for a in result.all_attempts():
            if a.ok:
                by_key[(a.delegate, a.key)].append(a.replayed)
        replayed_after = sum(1 for v in by_key.values() if all(v))
        per_node = Counter(r["upstreams"][-1] for r in burst_log if r["upstreams"])
        check_nodes = Counter(r["upstreams"][-1] for r in check_log if r["upstreams"])
        if len(check_nodes) < min(2, args.nodes):
            problems.append(f"the brute force reached only {dict(check_nodes)}")
        print_latencies(result.recorder)
        posts, rate, p99 = burst_rate(result, False)
        lost, duplicated = lost_and_duplicated(setup, result.all_attempts())
        print_figures(
            [
                ("nginx", f"{proxy.url} → " + ", ".join(n.url for n in nodes)),
                (
                    "killed node",
                    f"{victim.url} after {killed.get('acks')} acks"
                    if killed
                    else "none",
                ),
                (
                    "kill → all processes gone",
                    f"{(killed.get('done', 0) - killed.get('at', 0)) * 1000:.0f} ms"
                    if killed
                    else "-",
                ),
                ("requests per node (final upstream)", dict(sorted(per_node.items()))),
                ("requests nginx re-sent to another node", len(nginx_retried)),
                ("  of which ballot POSTs", len(retried_posts)),
                ("  first sent to the killed node", len(from_victim)),
                (
                    "  their upstream statuses",
                    dict(
                        Counter(
                            " ".join(r["upstream_statuses"]) for r in nginx_retried
                        ).most_common(6)
                    ),
                ),
                (
                    "  final statuses",
                    dict(sorted(Counter(r["status"] for r in nginx_retried).items())),
                ),
                (
                    "first 2xx of a key that was a replay (committed, answer lost)",
                    replayed_after,
                ),
                (
                    "answers the client retried (no answer / 502-504)",
                    len(result.failures),
                ),
                ("  in flight at the kill", len(in_flight)),
                ("connection errors seen by clients", dict(result.recorder.errors)),
                ("  other", len(other)),
                (
                    "5xx seen by clients",
                    f"{client_5xx} ({in_flight_5xx} in flight at the kill)",
                ),
                (
                    "nginx access-log 5xx",
                    sum(1 for r in burst_log if r["status"] >= 500),
                ),
                ("nginx error.log lines", len(proxy.error_log().splitlines())),
                (
                    "brute force through nginx: nodes reached",
                    dict(sorted(check_nodes.items())),
                ),
            ]
        )
        return {
            "label": f"{args.nodes} nodes × {node_desc}, nginx"
            + (", 1 killed" if killed else ""),
            "posts": posts,
            "rate": rate,
            "p99": p99,
            "ballots": len(loadlib.ballots_of(setup.round_id)),
            "lost": lost,
            "duplicated": duplicated,
            "5xx": client_5xx,
            "5xx in flight": in_flight_5xx,
            "no answer": sum(result.recorder.errors.values()),
            "no answer in flight": in_flight_cut,
            "nginx retried": len(nginx_retried),
            "limits": limits,
            "problems": problems,
        }


def cmd_scale_out(args) -> int:
    nginx_binary()
    print(
        f"scale-out: {args.delegates} delegates (join, page, submit with "
        f"{args.double_tap:.0%} double taps, revise; {args.concurrency} in flight), "
        f"PostgreSQL, rate limits in Redis"
    )
    runs = []
    if args.compare_single:
        runs.append(scale_single(args))
    runs.append(scale_nodes(args))
    problems = []
    for r in runs:
        problems += [f"{r['label']}: {p}" for p in r["problems"]]
        if r["lost"] or r["duplicated"]:
            problems.append(
                f"{r['label']}: lost {r['lost']}, duplicated {r['duplicated']}"
            )
    limits = [r["limits"]["through"] for r in runs]
    expected = int(str(os.environ.get("DELEGATE_JOIN_LIMIT", "20")).split()[0])
    for r in runs:
        if r["limits"]["through"] != expected:
            problems.append(
                f"{r['label']}: {r['limits']['through']} wrong codes went through "
                f"(limit {expected})"
            )
    print(
        loadlib.format_table(
            (
                "run",
                "submits/s",
                "worst p99 ms",
                "ballots",
                "lost",
                "duplicated",
                "5xx (in flight at kill)",
                "no answer (in flight)",
                "re-sent by nginx",
                "wrong codes before 429",
            ),
            [
                (
                    r["label"],
                    f"{r['rate']:.0f}",
                    f"{r['p99']:.0f}",
                    r["ballots"],
                    r["lost"],
                    r["duplicated"],
                    f"{r['5xx']} ({r['5xx in flight']})",
                    f"{r['no answer']} ({r['no answer in flight']})",
                    r["nginx retried"],
                    f"{r['limits']['through']} of {args.brute_force}: "
                    f"{r['limits']['statuses']}",
                )
                for r in runs
            ],
        )
    )
    if len(set(limits)) > 1:
        problems.append(f"rate limits differ: {limits}")
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

    p = sub.add_parser(
        "scale-out", help="3 nodes behind nginx, kill -9 of one mid-burst"
    )
    common(p, db=False, seconds=180)
    p.add_argument("--delegates", type=int, default=1000)
    p.add_argument("--double-tap", type=float, default=0.2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--warm-up", type=int, default=16, metavar="N")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument(
        "--node-workers", type=int, default=2, help="gunicorn workers per node"
    )
    p.add_argument(
        "--kill-at",
        type=float,
        default=0.5,
        help="kill node 1 after this share of N acknowledged ballot POSTs (0: none)",
    )
    p.add_argument("--retries", type=int, default=3, help="client retries, same key")
    p.add_argument("--brute-force", type=int, default=30, help="wrong codes sent")
    p.add_argument(
        "--compare-single",
        action="store_true",
        help="first the same burst on one node (--workers), direct",
    )
    p.set_defaults(func=cmd_scale_out, db="postgres")

    p = sub.add_parser("same-delegate", help="N parallel submissions of one ballot")
    common(p, seconds=60)
    p.add_argument("--n", type=int, default=100)
    p.set_defaults(func=cmd_same_delegate)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
