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
timeout = 30
graceful_timeout = 10


def on_starting(server):
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
