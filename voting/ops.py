"""Operations endpoints and hooks: health, readiness, Prometheus metrics, access log.

- ``/healthz``: the process answers (200 ``{"status": "ok"}``), nothing else.
- ``/readyz``: the database answers, its Alembic revision is the migrations'
  head, and Redis answers when ``RATELIMIT_STORAGE_URI`` is ``redis://…``;
  200, or 503 naming what failed.
- ``/metrics``: Prometheus text format when ``METRICS_ENABLED`` (else 404).
  Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR``: every
  worker writes its samples there and a scrape adds them up
  (``MultiProcessCollector``); ``gunicorn.conf.py`` empties the folder at
  start and marks dead workers.
- The access log: one JSON line per request on the logger ``prioriza.access``
  (``ACCESS_LOG``) with the endpoint's *name*, never the path (personal links
  carry tokens) nor the query string.

The three endpoints are exempt from rate limits and from the access log.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from config import BASE_DIR

from .extensions import db, limiter

bp = Blueprint("ops", __name__)
access_log = logging.getLogger("prioriza.access")

MIGRATIONS_DIR = BASE_DIR / "migrations"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_START = "prioriza.started"  # keys in the WSGI environ (g is cleared by tests)
_ID = "prioriza.request_id"

# The process's own samples (single-process mode); under multiprocess mode the
# values live in PROMETHEUS_MULTIPROC_DIR and this registry is not scraped.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "prioriza_http_requests",
    "HTTP requests answered, by endpoint name, method and status.",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "prioriza_http_request_duration_seconds",
    "Time to answer, by endpoint name, method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
BALLOTS = Counter(
    "prioriza_ballots_cast",
    "Ballots recorded (kind: first ballot or revision; replays not counted).",
    ["kind"],
    registry=REGISTRY,
)
CONDITIONAL = Counter(
    "prioriza_conditional_polls",
    "Answers carrying an ETag (projector and API polls), by endpoint and "
    "whether they were 304 Not Modified; share of 304s = "
    'not_modified="true" / all.',
    ["endpoint", "not_modified"],
    registry=REGISTRY,
)


def ballot_recorded(revision: int) -> None:
    """Count a committed ballot (called by ``ballots.cast``)."""
    BALLOTS.labels("first" if revision == 1 else "revision").inc()


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # First of the before-request hooks, so that a request another hook
    # refuses (a rate limit, a CSRF error) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    if app.config.get("ACCESS_LOG") and not access_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


# --- per-request hooks -----------------------------------------------------------


def _start() -> None:
    environ = request.environ
    environ[_START] = time.perf_counter()
    given = request.headers.get("X-Request-ID", "")
    environ[_ID] = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    environ = request.environ
    started = environ.get(_START)
    duration = time.perf_counter() - started if started is not None else 0.0
    endpoint = request.endpoint or "unmatched"
    status = str(response.status_code)
    REQUESTS.labels(endpoint, request.method, status).inc()
    LATENCY.labels(endpoint, request.method, status).observe(duration)
    if response.headers.get("ETag") and endpoint != "static":
        CONDITIONAL.labels(endpoint, str(response.status_code == 304).lower()).inc()
    request_id = environ.get(_ID)
    if request_id:
        response.headers.setdefault("X-Request-ID", request_id)
    if current_app.config.get("ACCESS_LOG") and request.blueprint != bp.name:
        access_log.info(
            json.dumps(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "method": request.method,
                    "endpoint": request.endpoint,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "request_id": request_id,
                },
                separators=(",", ":"),
            )
        )
    return response


# --- endpoints ----------------------------------------------------------------


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    checks: dict[str, str] = {}
    try:
        # The request's own session: no second connection (nor, on SQLite, a
        # second claim on the process's write lock) besides the request's.
        conn = db.session.connection()
        conn.execute(sa.text("SELECT 1"))
        current = _database_heads(conn)
        db.session.rollback()
        checks["database"] = "ok"
        expected = migration_heads()
        checks["migrations"] = (
            "ok"
            if current == expected
            else f"database at {', '.join(sorted(current)) or 'no revision'}, "
            f"head is {', '.join(sorted(expected))}"
        )
    except Exception as error:  # any failure means "not ready"
        db.session.rollback()
        current_app.logger.warning("readyz: database: %s", type(error).__name__)
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    storage = current_app.config.get("RATELIMIT_STORAGE_URI", "")
    if storage.startswith(("redis://", "rediss://", "redis+unix://", "unix://")):
        checks["redis"] = _check_redis(storage)
    ready = all(value == "ok" for value in checks.values())
    response = jsonify(status="ready" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    return response


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The head revision(s) of migrations/ (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database_heads(conn) -> frozenset[str]:
    from alembic.migration import MigrationContext

    return frozenset(MigrationContext.configure(conn).get_current_heads())


def _check_redis(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except Exception as error:
        current_app.logger.warning("readyz: redis: %s", type(error).__name__)
        return "unreachable"
    finally:
        client.close()
    return "ok"


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not current_app.config.get("METRICS_ENABLED"):
        abort(404)
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Process())
    registry.register(_OpenRounds())
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


class _Process:
    """This process's samples (single-process mode)."""

    def collect(self):
        yield from REGISTRY.collect()


class _OpenRounds:
    """Rounds open now, read from the database at scrape time."""

    def collect(self):
        from .models import Round, RoundStatus

        gauge = GaugeMetricFamily(
            "prioriza_open_rounds", "Rounds open for ballots now (all events)."
        )
        try:
            count = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Round)
                .where(Round.status == RoundStatus.OPEN)
            )
        except Exception as error:
            current_app.logger.warning("metrics: open rounds: %s", type(error).__name__)
            return
        finally:
            db.session.rollback()  # end the read transaction (SQLite's lock)
        gauge.add_metric([], count or 0)
        yield gauge
