"""The tally command speaks the reader's language (es, en, pt, fr).

``--lang``, else the locale's environment, chooses the catalogue; the text
output's captions, conventions and the package's sentences are translated,
the one-line errors too, while JSON stays the English machine record.
"""

import json

import pytest
from click.testing import CliRunner

from voting.aggregation import METHODS
from voting.aggregation.report import TEXT_LABELS
from voting.tally_cli import tally_command
from voting.tally_text import PACKAGE_SENTENCES, language_from_environment

from .preflib_examples import EXAMPLES

NO_LOCALE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


@pytest.fixture
def toi(tmp_path):
    path = tmp_path / "example.toi"
    path.write_text(EXAMPLES["toi"], encoding="utf-8")
    return path


def run(*args, env=None):
    return CliRunner().invoke(
        tally_command, [str(a) for a in args], env=dict(NO_LOCALE, **(env or {}))
    )


def captions(text):
    """The caption of every indented ``caption: value`` line."""
    return {
        line.strip().split(":", 1)[0]
        for line in text.splitlines()
        if line.startswith("  ") and ":" in line and not line.strip()[0].isdigit()
    }


# Captions French spells as English does ("score", "exact") are not English.
SAME_IN = {
    "fr": {"exact", "score", "scores", "Consensus", "options ("},
    "es": set(),
    "pt": set(),
}


@pytest.mark.parametrize("lang", ["es", "fr", "pt"])
def test_text_output_holds_no_english_caption_or_convention(toi, lang):
    r = run(
        toi,
        "--method",
        "all",
        "--format",
        "text",
        "--tie-break",
        "borda",
        "--lang",
        lang,
    )
    assert r.exit_code == 0, r.output
    english = (set(TEXT_LABELS.values()) - SAME_IN[lang]) | {"top", "vs"}
    found = captions(r.stdout)
    assert found and not found & english, found & english
    for spec in METHODS.values():  # score meanings and tie conventions
        assert spec.score not in r.stdout and spec.tie_convention not in r.stdout
    for caption in ("Method agreement", "Consensus", "voters", "options ("):
        assert caption in SAME_IN[lang] or caption not in r.stdout
    assert "Declared tie-break: remaining ties" not in r.stdout
    english_tail = TEXT_LABELS["unranked_last"]
    assert english_tail not in r.stdout
    # identifiers stay as they are: method names, the unranked rule, tie-break
    assert "(schulze)" in r.stdout and ": last (" in r.stdout
    assert ": borda (" in r.stdout


def test_spanish_captions_and_notes(tmp_path, toi):
    r = run(toi, "--format", "text", "--lang", "es")
    assert "138 votantes, 4 opciones (toi)" in r.stdout
    assert "  ganador: D" in r.stdout and "  exacto: sí" in r.stdout
    assert "caminos más fuertes" in r.stdout
    m = 24
    orders = "".join(
        f"1: {','.join(str((i + k) % m + 1) for k in range(m))}\n" for i in range(3)
    )
    big = tmp_path / "cyclic.soc"
    big.write_text(
        f"# DATA TYPE: soc\n# NUMBER ALTERNATIVES: {m}\n# NUMBER VOTERS: 3\n"
        "# NUMBER UNIQUE ORDERS: 3\n"
        + "".join(f"# ALTERNATIVE NAME {i}: O{i}\n" for i in range(1, m + 1))
        + orders
    )
    r = run(
        big,
        "--method",
        "kemeny",
        "--time-budget",
        "0",
        "--format",
        "text",
        "--lang",
        "es",
    )
    assert r.exit_code == 0, r.output
    assert "24 opciones superan el límite exacto de 20" in r.stdout
    assert "ninguno (el resultado es aproximado" in r.stdout
    assert "exceed the exact limit" not in r.stdout


def test_an_error_is_in_spanish_with_lang_es(toi, tmp_path):
    r = run(toi, "--method", "plurality", "--lang", "es")
    assert r.exit_code == 2
    assert r.stderr.strip() == (
        "Error: método desconocido 'plurality'; elija uno de: schulze, "
        "ranked_pairs, copeland, borda, irv, kemeny, mean_rank, all"
    )
    r = run(tmp_path / "nope.soc", "--lang", "es")
    assert r.exit_code == 2 and "no se puede leer" in r.stderr
    w = tmp_path / "w.csv"
    w.write_text("weight,order\n")
    r = run(toi, "--weights", w, "--lang", "fr")
    assert r.exit_code == 2
    assert "Erreur : fichier des poids : la première ligne" in r.stderr


def test_the_default_follows_the_environment(toi):
    r = run(toi, "--format", "text", env={"LANG": "fr_FR.UTF-8"})
    assert "  gagnant: D" in r.stdout
    r = run(toi, "--format", "text", env={"LANG": "C.UTF-8"})
    assert "  winner: D" in r.stdout
    r = run(toi, "--format", "text", env={"LANG": "es_ES.UTF-8", "LC_ALL": "pt_PT"})
    assert "  vencedor: D" in r.stdout
    r = run(
        toi,
        "--format",
        "text",
        env={"LANG": "es_ES.UTF-8"},
    )
    assert "  ganador: D" in r.stdout
    r = run(toi, "--format", "text", "--lang", "en", env={"LANG": "es_ES.UTF-8"})
    assert "  winner: D" in r.stdout


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({}, "en"),
        ({"LANG": "pt_BR.UTF-8"}, "pt"),
        ({"LANGUAGE": "de:fr", "LANG": "es_ES"}, "fr"),
        ({"LANGUAGE": "de", "LANG": "es_ES"}, "es"),
        ({"LC_ALL": "C", "LANG": "es_ES"}, "en"),
        ({"LC_MESSAGES": "fr_CA.UTF-8", "LANG": "es_ES"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
    ],
)
def test_language_from_environment(environ, lang):
    assert language_from_environment(environ) == lang


def test_json_stays_english_whatever_the_language(toi):
    en = json.loads(run(toi, "--method", "all", "--lang", "en").stdout)
    es = json.loads(run(toi, "--method", "all", "--lang", "es").stdout)
    assert es == en
    assert "strongest paths" in es["methods"]["schulze"]["params"]["score"]


def test_every_package_sentence_is_translated():
    from babel.messages.pofile import read_po

    from .test_tally_start import ROOT

    for lang in ("es", "pt", "fr"):
        path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            catalog = read_po(f)
        texts = [*PACKAGE_SENTENCES, *TEXT_LABELS.values()]
        texts += [t for s in METHODS.values() for t in (s.tie_convention, s.score)]
        for text in texts:
            assert catalog.get(text) and catalog.get(text).string, (lang, text)


def test_the_help_is_translated_too():
    r = run("--help")
    assert r.exit_code == 0 and "Tally a PrefLib" in r.stdout
    assert "Public seed of the tie-break." in r.stdout
    r = run("--help", "--lang", "fr")
    assert "Dépouille un fichier PrefLib" in r.stdout
    assert "Graine publique du départage." in r.stdout
    assert "Tally a PrefLib" not in r.stdout
    r = run("--lang=pt", "--help")
    assert "Semente pública do desempate." in r.stdout
    r = run("--help", env={"LANG": "es_ES.UTF-8"})
    assert "Recuenta un archivo PrefLib" in r.stdout
    assert "Fuerza de los enlaces de Schulze." in r.stdout
    assert "Schulze link strength" not in r.stdout
