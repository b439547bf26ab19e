"""Every export is read back and recomputed, for every weighting mode.

PrefLib files (``toi``, ``soi``, ``soc``, ``toc``, ``preflib``) go through
``flask export`` then ``flask tally``; CSV files are read with
``csv.DictReader`` (one table per file); JSON is read back as a document.
"""

import csv
import io
import json
from itertools import permutations

import pytest

from voting import exports
from voting.aggregation.preflib import ADMITS

from .test_exports import RANKINGS, alternatives, make_room

WEIGHTINGS = ["delegate", "delegation", "national"]
#: Ballots whose most restrictive PrefLib type is the key.
SHAPES = {
    "toi": RANKINGS,
    "soi": [r for r in RANKINGS if all(len(t) == 1 for t in r)],
    "soc": [[[k] for k in p] for p in list(permutations(range(5)))[::13][:8]],
}
TYPES = ("soc", "soi", "toc", "toi")


def dict_rows(data):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_preflib_format_is_recomputed_by_flask_tally(
    app, runner, tmp_path, monkeypatch, weighting, shape
):
    poll, round_, _ = make_room(weighting=weighting, rankings=SHAPES[shape])
    expected = alternatives(round_)
    # national weighting gives one (tied, complete) order per delegation
    native = exports.export_round(round_, "preflib").filename.rsplit(".", 1)[1]
    assert native == shape or weighting == "national"
    fits = {t for t in TYPES if native in ADMITS[t]}
    for fmt in ("toi", "soi", "soc", "toc", "preflib"):
        folder = tmp_path / fmt
        folder.mkdir()
        monkeypatch.chdir(folder)
        result = runner.invoke(args=["export", str(round_.id), "--format", fmt])
        if fmt != "preflib" and fmt not in fits:
            assert result.exit_code != 0
            assert f".{fmt} (necesitan {native})" in result.output  # es: default
            continue
        assert result.exit_code == 0, (fmt, result.output)
        (path,) = [p for p in folder.iterdir() if p.suffix[1:] in TYPES]
        written = native if fmt == "preflib" else fmt
        assert path.suffix == f".{written}"
        assert f"# DATA TYPE: {written}\n" in path.read_text(encoding="utf-8")
        args = ["tally", str(path), "--method", poll.method]
        weights = list(folder.glob("*.weights.csv"))
        assert bool(weights) == (weighting != "delegate")
        if weights:
            args += ["--weights", str(weights[0])]
        recount = runner.invoke(args=args)
        assert recount.exit_code == 0, (fmt, recount.output)
        assert json.loads(recount.stdout)["ranking"] == expected, fmt


def test_flask_export_toi_writes_a_toi_that_flask_tally_reads(app, runner, tmp_path):
    """Issue 18: ``--format toi --out r.toi`` wrote ``DATA TYPE: soi``."""
    poll, round_, _ = make_room(rankings=SHAPES["soi"])
    out = tmp_path / "r.toi"
    result = runner.invoke(
        args=["export", str(round_.id), "--format", "toi", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "# DATA TYPE: toi\n" in out.read_text(encoding="utf-8")
    recount = runner.invoke(args=["tally", str(out)])
    assert recount.exit_code == 0, recount.output
    assert json.loads(recount.stdout)["ranking"] == alternatives(round_)
    # the most restrictive file, kept under its own extension, reads in a .toi
    soi = tmp_path / "r2.toi"
    soi.write_bytes(exports.export_round(round_, "preflib").read())
    recount = runner.invoke(args=["tally", str(soi)])
    assert recount.exit_code == 0, recount.output
    assert "DATA TYPE soi, which a .toi file admits" in recount.stderr


@pytest.mark.parametrize("weighting", WEIGHTINGS)
def test_csv_and_json_exports_read_back_one_table_per_file(app, weighting):
    poll, round_, _ = make_room(weighting=weighting)
    expected = alternatives(round_)
    flat = [a for tier in expected for a in tier]
    priorities = dict_rows(exports.export_round(round_, "csv").read())
    assert [int(r["alternative"]) for r in priorities] == flat
    assert all(r["position"].isdigit() and None not in r for r in priorities)
    meta = dict_rows(exports.export_round(round_, "metadata").read())
    fields = {r["field"]: r["value"] for r in meta}
    assert all(set(r) == set(meta[0]) and None not in r for r in meta)
    assert fields["weighting"] == weighting and fields["method"] == poll.method
    doc = json.loads(exports.export_round(round_, "json").read())
    assert doc["sections"][0]["ranking_alternatives"] == expected
    assert doc["sections"][0]["metadata"]["weighting"] == weighting


def test_audit_log_csv_is_one_table_per_file(app):
    poll, round_, _ = make_room()
    exports.log_export(exports.export_round(round_, "csv"), "cli")
    entries = dict_rows(exports.audit_log(poll.event).read())
    assert entries and all(r["at"].endswith("Z") and None not in r for r in entries)
    assert {"round_closed", "export"} <= {r["action"] for r in entries}
    summary = dict_rows(exports.audit_log(poll.event, "summary").read())
    assert [int(r["round_id"]) for r in summary] == [round_.id]
    assert summary[0]["exports"] == "1"
