"""PrefLib ordinal files (``.soc``, ``.soi``, ``.toc``, ``.toi``): read and write.

Format: PrefLib ``FORMAT_SPECIFICATION.md`` (github.com/PrefLib/PrefLib-Data,
summarised in ``shared/preflib-format.md``): ``# KEY: value`` header lines,
then one line per distinct order, ``count: 1,{2,3},4`` (best first, braces
for a tie, alternatives numbered from 1). ``.soc``/``.toc`` orders rank every
alternative; ``.soi``/``.toi`` may leave some out; only ``.toc``/``.toi`` may
use braces.

Reading is strict so that a third party recomputing a published result gets
an error rather than a different count: every problem raises
:class:`PreflibError` naming the line and what is wrong (bad multiplicity,
unknown or repeated alternative, braces in a strict file, incomplete order in
a complete file, an order given on two lines, header counts that disagree
with the lines). Unknown ``#`` lines in the header are ignored, as the spec
says, and blank lines are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .preflib_body import (
    MAX_CELLS,
    MAX_FILE_BYTES,
    MAX_MULTIPLICITY,
    MAX_ORDERS,
    parse_body,
)
from .preflib_header import (
    ADMITS,
    DATA_TYPES,
    HEADER_KEYS,
    PreflibError,
    check_totals,
    decode,
    read_metadata,
    shorten,
    tokenize,
)
from .preflib_write import format_order, write_preflib
from .profile import Profile

__all__ = [
    "ADMITS",
    "DATA_TYPES",
    "HEADER_KEYS",
    "PreflibData",
    "PreflibError",
    "format_order",
    "parse_order",
    "read_preflib",
    "write_preflib",
]


@dataclass
class PreflibData:
    """A parsed PrefLib file.

    ``options`` are the alternative numbers 1..m, ``names`` maps them to their
    names; ``counts`` (int64, one per preference line, file order) and
    ``ranks`` (one row per line: each alternative's tier, 0 = best, ``m`` =
    unranked) hold the orders; ``orders`` lists them as ``(count, tiers)``
    (alternatives of a tie in increasing order), ``profile`` is a
    :class:`Profile` over 1..m with the counts as weights. ``extension`` is
    the type the file's extension names when it admits more than the file's
    DATA TYPE (a soi file saved as ``.toi``), else ``""``.
    """

    data_type: str
    options: list
    names: dict
    counts: np.ndarray
    ranks: np.ndarray
    header: dict = field(default_factory=dict)
    unranked: str = "last"
    extension: str = ""

    @property
    def voters(self):
        """The number of voters (the sum of the multiplicities)."""
        return int(self.counts.sum())

    @cached_property
    def orders(self):
        """``[(count, tiers)]`` in file order."""
        m = len(self.options)
        out = []
        for count, row in zip(self.counts.tolist(), self.ranks, strict=True):
            tiers = {}
            for i in np.flatnonzero(row < m).tolist():
                tiers.setdefault(int(row[i]), []).append(i + 1)
            out.append((count, [tiers[t] for t in sorted(tiers)]))
        return out

    @cached_property
    def profile(self):
        """The orders as a :class:`Profile` (built on first use)."""
        return Profile.from_arrays(
            self.options, self.ranks, self.counts, self.unranked, distinct=True
        )


def parse_order(text, m, allow_ties=True, where="order"):
    """Parse ``1,{2,3},4`` into tiers ``[[1], [2, 3], [4]]`` (ids 1..m)."""
    s = re.sub(r"\s+", "", text)
    if not s:
        raise PreflibError(f"{where}: the order is empty")
    tiers, i, seen = [], 0, set()
    while i < len(s):
        if s[i] == "{":
            if not allow_ties:
                raise PreflibError(
                    f"{where}: braces (ties) are not allowed in a strict-order file"
                )
            j = s.find("}", i)
            if j < 0:
                raise PreflibError(f"{where}: '{{' is never closed")
            body = s[i + 1 : j]
            if not body:
                raise PreflibError(f"{where}: empty tie group '{{}}'")
            if "{" in body:
                raise PreflibError(f"{where}: nested braces")
            tier = [_alt(a, m, where) for a in body.split(",")]
            i = j + 1
        else:
            j = s.find(",", i)
            j = len(s) if j < 0 else j
            tok = s[i:j]
            if "}" in tok or "{" in tok:
                raise PreflibError(f"{where}: unbalanced brace in {tok!r}")
            tier = [_alt(tok, m, where)]
            i = j
        for a in tier:
            if a in seen:
                raise PreflibError(f"{where}: alternative {a} appears twice")
            seen.add(a)
        tiers.append(tier)
        if i < len(s):
            if s[i] != ",":
                raise PreflibError(f"{where}: expected ',' after {s[:i]!r}")
            i += 1
            if i == len(s):
                raise PreflibError(f"{where}: trailing comma")
    return tiers


def _alt(tok, m, where):
    if not tok.isdigit():
        raise PreflibError(f"{where}: {tok!r} is not an alternative number")
    a = int(tok)
    if not 1 <= a <= m:
        raise PreflibError(f"{where}: alternative {a} is outside 1..{m}")
    return a


def read_preflib(text, ext=None, unranked="last"):
    """Parse PrefLib text (``str`` or UTF-8 ``bytes``).

    ``ext`` (e.g. ``"toi"``), if given, must admit the file's DATA TYPE
    (:data:`ADMITS`). Returns :class:`PreflibData`. Raises
    :class:`PreflibError`, also past a limit of :mod:`.preflib_body`.
    """
    if len(text) > MAX_FILE_BYTES:
        raise PreflibError(
            f"the file has {len(text):,} bytes, over the limit of "
            f"{MAX_FILE_BYTES:,} bytes"
        )
    text = decode(text)
    head, body = _split(text)
    parsed = None
    if head:
        try:
            lines = tokenize(head)
        except PreflibError:
            lines = None
        if lines is not None and "NUMBER ALTERNATIVES" in lines.header:
            m, data_type, names, extension = read_metadata(lines, ext)
            try:
                raw = body.encode("ascii")
            except UnicodeEncodeError:
                raw = None
            if raw is not None:
                ties, complete = data_type[0] == "t", data_type[2] == "c"
                parsed = parse_body(raw, m, ties, complete)
    if parsed is None:  # line by line: the exact error, or an odd valid file
        lines = tokenize(text)
        m, data_type, names, extension = read_metadata(lines, ext)
        orders = _orders(lines.orders, m, data_type)
        parsed = _arrays(orders, m)
    counts, ranks = parsed
    check_totals(lines.header, int(counts.sum()), len(counts))
    return PreflibData(
        data_type=data_type,
        options=list(range(1, m + 1)),
        names=names,
        counts=counts,
        ranks=ranks,
        header={k: v for k, (v, _) in lines.header.items()},
        unranked=unranked,
        extension=extension,
    )


def _split(text):
    """``(header text, preference lines)``; ``("", text)`` if unsure where.

    The header ends before the first non-blank line not starting with ``#``.
    A header whose line ends ``str.splitlines`` would cut differently gives
    ``""`` (the line-by-line reader then reads everything).
    """
    pos = 0
    while pos < len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl + 1
        st = text[pos:end].strip()
        if st and not st.startswith("#"):
            break
        pos = end
    head = text[:pos]
    if len(head.splitlines()) != head.count("\n"):
        return "", text
    return head, text[pos:]


def _arrays(orders, m):
    """``(counts, ranks)`` from ``[(count, tiers)]``."""
    counts = np.array([c for c, _ in orders], dtype=np.int64)
    ranks = np.full((len(orders), m), m, dtype=np.int16 if m < 32000 else np.int32)
    for u, (_, tiers) in enumerate(orders):
        for t, tier in enumerate(tiers):
            ranks[u, [a - 1 for a in tier]] = t
    return counts, ranks


# -- order lines -> orders (line by line) ---------------------------------------


def _orders(order_lines, m, data_type):
    """``[(count, tiers)]`` from the order lines of a file of ``data_type``."""
    ties = data_type in ("toc", "toi")
    complete = data_type in ("soc", "toc")
    orders, first_line = [], {}
    for n, raw in order_lines:
        where = f"line {n}"
        if raw.startswith("#"):
            raise PreflibError(f"{where}: header line after the preference lines")
        if raw.count(":") != 1:
            raise PreflibError(f"{where}: expected 'count: order' with one ':'")
        cnt, order = raw.split(":")
        cnt = cnt.strip()
        if not cnt.isdigit() or not cnt.strip("0"):
            raise PreflibError(
                f"{where}: multiplicity must be an integer >= 1, got {shorten(cnt)!r}"
            )
        if len(cnt.lstrip("0")) > 10 or int(cnt) > MAX_MULTIPLICITY:
            raise PreflibError(
                f"{where}: multiplicity {shorten(cnt.lstrip('0'))} is over the "
                f"limit of {MAX_MULTIPLICITY:,}"
            )
        if len(orders) >= MAX_ORDERS:
            raise PreflibError(
                f"{where}: more than {MAX_ORDERS:,} preference lines (the limit)"
            )
        if (len(orders) + 1) * m > MAX_CELLS:
            raise PreflibError(
                f"{where}: {len(orders) + 1:,} preference lines of {m:,} "
                f"alternatives are over the limit of {MAX_CELLS:,} "
                "lines x alternatives"
            )
        tiers = parse_order(order, m, ties, where)
        k = sum(len(t) for t in tiers)
        if complete and k != m:
            raise PreflibError(
                f"{where}: a .{data_type} order must rank all {m} alternatives, "
                f"this one ranks {k}"
            )
        key = tuple(frozenset(t) for t in tiers)
        if key in first_line:
            raise PreflibError(
                f"{where}: the same order is already on line {first_line[key]} "
                "(an order may appear on only one line)"
            )
        first_line[key] = n
        orders.append((int(cnt), tiers))
    return orders
