"""Benchmark of ``flask tally FILE`` end to end, with pref_voting on the same file.

Run: ``python tests/bench/bench_tally.py [--ballots N] [--options M] [--seed S]
[--method schulze] [--repeat R] [--no-pref-voting]``. Not collected by pytest;
``tests/unit/test_bench_tally.py`` runs a tiny configuration for correctness.

It writes a seeded PrefLib ``.toi`` file (default 100,000 ballots over 20
options, with ties and truncated ballots; identical ballots merged into one
line, as PrefLib requires), then prints, in one run, each the best wall time
of ``--repeat`` runs:

- ``flask --app wsgi tally FILE`` from the shell (a new process each run);
- the standalone script (``python -m voting.tally_cli FILE``, what the
  ``prioriza-tally`` console script runs);
- pref_voting from the shell on the same file (preflibtools' reader, then
  its method on the profile, unranked options below the ranked ones), and
  the ratio;
- the in-memory engine: :func:`voting.aggregation.tally` on a profile
  already built, and the ratio of the end-to-end time to it;
- the reader alone (:func:`read_preflib` on the file's bytes to the
  :class:`Profile`, before any method reads it);
- the start of a process that imports numpy and does nothing else, and the
  floor of any end-to-end run in one Python process: that start, plus the
  reader, plus the in-memory engine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from voting.aggregation import Profile, tally  # noqa: E402
from voting.aggregation.preflib import read_preflib, write_preflib  # noqa: E402

BIN = Path(sys.executable).parent
#: pref_voting's function for each of our methods (None: not compared).
PREF_VOTING = {
    "schulze": "pref_voting.margin_based_methods:beat_path",
    "ranked_pairs": "pref_voting.margin_based_methods:ranked_pairs",
    "copeland": "pref_voting.c1_methods:copeland",
    "borda": "pref_voting.scoring_methods:borda",
    "irv": "pref_voting.iterative_methods:instant_runoff",
}
PV_SCRIPT = """
import sys, importlib
from pref_voting.io.readers import preflib_to_profile
mod, fn = sys.argv[2].split(":")
prof = preflib_to_profile(sys.argv[1])
prof.use_extended_strict_preference()
print(getattr(importlib.import_module(mod), fn)(prof))
"""


def load_ballots_maker():
    path = Path(__file__).with_name("bench_aggregation.py")
    spec = importlib.util.spec_from_file_location("bench_aggregation", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_ballots


def write_file(path, n, m, seed=0):
    """Write n seeded ballots over m options (ties, truncation) as ``.toi``."""
    ballots = load_ballots_maker()(n, m, ties=True, seed=seed)
    profile = Profile(range(m), ballots)
    text, data_type = write_preflib(
        profile, title=f"bench {n} x {m}", file_name=Path(path).name
    )
    text = text.replace(f"# DATA TYPE: {data_type}", "# DATA TYPE: toi", 1)
    Path(path).write_text(text, encoding="utf-8")
    return profile


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def shell(cmd, env=None):
    def run():
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {r.stderr[-400:]}")
        return r.stdout

    return run


def entry_point_path(tmp):
    """A folder to put on the path so that ``flask`` sees ``tally`` as a plugin.

    ``None`` when the installed project already declares it; otherwise a
    throwaway ``.dist-info`` with pyproject's ``flask.commands`` table (what
    installing the project registers).
    """
    from importlib.metadata import entry_points

    if any(ep.name == "tally" for ep in entry_points(group="flask.commands")):
        return None
    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = table["project"]["entry-points"]["flask.commands"]["tally"]
    dist = Path(tmp) / "site" / "prioriza_tally_bench-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: prioriza-tally-bench\nVersion: 0\n"
    )
    (dist / "entry_points.txt").write_text(f"[flask.commands]\ntally = {target}\n")
    return dist.parent


def measure(path, method, repeat, pref_voting=True, pv_repeat=1):
    """``{label: seconds}`` for the runs listed in the module docstring."""
    extra = entry_point_path(Path(path).parent)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(str(p) for p in (ROOT, extra) if p is not None),
    )
    out = {}
    args = [str(path), "--method", method]
    out["flask tally"] = best(
        shell([str(BIN / "flask"), "--app", "wsgi", "tally", *args], env), repeat
    )
    out["standalone"] = best(
        shell([sys.executable, "-m", "voting.tally_cli", *args], env), repeat
    )
    if pref_voting and method in PREF_VOTING:
        cmd = [sys.executable, "-c", PV_SCRIPT, str(path), PREF_VOTING[method]]
        out["pref_voting"] = best(shell(cmd, env), pv_repeat)
    raw = Path(path).read_bytes()
    out["reader"] = best(lambda: read_preflib(raw, "toi").profile, repeat)
    profile = read_preflib(raw, "toi").profile

    def in_memory():
        # a fresh profile each time, so that no cached matrix is reused
        p = Profile.from_arrays(profile.options, profile.ranks, profile.weights)
        tally(p, method)

    out["in-memory"] = best(in_memory, repeat)
    out["numpy start"] = best(
        shell([sys.executable, "-c", "import numpy"], env), repeat
    )
    return out


def report(figures, n, m, method, distinct):
    lines = [f"{n:,} ballots x {m} options, {distinct:,} distinct orders, {method}"]
    for label, sec in figures.items():
        lines.append(f"  {label:<12} {sec:8.3f} s")
    e2e = figures["flask tally"]
    if "pref_voting" in figures:
        lines.append(
            f"  pref_voting / flask tally: {figures['pref_voting'] / e2e:.1f}x  "
            f"(standalone: {figures['pref_voting'] / figures['standalone']:.1f}x)"
        )
    lines.append(
        f"  flask tally / in-memory: {e2e / figures['in-memory']:.2f}x  "
        f"(standalone: {figures['standalone'] / figures['in-memory']:.2f}x)"
    )
    floor = figures["numpy start"] + figures["reader"] + figures["in-memory"]
    lines.append(
        f"  floor (numpy start + reader + in-memory): {floor:.3f} s, "
        f"{floor / figures['in-memory']:.2f}x in-memory"
    )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ballots", type=int, default=100_000)
    ap.add_argument("--options", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--method", default="schulze")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pv-repeat", type=int, default=1, help="pref_voting runs")
    ap.add_argument("--no-pref-voting", action="store_true")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.toi"
        profile = write_file(path, a.ballots, a.options, a.seed)
        figures = measure(path, a.method, a.repeat, not a.no_pref_voting, a.pv_repeat)
        print(report(figures, a.ballots, a.options, a.method, profile.n_distinct))
    return 0


if __name__ == "__main__":
    sys.exit(main())
