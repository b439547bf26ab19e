"""Serving the room: ``flask serve-room`` and the PUBLIC_URL that follows HOST/PORT.

Issue 14, defect 1: ``make demo PORT=5101`` printed http://127.0.0.1:5000 in
every link, and nothing served the app to the room's network.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import config
from tests import factories
from voting import links

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))
        return sock.getsockname()[1]


def environment(database: str, **extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PUBLIC_URL", "HOST", "PORT", "PRIORIZA_ENV")
    }
    env.update(DATABASE_URL=database, PYTHONPATH=str(ROOT), ACCESS_LOG="0", **extra)
    return env


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "5101"}, "http://127.0.0.1:5101"),
        ({"HOST": "192.168.1.20", "PORT": "8080"}, "http://192.168.1.20:8080"),
        ({"HOST": "fe80::1"}, "http://[fe80::1]:5000"),
        (
            {"HOST": "10.0.0.2", "PUBLIC_URL": "https://vote.example.org"},
            "https://vote.example.org",
        ),
    ],
)
def test_public_url_follows_host_and_port(environ, expected):
    assert config.public_url(environ) == expected


def test_seed_demo_prints_links_on_the_port_it_is_served_on(sqlite_url):
    """``make demo PORT=5101`` passes the port: every printed link names it."""
    result = subprocess.run(
        [*FLASK, "seed-demo"],
        cwd=ROOT,
        env=environment(sqlite_url("demo"), PORT="5101"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = re.findall(r"https?://[^\s]+", result.stdout)
    assert printed
    assert all(url.startswith("http://127.0.0.1:5101/") for url in printed), printed


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:5000", True),
        ("http://192.168.1.20:5000", False),
        ("https://vote.example.org", False),
    ],
)
def test_loopback_addresses(url, loopback):
    assert links.is_loopback(url) is loopback


def test_lan_address_is_never_loopback():
    address = links.lan_address()
    assert address is None or not links.is_loopback(f"http://{address}/")


def test_serve_room_serves_its_printed_links_with_gunicorn(sqlite_url):
    """On a non-default port, the printed projector link opens (under gunicorn)."""
    database = sqlite_url("room")
    env = environment(database)
    subprocess.run(
        [*FLASK, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    server = subprocess.Popen(
        [*FLASK, "serve-room", "--port", str(port), "--lang", "en"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Listening at" in line:
                break
        output = "".join(lines)
        assert "gunicorn" in output, output
        expected_host = links.lan_address() or "127.0.0.1"
        base = f"http://{expected_host}:{port}"
        assert f"Serving the room on {base}" in output, output
        projector = re.search(
            rf"Projector, .*: ({re.escape(base)}/display/\S+)", output
        )
        assert projector, output
        page = None
        for _ in range(50):
            try:
                with urllib.request.urlopen(projector.group(1), timeout=5) as answer:
                    page = answer.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert page is not None and "<html" in page
        with urllib.request.urlopen(f"{base}/login", timeout=5) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stdout.close()


def test_console_warns_while_public_url_is_loopback(app, fac):
    app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    page = fac.get("/console/").get_data(as_text=True)
    assert "loopback-warning" in page and "http://127.0.0.1:5000" in page
    fac.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "Les téléphones" in fac.get("/console/").get_data(as_text=True)
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    assert "loopback-warning" not in fac.get("/console/").get_data(as_text=True)


def test_projector_warns_while_public_url_is_loopback(app, client):
    poll = factories.make_poll()
    app.config["PUBLIC_URL"] = "http://localhost:5000"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt"
    page = client.get(f"/display/{poll.display_token}").get_data(as_text=True)
    assert "loopback-warning" in page and "Os telefones" in page
    app.config["PUBLIC_URL"] = "http://10.0.0.2:5000"
    page = client.get(f"/display/{poll.display_token}").get_data(as_text=True)
    assert "loopback-warning" not in page
