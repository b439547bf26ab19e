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
from datetime import date

import numpy as np

from .profile import AggregationError, Profile

DATA_TYPES = ("soc", "soi", "toc", "toi")
HEADER_KEYS = (
    "FILE NAME",
    "TITLE",
    "DESCRIPTION",
    "DATA TYPE",
    "MODIFICATION TYPE",
    "RELATES TO",
    "RELATED FILES",
    "PUBLICATION DATE",
    "MODIFICATION DATE",
    "NUMBER ALTERNATIVES",
    "NUMBER VOTERS",
    "NUMBER UNIQUE ORDERS",
)
_NAME_RE = re.compile(r"#\s*ALTERNATIVE NAME (\d+):\s?(.*)$")
_KEY_RE = re.compile(r"#\s*([A-Z][A-Z ]*[A-Z]):\s?(.*)$")


class PreflibError(AggregationError):
    """A PrefLib file that cannot be read; the message starts with the line."""


@dataclass
class PreflibData:
    """A parsed PrefLib file.

    ``options`` are the alternative numbers 1..m, ``names`` maps them to their
    names, ``orders`` lists ``(count, tiers)`` in file order, ``profile`` is a
    :class:`Profile` over 1..m with the counts as weights.
    """

    data_type: str
    options: list
    names: dict
    orders: list
    header: dict = field(default_factory=dict)
    unranked: str = "last"

    @property
    def profile(self):
        """The orders as a :class:`Profile` (built on first use)."""
        if getattr(self, "_profile", None) is None:
            self._profile = Profile(
                self.options, [(t, c) for c, t in self.orders], self.unranked
            )
        return self._profile


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
    """Parse PrefLib text; ``ext`` (e.g. ``"soi"``) must match DATA TYPE if given.

    Returns :class:`PreflibData`. Raises :class:`PreflibError`.
    """
    lines = _tokenize(text)
    m, data_type, names = _metadata(lines, ext)
    orders = _orders(lines.orders, m, data_type)
    _check_totals(lines.header, orders)
    return PreflibData(
        data_type=data_type,
        options=list(range(1, m + 1)),
        names=names,
        orders=orders,
        header={k: v for k, (v, _) in lines.header.items()},
        unranked=unranked,
    )


# -- tokenizer: lines -> header items and order lines ----------------------------


@dataclass
class _Lines:
    """A PrefLib file cut into lines, before any value is checked.

    ``header`` maps each ``# KEY: value`` to ``(value, line number)`` (the
    last one wins), ``names`` maps alternative numbers to names, ``orders``
    lists ``(line number, text)`` for every non-blank line from the first
    one that does not start with ``#``; ``first`` is the file's first line.
    """

    header: dict
    names: dict
    orders: list
    first: str = ""


