"""The ``tally`` command, through click's CliRunner (no app needed)."""

import json

import pytest
from click.testing import CliRunner

from voting.tally_cli import tally_command

from .preflib_examples import EXAMPLES


@pytest.fixture
def files(tmp_path):
    out = {}
    for ext, text in EXAMPLES.items():
        f = tmp_path / f"example.{ext}"
        f.write_text(text, encoding="utf-8")
        out[ext] = f
    return out


def run(*args):
    return CliRunner().invoke(tally_command, [str(a) for a in args])


def test_json_default_schulze(files):
    r = run(files["soc"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["method"] == "schulze" and d["winner"] == 2  # Nashville
    assert d["ranking"] == [[2], [3], [4], [1]] and d["ties"] is False
    assert 0 <= d["consensus"]["kendall_w"] <= 1
    assert d["names"]["2"] == "Nashville"
    assert len(d["source"]["sha256"]) == 64 and d["source"]["data_type"] == "soc"
    assert d["params"]["unranked"] == "last" and d["params"]["strength"] == "winning"


def test_each_method_and_options(files):
    for m in ["ranked_pairs", "copeland", "borda", "irv", "kemeny", "mean_rank"]:
        r = run(files["toi"], "--method", m, "--unranked", "ignore")
        assert r.exit_code == 0, r.output
        d = json.loads(r.output)
        assert d["method"] == m and d["params"]["unranked"] == "ignore"
    r = run(files["soc"], "--method", "irv")
    assert json.loads(r.output)["winner"] == 4
    r = run(files["toc"], "--tie-break", "borda", "--seed", "7", "--method", "copeland")
    d = json.loads(r.output)
    assert not d["ties"] and d["params"]["seed"] == 7


def test_all_json_and_text(files):
    r = run(files["toi"], "--method", "all")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert len(d["methods"]) == 7 and d["agreement"]["k"] == 3
    r = run(files["toi"], "--method", "all", "--format", "text", "--top", "2")
    assert r.exit_code == 0, r.output
    assert "Method agreement (top 2" in r.output and "Kendall's W" in r.output
    r = run(files["soc"], "--format", "text", "--strength", "margin")
    assert "winner: Nashville" in r.output


def test_weights_file(files, tmp_path):
    w = tmp_path / "w.csv"
    w.write_text('order,weight\n"1,2,3,4",1\n"2,3,4,1",50\n"4,3,2,1",1\n"3,4,2,1",1\n')
    r = run(files["soc"], "--weights", w, "--method", "borda")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["winner"] == 2 and d["source"]["total_weight"] == 53
    assert d["source"]["voters"] == 100 and d["source"]["distinct_orders"] == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("weight,order\n", "first row must be 'order,weight'"),
        ('order,weight\n"1,2,3,4",x\n', "weight 'x' is not a number"),
        ("order,weight\n1,2,3,4,1\n", "expected 2 columns"),
        ('order,weight\n"1,2,3,9",1\n', "alternative 9 is outside"),
        ('order,weight\n"1,2,3,4",1\n', "no weight for the order 2,3,4,1"),
        ('order,weight\n"1,2,3,4",1\n"1,2,3,4",2\n', "repeated"),
    ],
)
def test_weights_file_errors(files, tmp_path, content, message):
    w = tmp_path / "w.csv"
    w.write_text(content)
    r = run(files["soc"], "--weights", w)
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output


def test_weights_extra_order(files, tmp_path):
    w = tmp_path / "w.csv"
    rows = ["1,2,3,4", "2,3,4,1", "4,3,2,1", "3,4,2,1", "1,2,4,3"]
    w.write_text("order,weight\n" + "".join(f'"{o}",1\n' for o in rows))
    r = run(files["soc"], "--weights", w)
    assert r.exit_code == 2 and "1 order(s) do not appear" in r.output
    r = run(files["soc"], "--weights", tmp_path / "missing.csv")
    assert r.exit_code == 2 and "cannot read" in r.output


def test_errors_exit_2_one_line(files, tmp_path):
    bad = tmp_path / "bad.soc"
    bad.write_text(EXAMPLES["soc"].replace("42: 1,2,3,4", "42: 1,2,3"))
    cases = [
        ([bad], "line 17: a .soc order must rank all 4"),
        ([tmp_path / "nope.soc"], "cannot read"),
        ([files["soc"], "--method", "plurality"], "unknown method 'plurality'"),
        ([files["soc"], "--strength", "huge"], "Invalid value"),
    ]
    for args, message in cases:
        r = CliRunner().invoke(tally_command, [str(a) for a in args])
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output
        assert "Traceback" not in r.output
        assert r.exception is None or isinstance(r.exception, SystemExit)
    wrong_ext = tmp_path / "x.soc"
    wrong_ext.write_text(EXAMPLES["toi"])
    r = run(wrong_ext)
    assert r.exit_code == 2 and "does not match the file extension" in r.output
    # errors go to stderr
    r = CliRunner().invoke(tally_command, [str(bad)])
    assert r.stderr.strip().startswith("Error: line 17") and r.stdout == ""


@pytest.mark.parametrize(("data_type", "ext"), [("soi", "toi"), ("soc", "soi")])
def test_a_stricter_type_is_accepted_and_said_on_stderr(tmp_path, data_type, ext):
    path = tmp_path / f"x.{ext}"
    path.write_text(EXAMPLES[data_type])
    r = CliRunner().invoke(tally_command, [str(path)])
    assert r.exit_code == 0, r.output
    assert f"DATA TYPE {data_type}, which a .{ext} file admits" in r.stderr
    assert json.loads(r.stdout)["source"]["data_type"] == data_type
