"""``flask --app wsgi tally FILE``: recompute a published result from its ballots.

Plain click (no Flask import), so it also runs as ``prioriza-tally`` (the
console script pyproject declares), ``python -m voting.tally_cli`` and in tests
through ``click.testing.CliRunner``; ``flask tally`` finds it through a
``flask.commands`` entry point, before (and without) loading the app. It goes
through the same code path as the app: :mod:`voting.aggregation`. The text
output and the messages are in the reader's language (``--lang``, else the
locale's environment, else English) through :mod:`voting.tally_text`, which
reads the app's catalogues without Flask; JSON stays English.

Files past a limit of :mod:`voting.aggregation.preflib_body` (size,
alternatives, preference lines, lines x alternatives, multiplicity) are
refused before anything is allocated, with the limit and the line.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import click

from voting.aggregation import METHODS, AggregationError, tally
from voting.aggregation.condorcet import MATRIX_DETAILS_UP_TO
from voting.aggregation.consensus import consensus_report, method_agreement
from voting.aggregation.preflib import DATA_TYPES, read_preflib
from voting.aggregation.preflib_body import MAX_FILE_BYTES
from voting.aggregation.report import jsonable
from voting.tally_input import TallyError, weighted_profile
from voting.tally_text import (
    LANGUAGES,
    N_,
    _,
    language_from_environment,
    method_label,
    package_text,
    render_text,
    use,
)

#: The command's help, one msgid per paragraph (click rewraps them).
HELP_PARAGRAPHS = (
    N_("Tally a PrefLib .soc/.soi/.toc/.toi FILE and print the result."),
    N_(
        "Option ids in the output are the file's alternative numbers. JSON output "
        'has the shape {"method", "ranking", "scores", "winner", "ties", '
        '"consensus", "params", ...}; with --method all it holds every method '
        'under "methods" plus the agreement table, and a method that fails is '
        'reported on its own line (JSON: {"method", "error"}) while the others '
        "are printed. Above 500 options the m x m matrices are left out "
        '("pairwise": null). Progress goes to stderr for steps longer than a '
        "second. Errors exit with status 2."
    ),
    N_(
        '--weights FILE is a CSV with the header "order,weight" and one row per '
        'distinct order of FILE: the order as PrefLib writes it, quoted ("1,{2,3},4"), '
        "and the total weight of the ballots with that order (as exported when "
        "per-delegation weighting was applied)."
    ),
)
HELP = "\n\n".join(HELP_PARAGRAPHS)


class TranslatedCommand(click.Command):
    """A command whose help is in the reader's language: ``--lang`` (read
    ahead of click's parsing, since ``--help`` comes first) or the locale's
    environment."""

    def parse_args(self, ctx, args):
        lang = None
        for i, arg in enumerate(args):
            if arg == "--lang" and i + 1 < len(args):
                lang = args[i + 1]
            elif arg.startswith("--lang="):
                lang = arg.partition("=")[2]
        use(lang if lang in LANGUAGES else language_from_environment())
        return super().parse_args(ctx, args)

    def get_help(self, ctx):
        params = [(p, p.help) for p in self.params if getattr(p, "help", None)]
        saved = self.help
        try:
            for p, text in params:
                p.help = _(text)
            self.help = "\n\n".join(_(t) for t in HELP_PARAGRAPHS)
            return super().get_help(ctx)
        finally:
            self.help = saved
            for p, text in params:
                p.help = text


@click.command("tally", cls=TranslatedCommand, help=HELP)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--method",
    "method_name",
    default="schulze",
    show_default=True,
    help=N_("schulze, ranked_pairs, copeland, borda, irv, kemeny, mean_rank or all."),
)
@click.option(
    "--strength",
    type=click.Choice(["winning", "margin", "ratio"]),
    default="winning",
    show_default=True,
    help=N_("Schulze link strength."),
)
@click.option(
    "--unranked",
    type=click.Choice(["last", "ignore"]),
    default="last",
    show_default=True,
    help=N_("Unranked options tied last, or left out of that ballot's comparisons."),
)
@click.option(
    "--tie-break",
    type=click.Choice(["none", "borda", "earlier-rounds"]),
    default="none",
    show_default=True,
    help=N_(
        "Declared tie-break: Borda score, then a shuffle seeded with --seed; "
        "or earlier-rounds (instant-runoff only: the latest earlier round where "
        "the tied options' counts differ)."
    ),
)
@click.option(
    "--time-budget",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help=N_("Seconds an approximation may run (Kemeny above 20 options)."),
)
@click.option(
    "--kemeny-above-limit",
    type=click.Choice(["approximate", "refuse"]),
    default="approximate",
    show_default=True,
    help=N_(
        "Kemeny above its exact limit (20 options): a local search within "
        "--time-budget, labelled approximate, or a refusal naming the limit and "
        "the methods that apply."
    ),
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help=N_("Public seed of the tie-break."),
)
@click.option(
    "--weights",
    "weights_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=N_(
        "CSV 'order,weight' giving each order's total weight (delegation weighting)."
    ),
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help=N_("k of the method-agreement table (top k the same or not)."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "text"]),
    default="json",
    show_default=True,
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=None,
    help=N_(
        "Language of the text output and the messages (default: LANGUAGE, "
        "LC_ALL, LC_MESSAGES or LANG; else English). JSON stays English."
    ),
)
def tally_command(
    file,
    method_name,
    strength,
    unranked,
    tie_break,
    seed,
    time_budget,
    kemeny_above_limit,
    weights_file,
    top,
    fmt,
    lang,
):
    """The command (its help: :data:`HELP`); the work is
    :func:`weighted_profile`, :func:`_run_method` and :func:`render_text`."""
    use(lang or language_from_environment())
    if method_name != "all" and method_name not in METHODS:
        raise TallyError(
            _(
                "unknown method %(method)s; choose one of: %(methods)s",
                method=repr(method_name),
                methods=", ".join([*METHODS, "all"]),
            )
        )
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TallyError(
                _(
                    "%(file)s has %(size)s bytes, over the limit of %(limit)s bytes",
                    file=file.name,
                    size=f"{size:,}",
                    limit=f"{MAX_FILE_BYTES:,}",
                )
            )
        raw = file.read_bytes()
    except OSError as exc:
        raise TallyError(
            _(
                "cannot read %(file)s: %(reason)s",
                file=str(file),
                reason=exc.strerror or exc,
            )
        ) from None
    ext = file.suffix.lower().lstrip(".")
    try:
        data = read_preflib(raw, ext if ext in DATA_TYPES else None, unranked)
        if data.extension:
            click.echo(
                _(
                    "Note: %(file)s holds DATA TYPE %(type)s, which a .%(ext)s "
                    "file admits: read as %(type)s.",
                    file=file.name,
                    type=data.data_type,
                    ext=data.extension,
                ),
                err=True,
            )
        profile = weighted_profile(data, weights_file, file.name, unranked)
    except AggregationError as exc:
        raise TallyError(package_text(str(exc))) from None
    _build_matrix(profile)
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
                above_exact_limit=kemeny_above_limit,
            )
        except (AggregationError, MemoryError, RecursionError) as exc:
            if method_name != "all":
                raise TallyError(_failure(n, exc)) from None
            failures[n] = exc
            click.echo(_failure(n, exc), err=True)
        except Exception as exc:  # noqa: BLE001 - one method must not sink the rest
            if method_name != "all":
                raise
            failures[n] = exc
            click.echo(_failure(n, exc), err=True)
    if not tallies:
        raise TallyError(_("every method failed"))
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
                        else {"method": n, "error": _failure(n, failures[n], False)}
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
    title = data.header.get("TITLE") or file.name
    agreement = method_agreement(tallies, top) if method_name == "all" else None
    text_failures = {n: _failure(n, e) for n, e in failures.items()}
    click.echo(
        render_text(
            data,
            title,
            source,
            names,
            tallies,
            text_failures,
            top,
            agreement,
            consensus,
        )
    )


def _tally_json(t, consensus, matrices=True):
    d = t.to_dict(matrices=matrices)
    d["consensus"] = dict(consensus)
    return d


def _failure(name, exc, translated=True):
    """One line naming the method and what went wrong (English for JSON)."""
    if isinstance(exc, MemoryError):
        what = _("out of memory") if translated else "out of memory"
    elif isinstance(exc, (AggregationError, RecursionError)):
        what = str(exc) or type(exc).__name__
        what = package_text(what) if translated else what
    else:
        what = f"{type(exc).__name__}: {exc}"
    if not translated:
        return f"{METHODS[name].label} ({name}) failed: {what}"
    label = method_label(name)
    return _(
        "%(label)s (%(method)s) failed: %(what)s", label=label, method=name, what=what
    )


#: A step's bar appears once the step has run this long (seconds).
SHOW_AFTER = 1.0


def make_bar(**kw):
    """A tqdm bar; tqdm (about 50 ms to import) is loaded with the first one,
    so a quick tally never pays for it."""
    from tqdm import tqdm

    return tqdm(**kw)


def _progress_bars(label=None):
    """``(progress, close)``: a ``progress(step, done, total)`` callback that
    draws one bar per step on stderr, shown only once a step has run for
    :data:`SHOW_AFTER` seconds, and the function closing them."""
    bars, started = {}, {}

    def progress(step, done, total):
        bar = bars.get(step)
        if bar is None:
            since = started.setdefault(step, time.monotonic())
            if time.monotonic() - since < SHOW_AFTER:
                return
            desc = package_text(step)
            bar = bars[step] = make_bar(
                total=total,
                desc=f"{label}: {desc}" if label else desc,
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        bar.total = total
        bar.update(done - bar.n)

    def close():
        for bar in bars.values():
            bar.close()

    return progress, close


def _build_matrix(profile):
    """The pairwise matrix, built before the methods read it (a bar for a
    large profile)."""
    progress, close = _progress_bars()
    try:
        profile.build_pairwise(progress)
    finally:
        close()


def _run_method(profile, name, **kwargs):
    """One method, with a progress bar per step on stderr (shown only once a
    step has run for a second)."""
    progress, close = _progress_bars(method_label(name))
    try:
        return tally(profile, name, progress=progress, **kwargs)
    finally:
        close()


if __name__ == "__main__":  # pragma: no cover
    tally_command()
