"""Operations endpoints: /healthz, /readyz, /metrics, and the JSON access log."""

import json
import logging
import socket

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import factories
from voting import ballots, create_app, ops


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stamp(app, revision="head"):
    result = app.test_cli_runner().invoke(args=["db", "stamp", revision])
    assert result.exit_code == 0, result.output


def samples(text: str) -> dict:
    """{(name, frozenset(labels)): value} of a Prometheus text answer."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(name, **labels):
    return ops.REGISTRY.get_sample_value(name, labels) or 0.0


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_is_at_the_migrations_head(app, client):
    stamp(app)
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }


def test_readyz_is_503_when_the_database_is_not_at_head(app, client):
    stamp(app, "4408f2150b36")  # 0001: behind the head
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "4408f2150b36" in body["checks"]["migrations"]
    (head,) = ops.migration_heads()
    assert head != "4408f2150b36" and head in body["checks"]["migrations"]


def test_readyz_is_503_without_any_revision(client):
    response = client.get("/readyz")  # tables made by create_all, never stamped
    assert response.status_code == 503
    assert "no revision" in response.get_json()["checks"]["migrations"]


def test_readyz_is_503_when_redis_is_configured_but_unreachable(make_app):
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0")
    stamp(app)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "redis": "unreachable",
    }


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {
        "database": "unreachable",
        "migrations": "unknown",
    }


def test_operations_endpoints_are_exempt_from_rate_limits(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_APPLICATION="2 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503  # unstamped, not 429
        assert client.get("/metrics").status_code == 404  # off, not 429
    # The application-wide limit does apply elsewhere.
    statuses = [client.get("/").status_code for _ in range(3)]
    assert 429 in statuses


def test_metrics_are_404_unless_enabled(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_ballots_304s_and_open_rounds(make_app):
    app = make_app(METRICS_ENABLED=True)
    client = app.test_client()
    poll = factories.make_poll(options=("A", "B"), secret=False)
    factories.make_poll(options=("C", "D"))  # a second open round
    voter = factories.make_participant(poll.event)
    ids = [o.id for o in poll.options]
    display = f"/display/{poll.display_token}"
    before = {
        "first": value("prioriza_ballots_cast_total", kind="first"),
        "revision": value("prioriza_ballots_cast_total", kind="revision"),
        "healthz": value(
            "prioriza_http_requests_total",
            endpoint="ops.healthz",
            method="GET",
            status="200",
        ),
        "304": value(
            "prioriza_conditional_polls_total",
            endpoint="display.poll",
            not_modified="true",
        ),
        "full": value(
            "prioriza_conditional_polls_total",
            endpoint="display.poll",
            not_modified="false",
        ),
    }
    ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]]])
    ballots.cast(voter, poll.rounds[0].id, [[ids[1]], [ids[0]]])
    for _ in range(3):
        client.get("/healthz")
    etag = client.get(display).headers["ETag"]
    for _ in range(4):
        assert client.get(display, headers={"If-None-Match": etag}).status_code == 304

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found = samples(response.get_data(as_text=True))
    assert found[("prioriza_open_rounds", frozenset())] == 2
    assert value("prioriza_ballots_cast_total", kind="first") == before["first"] + 1
    assert (
        value("prioriza_ballots_cast_total", kind="revision") == before["revision"] + 1
    )
    healthz = {("endpoint", "ops.healthz"), ("method", "GET"), ("status", "200")}
    assert found[("prioriza_http_requests_total", frozenset(healthz))] == (
        before["healthz"] + 3
    )
    assert found[
        ("prioriza_http_request_duration_seconds_count", frozenset(healthz))
    ] == (before["healthz"] + 3)
    not_modified = {("endpoint", "display.poll"), ("not_modified", "true")}
    full = {("endpoint", "display.poll"), ("not_modified", "false")}
    assert found[("prioriza_conditional_polls_total", frozenset(not_modified))] == (
        before["304"] + 4
    )
    assert found[("prioriza_conditional_polls_total", frozenset(full))] == (
        before["full"] + 1
    )


def test_a_replayed_ballot_is_not_counted_again(app):
    poll = factories.make_poll(options=("A", "B"))
    voter = factories.make_participant(poll.event)
    ids = [o.id for o in poll.options]
    before = value("prioriza_ballots_cast_total", kind="first")
    ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]]], "key-1")
    ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]]], "key-1")
    assert value("prioriza_ballots_cast_total", kind="first") == before + 1


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines():
    handler = Lines()
    logger = logging.getLogger("prioriza.access")
    logger.addHandler(handler)
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.INFO)
    # Alembic's env.py (fileConfig) disables the loggers that exist when a
    # migration test runs in this process; a served app never runs it.
    logger.disabled = False
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.disabled = disabled


def test_access_log_names_the_endpoint_never_the_token(make_app, access_lines):
    app = make_app(ACCESS_LOG=True)
    client = app.test_client()
    token = "personal-token-Xq7Zr9"
    response = client.get(f"/j/{token}?email=someone@example.org")
    for path in ("/healthz", "/readyz", "/metrics"):
        client.get(path)
    assert len(access_lines) == 1
    line = access_lines[0]
    assert token not in line and "example.org" not in line and "/j/" not in line
    entry = json.loads(line)
    assert set(entry) == {
        "time",
        "method",
        "endpoint",
        "status",
        "duration_ms",
        "request_id",
    }
    assert entry["method"] == "GET"
    assert entry["endpoint"] == "delegate.link"
    assert entry["status"] == response.status_code
    assert entry["duration_ms"] >= 0
    assert entry["request_id"] == response.headers["X-Request-ID"]


def test_access_log_keeps_a_safe_request_id_and_replaces_others(make_app, access_lines):
    app = make_app(ACCESS_LOG=True)
    client = app.test_client()
    client.get("/", headers={"X-Request-ID": "abc-123"})
    client.get("/", headers={"X-Request-ID": "has spaces/and?query=1"})
    first, second = (json.loads(line) for line in access_lines)
    assert first["request_id"] == "abc-123"
    assert len(second["request_id"]) == 32 and "query" not in second["request_id"]


def test_access_log_is_off_by_default_in_testing(client, access_lines):
    client.get("/")
    assert access_lines == []


def test_gunicorn_empties_the_metrics_folder_at_start(monkeypatch, tmp_path):
    from tests.app.test_factory import gunicorn_conf

    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "keep.txt").write_text("not a sample file")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    gunicorn_conf().reset_metrics_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
