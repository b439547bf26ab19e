"""PrefLib files: the header (``# KEY: value`` lines) and the file's data type.

See :mod:`.preflib` for the format and the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .preflib_body import MAX_ALTERNATIVES
from .profile import AggregationError

DATA_TYPES = ("soc", "soi", "toc", "toi")
#: The data types a file extension also admits: every soc order is a valid
#: soi, toc and toi order, every soi or toc order a valid toi order.
ADMITS = {"soc": ("soc",), "soi": ("soi", "soc"), "toc": ("toc", "soc")}
ADMITS["toi"] = DATA_TYPES
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


def decode(text):
    if isinstance(text, bytes):
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PreflibError(f"the file is not UTF-8 text ({exc})") from None
    return text.removeprefix("\ufeff")


def shorten(digits):
    """A long digit string shortened for a message."""
    if len(digits) <= 24:
        return digits
    return f"{digits[:12]}... ({len(digits):,} digits)"


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


def tokenize(text):
    """Split PrefLib text (``str`` or UTF-8 ``bytes``) into :class:`_Lines`.

    Raises :class:`PreflibError` only for text that is not UTF-8 or has
    neither a header nor a preference line.
    """
    text = decode(text)
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
            if len(mname.group(1)) > len(str(MAX_ALTERNATIVES)):
                raise PreflibError(
                    f"line {n}: ALTERNATIVE NAME {shorten(mname.group(1))} is past "
                    f"the limit of {MAX_ALTERNATIVES:,} alternatives"
                )
            names[int(mname.group(1))] = mname.group(2).strip()
            continue
        mkey = _KEY_RE.match(st)
        if mkey:
            header[mkey.group(1).strip()] = (mkey.group(2).strip(), n)
    if not orders and not header:
        raise PreflibError("line 1: no PrefLib header found (lines starting '# ')")
    return _Lines(header, names, orders, lines[0] if lines else "")


def read_metadata(lines, ext):
    """``(m, data_type, names, extension)`` from the header, checked against
    ``ext``; ``extension`` is ``ext`` when it admits more than DATA TYPE."""
    header = lines.header
    if "NUMBER ALTERNATIVES" not in header:
        if lines.first.strip().isdigit():
            raise PreflibError(
                "line 1: this looks like the pre-2022 PrefLib format, which is "
                "not supported; convert it with preflibtools"
            )
        raise PreflibError("header: '# NUMBER ALTERNATIVES:' is missing")
    m_text, m_line = header["NUMBER ALTERNATIVES"]
    if not m_text.isdigit() or not m_text.strip("0"):
        raise PreflibError(
            f"line {m_line}: NUMBER ALTERNATIVES must be a positive integer, "
            f"got {shorten(m_text)!r}"
        )
    if len(m_text.lstrip("0")) > 9 or int(m_text) > MAX_ALTERNATIVES:
        raise PreflibError(
            f"line {m_line}: NUMBER ALTERNATIVES is {shorten(m_text.lstrip('0'))}, "
            f"over the limit of {MAX_ALTERNATIVES:,} alternatives"
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
    if ext and data_type not in ADMITS.get(given, ()):
        raise PreflibError(
            f"line {dt_line}: DATA TYPE {data_type} does not match the file "
            f"extension .{given}"
        )
    extension = given if ext and given != data_type else ""
    names = lines.names
    for a in names:
        if not 1 <= a <= m:
            raise PreflibError(f"header: ALTERNATIVE NAME {a} is outside 1..{m}")
    if len(set(names.values())) != len(names):
        raise PreflibError("header: two alternatives have the same name")
    return (
        m,
        data_type,
        {a: names.get(a, str(a)) for a in range(1, m + 1)},
        extension,
    )


def check_totals(header, voters, lines):
    """NUMBER VOTERS and NUMBER UNIQUE ORDERS, when given, must match the lines."""
    for key, count in (("NUMBER VOTERS", voters), ("NUMBER UNIQUE ORDERS", lines)):
        if key in header and header[key][0] != "":
            v, ln = header[key]
            if not v.isdigit() or (v.lstrip("0") or "0") != str(count):
                raise PreflibError(
                    f"line {ln}: {key} says {shorten(v)} but the preference lines "
                    f"give {count}"
                )
