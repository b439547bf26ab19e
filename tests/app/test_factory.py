import pytest

from config import DEV_SECRET_KEY
from voting import create_app


@pytest.mark.parametrize("name", ["development", "testing"])
def test_factory_builds_each_config(name, tmp_path):
    app = create_app(name, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["TESTING"] is (name == "testing")
    assert "main.index" in app.view_functions
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_production_refuses_the_default_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": DEV_SECRET_KEY})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": ""})


def test_production_starts_with_a_real_secret_key(tmp_path):
    app = create_app(
        "production",
        {
            "SECRET_KEY": "k" * 64,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
        },
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="PRIORIZA_ENV"):
        create_app("staging")


def test_database_url_gets_the_psycopg_driver(monkeypatch):
    from config import database_url

    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert database_url("sqlite://") == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url("sqlite://") == "sqlite://"


def test_sqlite_connections_are_configured(tmp_path):
    from voting.extensions import db

    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    )
    with app.app_context(), db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("busy_timeout") >= 5000
        # our begin hook, not pysqlite, opens transactions: BEGIN IMMEDIATE
        assert conn.connection.dbapi_connection.isolation_level is None


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def gunicorn_conf():
    """gunicorn.conf.py, read afresh (it reads the environment when loaded)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_gunicorn_threads_and_balancing_follow_the_worker_count(monkeypatch):
    monkeypatch.delenv("THREADS", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    single = gunicorn_conf()
    assert (single.workers, single.threads) == (1, 8)
    assert not hasattr(single, "keepalive")  # gunicorn's keep-alive stays
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    several = gunicorn_conf()
    assert (several.workers, several.threads) == (4, 2)
    assert several.keepalive == 0 and several.worker_connections == 4
    monkeypatch.setenv("THREADS", "3")
    assert gunicorn_conf().worker_connections == 6


def test_gunicorn_refuses_several_workers_on_sqlite(monkeypatch):
    from types import SimpleNamespace

    conf = gunicorn_conf()
    warnings = []
    server = SimpleNamespace(
        cfg=SimpleNamespace(workers=4),
        log=SimpleNamespace(warning=lambda *a: warnings.append(a)),
    )
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="SQLite"):
        conf.on_starting(server)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/prioriza")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    conf.on_starting(server)
    assert warnings  # memory:// limits with 4 workers are reported
    server.cfg.workers = 1
    monkeypatch.delenv("DATABASE_URL")
    conf.on_starting(server)  # one SQLite process is fine


def test_the_shared_test_app_refuses_a_route_or_a_hook_from_a_test(app):
    """The ``app`` fixture hands one app to every test of a process; a route or
    a hook added by a test would stay for the next ones, so Flask must refuse
    it in every test, the process's first included (tests/conftest.py)."""
    with pytest.raises(AssertionError, match="can no longer be called"):
        app.add_url_rule("/_added", "added", lambda: "")
    with pytest.raises(AssertionError, match="can no longer be called"):
        app.before_request(lambda: None)
