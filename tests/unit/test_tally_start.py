"""``flask tally`` and ``prioriza-tally`` start without the app.

Both run in a subprocess under ``python -X importtime``, which lists every
module imported: the standalone script imports no Flask at all, and
``flask --app wsgi tally`` finds the command through the ``flask.commands``
entry point that pyproject declares (registered here in a throwaway
``.dist-info``, as installing the project would), without loading the app.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .preflib_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
APP_MODULES = re.compile(r"\| +(wsgi|voting\.(factory|models|delegate|secretariat))$")


def imported(stderr):
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


def run(args, tmp_path, extra_path=()):
    path = tmp_path / "tennessee.soc"
    path.write_text(EXAMPLES["soc"])
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *map(str, extra_path)])
    )
    env.pop("FLASK_APP", None)
    return subprocess.run(
        [sys.executable, "-X", "importtime", *args, str(path), "--format", "text"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize("lang", [[], ["--lang", "es"]])
def test_the_standalone_script_imports_no_flask(tmp_path, lang):
    script = PYPROJECT["project"]["scripts"]["prioriza-tally"]
    assert script == "voting.tally_cli:tally_command"
    r = run(["-m", "voting.tally_cli", *lang], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Tennessee capital example" in r.stdout
    if lang:  # the catalogues are read without Flask (nor Babel)
        assert "100 votantes, 4 opciones" in r.stdout and "ganador:" in r.stdout
    mods = imported(r.stderr)
    assert "voting.aggregation" in mods and "voting.tally_text" in mods
    # tqdm comes with the first progress bar, which a small file never shows.
    banned = ("flask", "flask_babel", "sqlalchemy", "babel", "tqdm")
    assert not {m for m in mods if m.split(".")[0] in banned}


def test_flask_tally_does_not_load_the_app(tmp_path):
    target = PYPROJECT["project"]["entry-points"]["flask.commands"]["tally"]
    dist = tmp_path / "site" / "prioriza_tally_check-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: prioriza-tally-check\nVersion: 0\n"
    )
    (dist / "entry_points.txt").write_text(f"[flask.commands]\ntally = {target}\n")
    r = run(["-m", "flask", "--app", "wsgi", "tally"], tmp_path, [tmp_path / "site"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Tennessee capital example" in r.stdout
    loaded = [line for line in r.stderr.splitlines() if APP_MODULES.search(line)]
    assert not loaded, loaded
