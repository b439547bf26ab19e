"""Public URLs: what a phone in the room opens, printed, QR-encoded or badged.

Every link that leaves the server (personal links, the join QR, projector
links) is built here from the route itself, against ``PUBLIC_URL`` (the
address phones reach), never from the request's own host: the CLI and the
badge PDF have no request, and behind a proxy the request's host is not the
room's.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint`` under ``PUBLIC_URL``."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def personal_link(token: str) -> str:
    """A delegate's personal link (the QR on the badge)."""
    return public_url("delegate.link", token=token)


def join_link(join_code: str) -> str:
    """What the projector's join QR opens: the code form, filled in."""
    return public_url("delegate.join", code=join_code)


def display_link(poll) -> str:
    """The projector page of a poll."""
    return public_url("display.poll", token=poll.display_token)


def password_link(token: str) -> str:
    """A staff member's one-time link to set their password."""
    return public_url("auth.set_password", token=token)


def loopback_public_url() -> bool:
    """True when ``PUBLIC_URL`` names this machine only (127.0.0.1, localhost,
    ::1): printed links and QR codes would not open on a phone."""
    return is_loopback(current_app.config["PUBLIC_URL"])


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: Where a packet would go: the internet (a documentation address), then the
#: three private ranges (a laptop running its own hotspot has no default route).
LAN_PROBES = ("192.0.2.1", "10.255.255.254", "172.31.255.254", "192.168.255.254")


def lan_address(probes: tuple[str, ...] = LAN_PROBES) -> str | None:
    """This machine's address on its local network, or None without one.

    Connecting a UDP socket sends nothing: it only asks the kernel which
    interface (and so which address) would carry a packet to the probe.
    """
    for probe in probes:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if address != "0.0.0.0" and not ipaddress.ip_address(address).is_loopback:
            return address
    return None


def local_path(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    Where to go after signing in or switching language comes from the
    request. Browsers drop tabs and newlines from a URL and read ``\\`` as
    ``/``, so ``/<tab>/host`` is ``//host``, another site: a target with
    either, any other control character or a space, one that does not start
    with a single ``/``, or one with a scheme or host falls back.
    """
    target = target or ""
    parts = urlsplit(target)
    if (
        _UNSAFE.search(target)
        or not target.startswith("/")
        or target.startswith("//")
        or parts.scheme
        or parts.netloc
    ):
        return fallback
    return target


_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")
