"""What ``flask tally`` publishes (issue 18): ties stay ties, an inexact result
names no unproven winner, ``--method all`` survives a failing method, and the
text output is the whole ranking, exact, with every convention."""

import dataclasses
import importlib
import json

import pytest
from click.testing import CliRunner

from voting.aggregation import METHODS
from voting.tally_cli import tally_command

pv_iter = importlib.import_module("pref_voting.iterative_methods")
pv_irv, pv_irv_put = pv_iter.instant_runoff, pv_iter.instant_runoff_put
pvp = importlib.import_module("pref_voting.profiles")


def preflib(tmp_path, name, m, orders, ext="soi"):
    lines = [
        f"# FILE NAME: {name}.{ext}",
        f"# TITLE: {name}",
        f"# DATA TYPE: {ext}",
        f"# NUMBER ALTERNATIVES: {m}",
        f"# NUMBER VOTERS: {sum(c for c, _ in orders)}",
        f"# NUMBER UNIQUE ORDERS: {len(orders)}",
        *[
            f"# ALTERNATIVE NAME {i}: {chr(64 + i) if i <= 26 else i}"
            for i in range(1, m + 1)
        ],
        *[f"{c}: {','.join(map(str, o))}" for c, o in orders],
    ]
    f = tmp_path / f"{name}.{ext}"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def run(*args):
    return CliRunner().invoke(tally_command, [str(a) for a in args])


# A26-like: A 4, B 3, C 1 (C's ballot goes to B), then A 4 = B 4 in the final
# count. The earlier-round rule used to eliminate B (3 < 4 in round 1) and
# publish A with "ties": false; pref_voting reports the tie.
FINAL_TIE = [(4, [1, 3, 2]), (3, [2, 1, 3]), (1, [3, 2, 1])]


def test_irv_final_round_tie_is_a_tie(tmp_path):
    f = preflib(tmp_path, "final_tie", 3, FINAL_TIE, ext="soc")
    d = json.loads(run(f, "--method", "irv").stdout)
    theirs = pv_irv(pvp.Profile([[0, 2, 1], [1, 0, 2], [2, 1, 0]], rcounts=[4, 3, 1]))
    assert set(d["ranking"][0]) == {c + 1 for c in theirs} == {1, 2}
    assert d["winner"] is None and d["ties"] is True
    assert "share first place" in d["winner_reason"]
    assert any("final count" in n for n in d["notes"])
    text = run(f, "--method", "irv", "--format", "text").stdout
    assert "winner: none (tie: 1, 2 share first place)" in text


def test_irv_earlier_rounds_only_when_declared(tmp_path):
    f = preflib(tmp_path, "final_tie", 3, FINAL_TIE, ext="soc")
    r = run(f, "--method", "irv", "--tie-break", "earlier-rounds")
    d = json.loads(r.stdout)
    assert d["winner"] == 1 and d["params"]["tie_break"] == "earlier_rounds"
    assert "Declared tie-break: earlier rounds" in d["params"]["tie_rule"]
    assert any("declared earlier-rounds tie-break" in n for n in d["notes"])
    text = run(
        f, "--method", "irv", "--tie-break", "earlier-rounds", "--format", "text"
    )
    assert "declared tie-break: earlier_rounds" in text.stdout


def test_irv_tie_that_decides_the_winner_is_reported(tmp_path):
    # A 4, B 3, C 3: B and C go together and A "wins"; one at a time, B's
    # ballots elect C and C's elect B. The tie decided the winner.
    orders = [(4, [1, 2, 3]), (3, [2, 3, 1]), (3, [3, 2, 1])]
    f = preflib(tmp_path, "decisive", 3, orders, ext="soc")
    d = json.loads(run(f, "--method", "irv").stdout)
    assert d["ranking"] == [[1, 2, 3]] and d["winner"] is None
    assert any("decided the winner" in n for n in d["notes"])
    theirs = pvp.Profile([[0, 1, 2], [1, 2, 0], [2, 1, 0]], rcounts=[4, 3, 3])
    assert {c + 1 for c in pv_irv(theirs)} == {1}  # together
    assert {c + 1 for c in pv_irv_put(theirs)} == {2, 3}  # one at a time


def cyclic(m, voters=3):
    return [(1, [(i + k) % m + 1 for k in range(m)]) for i in range(voters)]


def test_inexact_kemeny_names_no_unproven_winner(tmp_path):
    f = preflib(tmp_path, "cyclic", 24, cyclic(24), ext="soc")
    r = run(f, "--method", "kemeny", "--time-budget", "1")
    d = json.loads(r.stdout)
    assert d["exact"] is False and d["winner"] is None
    assert "approximate" in d["winner_reason"]
    text = run(f, "--method", "kemeny", "--time-budget", "1", "--format", "text").stdout
    assert "winner: none (the result is approximate" in text and "exact: no" in text


