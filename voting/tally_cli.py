"""``flask --app wsgi tally FILE``: recompute a published result from its ballots.

Plain click (no Flask import), so it also runs as ``prioriza-tally`` (the
console script pyproject declares), ``python -m voting.tally_cli`` and in tests
through ``click.testing.CliRunner``; ``flask tally`` finds it through a
``flask.commands`` entry point, before (and without) loading the app. It goes
through the same code path as the app: :mod:`voting.aggregation`. Messages
are English, as for every line this Flask-free module prints.

Files past a limit of :mod:`voting.aggregation.preflib_body` (size,
alternatives, preference lines, lines x alternatives, multiplicity) are
refused before anything is allocated, with the limit and the line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from pathlib import Path

import click
from tqdm import tqdm

from voting.aggregation import METHODS, AggregationError, Profile, tally
from voting.aggregation.condorcet import MATRIX_DETAILS_UP_TO
from voting.aggregation.consensus import consensus_report, method_agreement
from voting.aggregation.preflib import (
    DATA_TYPES,
    format_order,
    parse_order,
    read_preflib,
)
from voting.aggregation.preflib_body import MAX_FILE_BYTES
from voting.aggregation.report import format_ranking, format_tally_text, jsonable


class TallyError(click.ClickException):
    """A user error: printed as one line on stderr, exit code 2."""

    exit_code = 2


def read_weights(text, m):
    """Parse a weights CSV into ``{order key: weight}``.

    Format: a header row ``order,weight``, then one row per distinct order of
    the PrefLib file: the order exactly as PrefLib writes it (quoted, since it
    holds commas), and the *total* weight of the ballots with that order, e.g.::

        order,weight
        "1,{2,3},4",0.75
        "2,1",1.25

    Orders are matched as weak orders (``{2,3}`` = ``{3,2}``). Every order of
    the PrefLib file needs a row, and no row may name an order the file lacks.
    """
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["order", "weight"]:
        raise TallyError("weights file: the first row must be 'order,weight'")
    out = {}
    for n, row in enumerate(rows[1:], 2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != 2:
            raise TallyError(
                f"weights file line {n}: expected 2 columns (quote the order), "
                f"got {len(row)}"
            )
        try:
            tiers = parse_order(row[0], m, True, f"weights file line {n}")
        except AggregationError as exc:
            raise TallyError(str(exc)) from None
        try:
            w = float(row[1])
        except ValueError:
            raise TallyError(
                f"weights file line {n}: weight {row[1]!r} is not a number"
            ) from None
        key = tuple(frozenset(t) for t in tiers)
        if key in out:
            raise TallyError(f"weights file line {n}: order {row[0]!r} repeated")
        out[key] = w
    return out


@click.command("tally")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    "method_name",
    default="schulze",
    show_default=True,
    help="schulze, ranked_pairs, copeland, borda, irv, kemeny, mean_rank or all.",
)
@click.option(
    "--strength",
    type=click.Choice(["winning", "margin", "ratio"]),
    default="winning",
    show_default=True,
    help="Schulze link strength.",
)
@click.option(
    "--unranked",
    type=click.Choice(["last", "ignore"]),
    default="last",
    show_default=True,
    help="Unranked options tied last, or left out of that ballot's comparisons.",
)
@click.option(
    "--tie-break",
    type=click.Choice(["none", "borda", "earlier-rounds"]),
    default="none",
    show_default=True,
    help="Declared tie-break: Borda score, then a shuffle seeded with --seed; "
    "or earlier-rounds (instant-runoff only: the latest earlier round where "
    "the tied options' counts differ).",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds an approximation may run (Kemeny above 20 options).",
)
@click.option("--seed", type=int, default=None, help="Public seed of the tie-break.")
@click.option(
    "--weights",
    "weights_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV 'order,weight' giving each order's total weight (delegation weighting).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="k of the method-agreement table (top k the same or not).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
)
def tally_command(
    file,
    method_name,
    strength,
    unranked,
    tie_break,
    seed,
    time_budget,
    weights_file,
    top,
    fmt,
):
    """Tally a PrefLib .soc/.soi/.toc/.toi FILE and print the result.

    Option ids in the output are the file's alternative numbers. JSON output
    has the shape {"method", "ranking", "scores", "winner", "ties",
    "consensus", "params", ...}; with --method all it holds every method under
    "methods" plus the agreement table, and a method that fails is reported
    on its own line (JSON: {"method", "error"}) while the others are printed.
    Above 500 options the m x m matrices are left out ("pairwise": null).
    Progress goes to stderr for steps longer than a second. Errors exit with
    status 2.

    --weights FILE is a CSV with the header "order,weight" and one row per
    distinct order of FILE: the order as PrefLib writes it, quoted
    ("1,{2,3},4"), and the total weight of the ballots with that order (as
    exported when per-delegation weighting was applied).
    """
    if method_name != "all" and method_name not in METHODS:
        raise TallyError(
            f"unknown method {method_name!r}; choose one of: "
            + ", ".join([*METHODS, "all"])
        )
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TallyError(
                f"{file.name} has {size:,} bytes, over the limit of "
                f"{MAX_FILE_BYTES:,} bytes"
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise TallyError(f"cannot read {file}: {exc.strerror or exc}") from None
    ext = file.suffix.lower().lstrip(".")
    try:
        data = read_preflib(raw, ext if ext in DATA_TYPES else None, unranked)
        if data.extension:
            click.echo(
                f"Note: {file.name} holds DATA TYPE {data.data_type}, which a "
                f".{data.extension} file admits: read as {data.data_type}.",
                err=True,
            )
        if weights_file is not None:
            try:
                wtext = weights_file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise TallyError(f"cannot read {weights_file}: {exc}") from None
            weights = read_weights(wtext, len(data.options))
            ballots = []
            for _count, tiers in data.orders:
                key = tuple(frozenset(t) for t in tiers)
                if key not in weights:
                    raise TallyError(
                        "weights file: no weight for the order " + format_order(tiers)
                    )
                ballots.append((tiers, weights.pop(key)))
            if weights:
                raise TallyError(
                    f"weights file: {len(weights)} order(s) do not appear "
                    f"in {file.name}"
                )
            profile = Profile(data.options, ballots, unranked)
        else:
            profile = data.profile
    except AggregationError as exc:
        raise TallyError(str(exc)) from None
    names = list(METHODS) if method_name == "all" else [method_name]
    tallies, failures = {}, {}
    for n in names:
        try:
            tallies[n] = _run_method(
                profile,
                n,
                strength=strength,
                tie_break=None if tie_break == "none" else tie_break.replace("-", "_"),
                seed=seed,
                time_budget=time_budget,
            )
        except (AggregationError, MemoryError, RecursionError) as exc:
            if method_name != "all":
                raise TallyError(_failure(n, exc)) from None
            failures[n] = _failure(n, exc)
            click.echo(failures[n], err=True)
        except Exception as exc:  # noqa: BLE001 - one method must not sink the rest
            if method_name != "all":
                raise
            failures[n] = _failure(n, exc)
            click.echo(failures[n], err=True)
    if not tallies:
        raise TallyError("every method failed")
    consensus = consensus_report(profile)
    source = {
        "file": file.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "data_type": data.data_type,
        "voters": data.voters,
        "distinct_orders": len(data.counts),
        "total_weight": profile.total_weight,
        "weights_file": weights_file.name if weights_file else None,
    }
    matrices = profile.m <= MATRIX_DETAILS_UP_TO
    if not matrices:
        source["matrices"] = (
            f"left out above {MATRIX_DETAILS_UP_TO} options (pairwise: null)"
        )
    if fmt == "json":
        if method_name == "all":
            out = {
                "methods": {
                    n: (
                        _tally_json(tallies[n], consensus, matrices)
                        if n in tallies
                        else {"method": n, "error": failures[n]}
                    )
                    for n in names
                },
                "agreement": method_agreement(tallies, top),
                "consensus": consensus,
            }
        else:
            out = _tally_json(tallies[method_name], consensus, matrices)
        out["names"] = data.names
        out["source"] = source
        click.echo(json.dumps(jsonable(out), ensure_ascii=False, indent=2))
        return
    lines = [
        f"{data.header.get('TITLE') or file.name}: {source['voters']} voters, "
        f"{len(data.options)} options ({data.data_type}), sha256 {source['sha256']}"
    ]
    for n in names:
        if n in tallies:
            lines += ["", format_tally_text(tallies[n], data.names)]
        else:
            lines += ["", failures[n]]
    if method_name == "all":
        agree = method_agreement(tallies, top)
        lines += ["", f"Method agreement (top {top} same / Kendall tau-b):"]
        for pair in agree["pairs"]:
            tau = pair["kendall_tau"]
            lines.append(
                f"  {pair['a']:>12} vs {pair['b']:<12} "
                f"{'same' if pair['top_k_same'] else 'differ':<6} "
                f"tau {'-' if tau is None else f'{tau:.3f}'}"
            )
        lines.append(
            "  top: "
            + " | ".join(
                f"{n}: {format_ranking(t.ranking, data.names, top)}"
                for n, t in tallies.items()
            )
        )
    w, pv = consensus["kendall_w"], consensus["p_value"]
    share = consensus["supermajority_share"]
    text = "Consensus: Kendall's W " + ("-" if w is None else f"{w:.4f}")
    if pv is not None:
        text += f" (p = {pv:.3g})"
    if share is not None:
        text += f", pairs decided by >= 2/3: {share:.0%}"
    lines += ["", text]
    click.echo("\n".join(lines))


def _tally_json(t, consensus, matrices=True):
    d = t.to_dict(matrices=matrices)
    d["consensus"] = dict(consensus)
    return d


def _failure(name, exc):
    """One line naming the method and what went wrong."""
    if isinstance(exc, MemoryError):
        what = "out of memory"
    elif isinstance(exc, (AggregationError, RecursionError)):
        what = str(exc) or type(exc).__name__
    else:
        what = f"{type(exc).__name__}: {exc}"
    return f"{METHODS[name].label} ({name}) failed: {what}"


def _run_method(profile, name, **kwargs):
    """One method, with a progress bar per step on stderr (shown only once a
    step has run for a second)."""
    bars = {}
    label = METHODS[name].label

    def progress(step, done, total):
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(
                total=total,
                desc=f"{label}: {step}",
                file=sys.stderr,
                delay=1.0,
                leave=False,
                dynamic_ncols=True,
            )
        bar.total = total
        bar.update(done - bar.n)

    try:
        return tally(profile, name, progress=progress, **kwargs)
    finally:
        for bar in bars.values():
            bar.close()


if __name__ == "__main__":  # pragma: no cover
    tally_command()