def _tokenize(text):
    """Split PrefLib text (``str`` or UTF-8 ``bytes``) into :class:`_Lines`.

    Raises :class:`PreflibError` only for text that is not UTF-8 or has
    neither a header nor a preference line.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PreflibError(f"the file is not UTF-8 text ({exc})") from None
    lines = text.splitlines()
    header, names, orders = {}, {}, []
    for n, line in enumerate(lines, 1):
        st = line.strip()
        if not st:
            continue
        if orders or not st.startswith("#"):
            orders.append((n, st))
            continue
        mname = _NAME_RE.match(st)
        if mname:
            names[int(mname.group(1))] = mname.group(2).strip()
            continue
        mkey = _KEY_RE.match(st)
        if mkey:
            header[mkey.group(1).strip()] = (mkey.group(2).strip(), n)
    if not orders and not header:
        raise PreflibError("line 1: no PrefLib header found (lines starting '# ')")
    return _Lines(header, names, orders, lines[0] if lines else "")


# -- builders: header -> metadata, order lines -> orders -------------------------


def _metadata(lines, ext):
    """``(m, data_type, names)`` from the header, checked against ``ext``."""
    header = lines.header
    if "NUMBER ALTERNATIVES" not in header:
        if lines.first.strip().isdigit():
            raise PreflibError(
                "line 1: this looks like the pre-2022 PrefLib format, which is "
                "not supported; convert it with preflibtools"
            )
        raise PreflibError("header: '# NUMBER ALTERNATIVES:' is missing")
    m_text, m_line = header["NUMBER ALTERNATIVES"]
    if not m_text.isdigit() or int(m_text) < 1:
        raise PreflibError(
            f"line {m_line}: NUMBER ALTERNATIVES must be a positive integer, "
            f"got {m_text!r}"
        )
    m = int(m_text)
    given = (ext or "").lower().lstrip(".")
    dt_text, dt_line = header.get("DATA TYPE", ("", 0))
    data_type = dt_text.lower() or given
    if data_type not in DATA_TYPES:
        where = f"line {dt_line}" if dt_line else "header"
        raise PreflibError(
            f"{where}: DATA TYPE must be one of soc, soi, toc, toi, got {dt_text!r}"
        )
    if ext and given != data_type:
        raise PreflibError(
            f"line {dt_line}: DATA TYPE {data_type} does not match the file "
            f"extension .{given}"
        )
    names = lines.names
    for a in names:
        if not 1 <= a <= m:
            raise PreflibError(f"header: ALTERNATIVE NAME {a} is outside 1..{m}")
    if len(set(names.values())) != len(names):
        raise PreflibError("header: two alternatives have the same name")
    return m, data_type, {a: names.get(a, str(a)) for a in range(1, m + 1)}


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
        if not cnt.isdigit() or int(cnt) < 1:
            raise PreflibError(
                f"{where}: multiplicity must be an integer >= 1, got {cnt!r}"
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


def _check_totals(header, orders):
    """NUMBER VOTERS and NUMBER UNIQUE ORDERS, when given, must match the lines."""
    for key, count in (
        ("NUMBER VOTERS", sum(c for c, _ in orders)),
        ("NUMBER UNIQUE ORDERS", len(orders)),
    ):
        if key in header and header[key][0] != "":
            v, ln = header[key]
            if not v.isdigit() or int(v) != count:
                raise PreflibError(
                    f"line {ln}: {key} says {v} but the preference lines give {count}"
                )


def format_order(tiers):
    """``[[1], [2, 3], [4]]`` -> ``"1,{2,3},4"`` (ids must be 1..m ints)."""
    return ",".join(
        str(t[0]) if len(t) == 1 else "{" + ",".join(str(a) for a in t) + "}"
        for t in tiers
    )


def write_preflib(
    profile,
    names=None,
    title="",
    file_name="",
    description="",
    modification_type="original",
    publication_date=None,
    modification_date=None,
    relates_to="",
    related_files="",
):
    """PrefLib text for a profile; returns ``(text, data_type)``.

    Options are numbered 1..m in ``profile.options`` order; ``names`` maps an
    option id to its name (default: ``str(id)``). Weights must be whole numbers
    (PrefLib multiplicities); identical orders are merged and lines sorted by
    decreasing multiplicity, then by order text. The data type is the most
    restrictive one the orders fit.
    """
    names = names or {}
    m = profile.m
    w = profile.weights
    if len(w) and not np.allclose(w, np.round(w)):
        raise AggregationError(
            "PrefLib multiplicities are whole numbers; this profile has "
            "fractional weights (write them to a separate weights file)"
        )
    lines = []
    strict, full = True, True
    merged = {}
    for row, weight in zip(profile.ranks, w, strict=True):
        count = int(round(weight))
        if count == 0:
            continue
        tiers = {}
        for i, r in enumerate(row.tolist()):
            if r < m:
                tiers.setdefault(r, []).append(i + 1)
        tiers = [sorted(tiers[r]) for r in sorted(tiers)]
        strict &= all(len(t) == 1 for t in tiers)
        full &= sum(len(t) for t in tiers) == m
        text = format_order(tiers)
        merged[text] = merged.get(text, 0) + count
    data_type = ("s" if strict else "t") + ("oc" if full else "oi")
    lines = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    today = date.today().isoformat()
    hdr = {
        "FILE NAME": file_name,
        "TITLE": title,
        "DESCRIPTION": description,
        "DATA TYPE": data_type,
        "MODIFICATION TYPE": modification_type,
        "RELATES TO": relates_to,
        "RELATED FILES": related_files,
        "PUBLICATION DATE": publication_date or today,
        "MODIFICATION DATE": modification_date or today,
        "NUMBER ALTERNATIVES": str(m),
        "NUMBER VOTERS": str(sum(merged.values())),
        "NUMBER UNIQUE ORDERS": str(len(merged)),
    }
    out = [f"# {k}: {_one_line(v)}" for k, v in hdr.items()]
    out += [
        f"# ALTERNATIVE NAME {i}: {_one_line(names.get(o, o))}"
        for i, o in enumerate(profile.options, 1)
    ]
    out += [f"{c}: {t}" for t, c in lines]
    return "\n".join(out) + "\n", data_type


def _one_line(v):
    return " ".join(str(v).split())
