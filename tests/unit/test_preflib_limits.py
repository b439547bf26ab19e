"""The reader's limits: past one, a one-line error naming it and the line.

Each case runs ``python -m voting.tally_cli`` in a subprocess whose address
space is capped (``RLIMIT_AS``), so a reader that allocates what a header
claims dies instead of passing.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from voting.aggregation.preflib import PreflibError, read_preflib

from .preflib_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
CAP = 300 * 1024 * 1024
RUN = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({CAP}, {CAP}))
from voting.tally_cli import tally_command
tally_command(sys.argv[1:], prog_name="prioriza-tally")
"""


def tally_capped(path, *args):
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-c", RUN, str(path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def header(m, data_type="soi"):
    return (
        f"# FILE NAME: big.{data_type}\n# TITLE: big\n# DATA TYPE: {data_type}\n"
        f"# NUMBER ALTERNATIVES: {m}\n# NUMBER VOTERS: 1\n"
        "# NUMBER UNIQUE ORDERS: 1\n"
    )


def assert_refused(r, *words):
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("m", [20_000, 200_000])
def test_a_header_claiming_many_alternatives_is_refused_before_allocating(tmp_path, m):
    path = tmp_path / "big.soi"
    path.write_text(header(m) + "1: 1,2\n")
    r = tally_capped(path)
    assert_refused(r, "line 4", "NUMBER ALTERNATIVES", f"{m:,}"[:2], "10,000")


@pytest.mark.parametrize("digits", [400, 5_000])
def test_a_huge_multiplicity_is_refused_without_a_traceback(tmp_path, digits):
    path = tmp_path / "big.soi"
    text = header(3).replace("# NUMBER VOTERS: 1\n", "")
    path.write_text(text + "7" * digits + ": 1,2\n")
    r = tally_capped(path)
    assert_refused(r, "line 6", "multiplicity", "1,000,000,000", f"{digits:,} digits")


def test_a_huge_voter_total_in_the_header_is_refused_without_a_traceback():
    text = EXAMPLES["soc"].replace("NUMBER VOTERS: 100", "NUMBER VOTERS: " + "9" * 5000)
    with pytest.raises(PreflibError, match=r"line 11: NUMBER VOTERS says 999"):
        read_preflib(text, "soc")
    with pytest.raises(PreflibError, match="line 13: ALTERNATIVE NAME 1111"):
        read_preflib(EXAMPLES["soc"].replace("NAME 1:", "NAME " + "1" * 5000 + ":"))


def test_too_many_lines_and_cells_name_the_first_line_past_the_limit(monkeypatch):
    import voting.aggregation.preflib as reader
    from voting.aggregation import preflib_body

    monkeypatch.setattr(reader, "MAX_ORDERS", 2)
    monkeypatch.setattr(preflib_body, "MAX_ORDERS", 2)
    with pytest.raises(PreflibError, match="line 19: more than 2 preference lines"):
        read_preflib(EXAMPLES["soc"], "soc")
    monkeypatch.setattr(reader, "MAX_ORDERS", 10)
    monkeypatch.setattr(preflib_body, "MAX_ORDERS", 10)
    monkeypatch.setattr(reader, "MAX_CELLS", 11)
    monkeypatch.setattr(preflib_body, "MAX_CELLS", 11)
    with pytest.raises(PreflibError, match="line 19: 3 preference lines of 4 alt"):
        read_preflib(EXAMPLES["soc"], "soc")


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import voting.tally_cli as cli

    path = tmp_path / "x.soc"
    path.write_text(EXAMPLES["soc"])
    monkeypatch.setattr(cli, "MAX_FILE_BYTES", 100)
    r = CliRunner().invoke(cli.tally_command, [str(path)])
    assert r.exit_code == 2 and "over the limit of 100 bytes" in r.output
    monkeypatch.setattr("voting.aggregation.preflib.MAX_FILE_BYTES", 100)
    with pytest.raises(PreflibError, match="over the limit of 100 bytes"):
        read_preflib(EXAMPLES["soc"])
