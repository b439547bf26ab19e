"""PrefLib ordinal files: writing (see :mod:`.preflib` for the format)."""

from __future__ import annotations

from datetime import date

import numpy as np

from .profile import AggregationError


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
