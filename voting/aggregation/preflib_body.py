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

_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[ord("0") : ord("9") + 1] = True
_ALLOWED = _DIGITS.copy()
_ALLOWED[[ord(c) for c in ",{}: \t\r\n"]] = True
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[ord(c) for c in " \t\r"]] = True
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
    a = np.frombuffer(body, dtype=np.uint8)
    if not _ALLOWED[a].all():
        return None
    keep = ~_SPACE[a]
    where = np.flatnonzero(keep)
    c = a[where]
    digit = _DIGITS[c]
    # whitespace between two digits (``1 2``) is refused or read differently
    # line by line: leave it to that reader
    if (digit[1:] & digit[:-1] & (np.diff(where) > 1)).any():
        return None
    # one '\n' at each end, blank lines dropped
    edge = np.array([_NL], dtype=np.uint8)
    c = np.concatenate((edge, c, edge))
    nl = c == _NL
    c = c[np.concatenate(([True], ~(nl[1:] & nl[:-1])))]
    digit = _DIGITS[c]
    start = digit.copy()
    start[1:] &= ~digit[:-1]
    tokens = np.where(digit, np.uint8(_N), c)[~digit | start]
    if _GRAMMAR[bool(ties)].fullmatch(tokens[1:].tobytes()) is None:
        return None
    # numbers: their runs of digits in ``c``, in the order of the N tokens
    starts = np.flatnonzero(start)
    end = digit.copy()
    end[:-1] &= ~digit[1:]
    length = np.flatnonzero(end) + 1 - starts
    at = np.flatnonzero(tokens == _N)
    is_count = tokens[at + 1] == _COLON
    if (length[is_count] > len(str(MAX_MULTIPLICITY))).any():
        return None
    if (length[~is_count] > len(str(MAX_ALTERNATIVES))).any():
        return None
    value = np.zeros(len(starts), dtype=np.int64)
    for k in range(int(length.max(initial=0))):
        more = np.flatnonzero(length > k)
        value[more] = value[more] * 10 + (c[starts[more] + k] - ord("0"))
    counts = value[is_count]
    n = len(counts)
    if n > MAX_ORDERS or n * m > MAX_CELLS:
        return None
    if n and ((counts < 1) | (counts > MAX_MULTIPLICITY)).any():
        return None
    line = (np.cumsum(is_count, dtype=np.int32) - 1)[~is_count]
    alts = value[~is_count] - 1
    if len(alts) and ((alts < 0) | (alts >= m)).any():
        return None
    # an alternative's tier: the commas outside braces between it and ':'
    opened = np.cumsum(
        (tokens == _OPEN).view(np.int8) - (tokens == _CLOSE).view(np.int8),
        dtype=np.int32,
    )
    top = np.cumsum((tokens == _COMMA) & (opened == 0), dtype=np.int32)
    tier = top[at[~is_count]] - top[(at + 1)[is_count]][line]
    ranks = np.full((n, m), m, dtype=np.int16 if m < 32000 else np.int32)
    ranks.reshape(-1)[line * m + alts] = tier
    per_line = np.bincount(line, minlength=n)
    if int(np.count_nonzero(ranks < m)) != len(alts):
        return None  # an alternative twice on a line
    if complete and (per_line != m).any():
        return None
    if _has_repeated_row(ranks):
        return None
    return counts, ranks


def _has_repeated_row(ranks):
    """Whether two rows are equal (a hash per row first, rows only on a clash)."""
    if len(ranks) < 2:
        return False
    mix = np.random.default_rng(18).integers(1, 2**62, ranks.shape[1]) | 1
    h = ranks.astype(np.int64) @ mix
    order = np.argsort(h, kind="stable")
    clash = np.flatnonzero(np.diff(h[order]) == 0)
    if not len(clash):
        return False
    rows = np.unique(np.concatenate((order[clash], order[clash + 1])))
    sub = np.ascontiguousarray(ranks[rows])
    view = sub.view(np.dtype((np.void, sub.dtype.itemsize * sub.shape[1])))[:, 0]
    return len(np.unique(view)) != len(view)
