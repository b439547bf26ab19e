"""/metrics under gunicorn with two workers: the samples of both add up.

gunicorn runs with the real ``gunicorn.conf.py`` (its ``child_exit`` hook, its
balancing) and Prometheus' multiprocess mode; only its refusal to serve SQLite
from several processes is lifted, as these requests read and never write.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REQUESTS = 200
HEALTHZ = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    # urllib sends "Connection: close": each request may land on either worker.
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def healthz_count(families) -> float:
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "prioriza_http_requests_total"
        and all(sample.labels.get(k) == v for k, v in HEALTHZ.items())
    )


@pytest.fixture
def gunicorn(tmp_path, sqlite_url):
    """(base URL, multiprocess folder) of gunicorn with 2 workers × 1 thread."""
    metrics_dir = tmp_path / "prometheus"
    conf = tmp_path / "gunicorn_test.conf.py"
    conf.write_text(
        "import runpy\n"
        f"globals().update(runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r}))\n"
        "_reset = reset_metrics_dir\n\n\n"
        "def on_starting(server):\n"
        "    _reset()\n"
    )
    port = free_port()
    env = dict(
        os.environ,
        PRIORIZA_ENV="production",
        SECRET_KEY="x" * 40,
        DATABASE_URL=sqlite_url("gunicorn"),
        RATELIMIT_STORAGE_URI="memory://",
        METRICS_ENABLED="1",
        ACCESS_LOG="0",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        WEB_CONCURRENCY="2",
        THREADS="1",
        BIND=f"127.0.0.1:{port}",
        PYTHONPATH=str(ROOT),
    )
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(conf), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if get(url + "/metrics")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        time.sleep(1)  # both workers booted
        yield url, metrics_dir
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def per_process_counts(metrics_dir: Path) -> dict[int, float]:
    """{pid: /healthz requests} read from each worker's own sample file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        alone = Path(tempfile.mkdtemp(dir=metrics_dir.parent))
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[pid] = healthz_count(registry.collect())
        shutil.rmtree(alone)
    return counts


def test_metrics_of_two_gunicorn_workers_add_up(gunicorn):
    url, metrics_dir = gunicorn
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: get(url + "/healthz")[0], range(REQUESTS)))
    assert statuses == [200] * REQUESTS

    status, text = get(url + "/metrics")
    assert status == 200
    families = list(text_string_to_metric_families(text))
    assert healthz_count(families) == REQUESTS
    names = {sample.name for family in families for sample in family.samples}
    assert "prioriza_open_rounds" in names
    assert "prioriza_http_request_duration_seconds_bucket" in names

    counts = per_process_counts(metrics_dir)
    answered = {pid: n for pid, n in counts.items() if n}
    assert len(answered) == 2, counts  # both workers answered
    assert sum(answered.values()) == REQUESTS