def test_method_all_reports_a_failure_and_prints_the_rest(tmp_path, monkeypatch):
    def boom(p, ctx):
        raise MemoryError

    monkeypatch.setitem(
        METHODS, "copeland", dataclasses.replace(METHODS["copeland"], func=boom)
    )
    f = preflib(tmp_path, "small", 4, [(3, [1, 2, 3, 4]), (2, [2, 3, 1])])
    r = run(f, "--method", "all")
    assert r.exit_code == 0 and r.exception is None
    d = json.loads(r.stdout)
    assert d["methods"]["copeland"] == {
        "method": "copeland",
        "error": "Copeland (copeland) failed: out of memory",
    }
    assert all("ranking" in d["methods"][n] for n in METHODS if n != "copeland")
    assert "Copeland (copeland) failed: out of memory" in r.stderr
    text = run(f, "--method", "all", "--format", "text").stdout
    assert "Copeland (copeland) failed: out of memory" in text
    assert "Schulze (schulze)" in text and "Traceback" not in text


def test_text_output_is_whole_exact_and_states_conventions(tmp_path):
    # Borda with the unranked tail sharing points gives halves: 12367.5
    f = preflib(tmp_path, "exact", 5, [(12345, [1, 2]), (1, [3]), (7, [5, 4, 3])])
    d = json.loads(run(f, "--method", "borda").stdout)
    text = run(f, "--method", "borda", "--format", "text").stdout
    assert len(d["ranking"]) == 5
    assert d["scores"]["4"] == 12367.5 and "score 12367.5" in text
    for s in d["scores"].values():
        assert f"score {s}\n" in text + "\n" or f"score {s} " in text
    assert "    5. " in text  # the whole ranking, not the top 3
    assert "unranked options: last (tied with each other below every ranked" in text
    assert "tie rule: Options with equal Borda scores" in text
    assert "declared tie-break: none" in text
    s = run(f, "--format", "text", "--strength", "margin").stdout
    assert "Schulze link strength: margin" in s


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_ranked_pairs_at_its_bound_says_why_in_every_format(tmp_path, monkeypatch, fmt):
    import voting.aggregation.ranked_pairs as rp

    monkeypatch.setattr(rp, "RANKED_PAIRS_STATE_LIMIT", 3)
    f = preflib(tmp_path, "cyc9", 9, cyclic(9), ext="soc")
    out = run(f, "--method", "ranked_pairs", "--format", fmt).stdout
    if fmt == "json":
        d = json.loads(out)
        assert d["winner"] is None and not d["exact"]
        assert "approximate" in d["winner_reason"]
    else:
        assert "winner: none (the result is approximate" in out
        assert "exceeded the search bound" in out


class FakeBars:
    """Stands in for tqdm: records each bar's keywords and its updates."""

    def __init__(self):
        self.made = []

    def __call__(self, **kw):
        import sys

        kw["to_stderr"] = kw.pop("file") is sys.stderr  # CliRunner's
        self.made.append(kw)
        return self.Bar(kw)

    class Bar:
        def __init__(self, kw):
            self.kw, self.n, self.total = kw, 0, kw["total"]

        def update(self, k):
            self.n += k
            self.kw["n"] = self.n

        def close(self):
            self.kw["closed"] = True


def test_the_pairwise_matrix_has_its_bar_above_the_threshold(tmp_path, monkeypatch):
    import voting.aggregation.pairwise as pw
    import voting.tally_cli as cli

    f = preflib(tmp_path, "small", 4, [(3, [1, 2, 3, 4]), (2, [2, 3, 1])])
    bars = FakeBars()
    monkeypatch.setattr(cli, "make_bar", bars)
    monkeypatch.setattr(cli, "SHOW_AFTER", 0)
    assert run(f).exit_code == 0  # 4 options: below the threshold, no bar
    assert "pairwise matrix" not in {kw["desc"] for kw in bars.made}
    monkeypatch.setattr(pw, "PROGRESS_FROM", 1)
    bars.made.clear()
    assert run(f, "--format", "text").exit_code == 0
    (matrix,) = [kw for kw in bars.made if kw["desc"] == "pairwise matrix"]
    assert matrix["to_stderr"] and matrix["closed"]
    assert matrix["n"] == matrix["total"] > 0
    bars.made.clear()
    assert run(f, "--lang", "es").exit_code == 0
    assert "matriz de pares" in {kw["desc"] for kw in bars.made}


