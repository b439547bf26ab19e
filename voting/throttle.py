"""Failure counters for joins, receipt checks and sign-ins.

A Flask-Limiter decorator checks its limit *before* the view runs: once one
address (a venue's NAT, where hundreds of phones share one public address)
has used up its failures, every request from it is refused, valid ones too.
So these counters are consulted by the views *after* they know whether the
credential was right:

* a valid personal link, event code or receipt code is always let through:
  others' failures never refuse it;
* a failure counts against the address **and** against the thing attacked
  (the code or link typed, the account's e-mail), each with its own limit;
  once either is spent, failures answer 429 (translated, with
  ``Retry-After``) instead of 404/401;
* a sign-in to an account whose own failures are spent is refused without
  checking the password (a lockout of that account only; the other staff,
  from the same address, still sign in).

The counters live on the limiter's storage (``RATELIMIT_STORAGE_URI``:
memory, Redis…, shared by every worker when it is shared) through its
strategy (``RATELIMIT_STRATEGY``), under keys of their own
(``prioriza-<scope>/<kind>/<key>``). ``RATELIMIT_ENABLED=False`` turns them off.
"""

from __future__ import annotations

import hashlib
import time
from math import ceil

from flask import current_app, request
from limits import parse
from werkzeug.exceptions import TooManyRequests

from .extensions import limiter


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _key(value: str) -> str:
    # Keys hold what was typed (a code, an e-mail): store a digest of it.
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def _counters(scope: str, limit: str, target: str | None, target_limit: str | None):
    address = request.remote_addr or "unknown"
    counters = [(parse(limit), (f"prioriza-{scope}", "address", address))]
    if target is not None:
        counters.append(
            (
                parse(target_limit or limit),
                (f"prioriza-{scope}", "target", _key(target)),
            )
        )
    return counters


def _refuse(counters) -> None:
    """Raise a 429 whose Retry-After is when the last spent counter resets."""
    strategy = limiter.limiter
    reset = max(
        strategy.get_window_stats(item, *key).reset_time for item, key in counters
    )
    raise TooManyRequests(retry_after=max(1, ceil(reset - time.time())))


def locked(scope: str, limit: str, target: str) -> None:
    """429 if ``target``'s own failures (from any address) are spent."""
    if not enabled():
        return
    counter = (parse(limit), (f"prioriza-{scope}", "target", _key(target)))
    if not limiter.limiter.test(counter[0], *counter[1]):
        _refuse([counter])


def failed(
    scope: str, limit: str, target: str | None = None, target_limit: str | None = None
) -> None:
    """Count a failure against the address (``limit``) and ``target``
    (``target_limit``, default ``limit``); 429 once either is spent. The
    caller answers its own 404/401 otherwise."""
    if not enabled():
        return
    counters = _counters(scope, limit, target, target_limit)
    strategy = limiter.limiter
    results = [strategy.hit(item, *key) for item, key in counters]  # all count
    if not all(results):
        _refuse([c for c, ok in zip(counters, results, strict=True) if not ok])
