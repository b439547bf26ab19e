"""The bulk reader of PrefLib preference lines, and the reader's limits.

:func:`parse_body` reads every ``count: order`` line of a file at once with
numpy (one pass of array operations over the bytes, one regular expression
over the token stream) into a count vector and a tier-index matrix, the
shape :meth:`Profile.from_arrays` takes. It only accepts what the line-by-line
reader in :mod:`.preflib` accepts: on anything it cannot prove valid (a stray
character, whitespace inside a number, a number out of range or past a limit,
a repeated alternative or order, an incomplete order in a complete file) it
returns ``None``, and the caller runs the line-by-line reader, which names the
line and the problem. A valid file is thus read fast and an invalid one gets
exactly the error it got before.

Limits (:data:`LIMITS`), checked before anything proportional to them is
allocated; past one, :class:`~.preflib.PreflibError` names the limit and the
line:

- ``MAX_FILE_BYTES``: the size of a file (checked by the callers that read
  files, and on the text given to :func:`~.preflib.read_preflib`);
- ``MAX_ALTERNATIVES``: ``NUMBER ALTERNATIVES`` (every method holds an
  m × m matrix);
- ``MAX_ORDERS``: preference lines (distinct orders);
- ``MAX_CELLS``: preference lines × alternatives (the tier-index matrix);
- ``MAX_MULTIPLICITY``: one line's count. With ``MAX_ORDERS`` it keeps the
  total below 2**53, so voter totals stay exact in floating point.
"""

from __future__ import annotations

import re

import numpy as np

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ALTERNATIVES = 10_000
MAX_ORDERS = 2_000_000
MAX_CELLS = 50_000_000
MAX_MULTIPLICITY = 1_000_000_000
LIMITS = {
    "file size (bytes)": MAX_FILE_BYTES,
    "alternatives": MAX_ALTERNATIVES,
    "preference lines": MAX_ORDERS,
    "preference lines x alternatives": MAX_CELLS,
    "multiplicity": MAX_MULTIPLICITY,
}

_ALLOWED = b"0123456789,{}: \t\r\n"
_SPACE = b" \t\r"
#: every byte but a digit becomes a space (numbers for ``np.fromstring``)
_SPACED = bytes(b if 48 <= b <= 57 else 32 for b in range(256))
_NL, _COLON, _COMMA, _OPEN, _CLOSE = (ord(c) for c in "\n:,{}")
_N = ord("N")
_ITEM = {False: rb"N", True: rb"(?:N|\{N(?:,N)*+\})"}
_GRAMMAR = {
    ties: re.compile(rb"(?:N:" + _ITEM[ties] + rb"(?:," + _ITEM[ties] + rb")*+\n)*+")
    for ties in (False, True)
}


def parse_body(body, m, ties, complete):
    """``(counts, ranks)`` for the preference lines ``body`` (bytes), or ``None``.

    ``counts`` is an int64 vector (one entry per line, file order), ``ranks``
    an ``(n, m)`` tier-index matrix (``m`` = unranked). ``None`` means the
    lines are not provably valid (see the module docstring).
    """
    if body.translate(None, _ALLOWED):
        return None  # a character no preference line holds
    if _space_inside_a_number(body):
        return None  # ``1 2`` is refused or read differently line by line
    c = body.translate(None, _SPACE)
    while b"\n\n" in c:  # blank lines
        c = c.replace(b"\n\n", b"\n")
    c = c.lstrip(b"\n")
    if c and not c.endswith(b"\n"):
        c += b"\n"
    a = np.frombuffer(c, dtype=np.uint8)
    digit = (a - np.uint8(48)) < 10
    keep = digit.copy()  # the first digit of each number, and every non-digit
    keep[1:] &= ~digit[:-1]
    keep |= ~digit
    tokens = a[keep]
    at = np.flatnonzero((tokens - np.uint8(48)) < 10)
    tokens[at] = _N
    if _GRAMMAR[bool(ties)].fullmatch(tokens.tobytes()) is None:
        return None
    # numbers past int64 saturate, so a limit still sees them
    value = np.fromstring(c.translate(_SPACED), dtype=np.int64, sep=" ")
    if len(value) != len(at):
        return None  # pragma: no cover (the grammar makes them agree)
    is_count = tokens[at + 1] == _COLON
    counts = value[is_count]
    n = len(counts)
    if n > MAX_ORDERS or n * m > MAX_CELLS:
        return None
    if n and ((counts < 1) | (counts > MAX_MULTIPLICITY)).any():
        return None
    alts = value[~is_count] - 1
    if len(alts) and ((alts < 0) | (alts >= m)).any():
        return None
    line = (np.cumsum(is_count, dtype=np.int64) - 1)[~is_count]
    per_line = np.bincount(line, minlength=n)
    # An alternative starts a tier unless a comma inside braces precedes it.
    where = at[~is_count]
    after = tokens[where - 1]
    opens = np.cumsum(after == _OPEN, dtype=np.int32)
    closes = np.cumsum(tokens[where + 1] == _CLOSE, dtype=np.int32)
    inside = opens - closes + (tokens[where + 1] == _CLOSE)
    new = np.cumsum(~((after == _COMMA) & (inside > 0)), dtype=np.int64)
    first = np.cumsum(per_line) - per_line
    tier = new - new[np.minimum(first, len(new) - 1)][line]
    ranks = np.full((n, m), m, dtype=np.int16 if m < 32000 else np.int32)
    ranks.reshape(-1)[line * m + alts] = tier
    if int(np.count_nonzero(ranks < m)) != len(alts):
        return None  # an alternative twice on a line
    if complete and (per_line != m).any():
        return None
    if _has_repeated_row(ranks, line, alts, tier):
        return None
    return counts, ranks


def _space_inside_a_number(body):
    """Whether a run of spaces, tabs or CRs has a digit on both sides."""
    a = np.frombuffer(body, dtype=np.uint8)
    if len(body.translate(None, _SPACE)) == len(body):
        return False
    space = (a == 32) | (a == 9) | (a == 13)
    p = np.flatnonzero(space)
    first = p[np.concatenate(([True], np.diff(p) > 1))]
    last = p[np.concatenate((np.diff(p) > 1, [True]))]
    inner = (first > 0) & (last < len(a) - 1)
    before = a[first[inner] - 1] - np.uint8(48)
    after = a[last[inner] + 1] - np.uint8(48)
    return bool(((before < 10) & (after < 10)).any())


def _mix(m):
    """m pseudo-random integers in 1..2**20 (splitmix64; no numpy.random import)."""
    x = np.arange(1, m + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return ((x >> np.uint64(44)) + np.uint64(1)).astype(float)


def _has_repeated_row(ranks, line, alts, tier):
    """Whether two rows of ``ranks`` are equal.

    A hash per row first: the sum over its ranked alternatives of a random
    integer per alternative times (tier + 1), every term and sum exact in
    floating point; rows are compared only where two hashes clash.
    """
    n, m = ranks.shape
    if n < 2:
        return False
    mix = _mix(m)
    h = np.bincount(line, weights=mix[alts] * (tier + 1), minlength=n)
    order = np.argsort(h, kind="stable")
    clash = np.flatnonzero(np.diff(h[order]) == 0)
    if not len(clash):
        return False
    rows = np.unique(np.concatenate((order[clash], order[clash + 1])))
    sub = np.ascontiguousarray(ranks[rows])
    view = sub.view(np.dtype((np.void, sub.dtype.itemsize * m)))[:, 0]
    return len(np.unique(view)) != len(view)