@pytest.mark.parametrize("unranked", ["last", "ignore"])
def test_build_pairwise_reports_its_step_and_gives_the_same_matrix(unranked):
    from itertools import permutations

    import numpy as np

    from voting.aggregation import Profile

    # 20 orders of weight 10 (a large group: counted, then scaled) and 40
    # orders of assorted weights (the matrix-vector product): two passes
    pairs = list(permutations(range(5), 2))
    ballots = [([[a], [b]], 1) for a, b in pairs for _ in range(10)]
    triples = list(permutations(range(5), 3))[:40]
    ballots += [([[a], [b], [c]], 0.5 + i / 7) for i, (a, b, c) in enumerate(triples)]
    calls = []
    p = Profile(range(5), ballots, unranked)
    P = p.build_pairwise(lambda *a: calls.append(a), report_from=1)
    assert P is p.pairwise  # kept
    assert calls and {step for step, _, _ in calls} == {"pairwise matrix"}
    done = [d for _, d, _ in calls]
    assert done == sorted(done) and done[-1] == calls[-1][2] == 2 * 5
    fresh = Profile(range(5), ballots, unranked).pairwise
    assert np.array_equal(P, fresh)
    quiet = []
    Profile(range(5), ballots, unranked).build_pairwise(quiet.append)
    assert quiet == []  # below the default threshold


def test_progress_bars_name_method_and_step_on_stderr(tmp_path, monkeypatch):
    import voting.tally_cli as cli

    bars = FakeBars()
    made = bars.made
    monkeypatch.setattr(cli, "make_bar", bars)
    monkeypatch.setattr(cli, "SHOW_AFTER", 0)
    f = preflib(tmp_path, "small", 4, [(3, [1, 2, 3, 4]), (2, [2, 3, 1])])
    assert run(f).exit_code == 0
    descs = {kw["desc"] for kw in made}
    assert {"Schulze: links", "Schulze: strongest paths"} <= descs
    assert all(kw["to_stderr"] for kw in made)
    # With the default wait, a quick tally draws no bar at all.
    monkeypatch.setattr(cli, "SHOW_AFTER", 1.0)
    made.clear()
    assert run(f).exit_code == 0 and made == []


APPLY_AT_24 = "schulze, ranked_pairs, copeland, borda, irv, mean_rank"


def test_kemeny_above_its_limit_may_be_refused(tmp_path):
    f = preflib(tmp_path, "cyclic", 24, cyclic(24), ext="soc")
    r = run(f, "--method", "kemeny", "--kemeny-above-limit", "refuse")
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.output
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith("Error: Kemeny–Young (kemeny) failed")
    assert "24 options exceed the exact limit of 20" in line
    assert "approximation was refused" in line
    assert line.endswith(f"the methods that apply at 24 options: {APPLY_AT_24}")
    # the default still approximates, within the budget, and says so
    d = json.loads(run(f, "--method", "kemeny", "--time-budget", "0").stdout)
    assert d["exact"] is False and "local search" in d["notes"][0]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_refused_kemeny_is_its_own_failure_under_method_all(tmp_path, fmt):
    f = preflib(tmp_path, "cyclic", 24, cyclic(24), ext="soc")
    r = run(f, "--method", "all", "--kemeny-above-limit", "refuse", "--format", fmt)
    assert r.exit_code == 0 and r.exception is None
    assert "Kemeny–Young (kemeny) failed: 24 options exceed" in r.stderr
    if fmt == "json":
        d = json.loads(r.stdout)
        assert set(d["methods"]["kemeny"]) == {"method", "error"}
        assert d["methods"]["kemeny"]["error"].endswith(APPLY_AT_24)
        assert all("ranking" in d["methods"][n] for n in METHODS if n != "kemeny")
    else:
        assert "Kemeny–Young (kemeny) failed: 24 options exceed" in r.stdout
        assert "Schulze (schulze)" in r.stdout and "Mean rank (mean_rank)" in r.stdout


def test_refuse_changes_nothing_within_the_exact_limit(tmp_path):
    f = preflib(tmp_path, "small", 4, [(3, [1, 2, 3, 4]), (2, [2, 3, 1])])
    r = run(f, "--method", "kemeny", "--kemeny-above-limit", "refuse")
    assert r.exit_code == 0 and json.loads(r.stdout)["exact"] is True


def test_the_package_refuses_or_rejects_an_unknown_choice():
    from voting.aggregation import AggregationError, Profile, tally

    p = Profile(range(21), [([list(range(21))], 1)])
    with pytest.raises(AggregationError, match="exceed the exact limit of 20"):
        tally(p, "kemeny", above_exact_limit="refuse")
    with pytest.raises(AggregationError, match="use approximate or refuse"):
        tally(p, "kemeny", above_exact_limit="never")
    assert tally(p, "schulze", above_exact_limit="refuse").exact
