"""gunicorn settings read from the environment (``gunicorn wsgi:app``).

SQLite must be served by one process (threads share its write lock); several
workers need PostgreSQL and a shared rate-limit store (Redis).
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Requests spend most of their time in Python, and a process's threads share
# one interpreter lock: SQLite's single process needs threads to overlap its
# waits; with several processes two threads each do better than eight (on 2
# cores, 4 × 2 serves about a fifth more ballots per second than 4 × 8).
threads = int(os.environ.get("THREADS", "8" if workers == 1 else "2"))
if workers > 1:
    # Balance requests across processes. A gthread worker accepts every
    # connection it can and queues it for its own threads, and a kept-alive
    # connection stays with its worker: one busy process builds a queue while
    # another idles, and one request in fifty waits several times as long as
    # the rest. Bounding each worker to two requests per thread, and closing
    # each connection after its answer, leaves the others in the kernel's
    # queue for whichever worker frees up first (on 2 cores, 32 delegates in
    # flight: submit p99 about 210 ms instead of 420 ms, same throughput).
    # Browsers keep their connections to the reverse proxy in front.
    keepalive = 0
    worker_connections = 2 * threads
timeout = 30
graceful_timeout = 10


def on_starting(server):
    reset_metrics_dir()
    database = os.environ.get("DATABASE_URL", "sqlite")
    processes = server.cfg.workers
    if database.startswith("sqlite") and processes > 1:
        raise SystemExit(
            f"Refusing to start {processes} workers on SQLite: serve SQLite from one "
            "process (WEB_CONCURRENCY=1, THREADS=8) or set DATABASE_URL to PostgreSQL."
        )
    if processes > 1 and os.environ.get(
        "RATELIMIT_STORAGE_URI", "memory://"
    ).startswith("memory"):
        server.log.warning(
            "RATELIMIT_STORAGE_URI is memory:// with %d workers: each process counts "
            "on its own. Set it to redis://… to share the limits.",
            processes,
        )


# --- Prometheus multiprocess mode (voting/ops.py) -------------------------------
# With PROMETHEUS_MULTIPROC_DIR set, every worker writes its samples to files
# there and /metrics adds them up: the folder starts empty, and a worker that
# exits is marked dead (its gauges of live processes are dropped).


def reset_metrics_dir():
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
