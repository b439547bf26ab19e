"""Unit tests read the tally command's output in English whatever the
machine's locale (the command follows LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""

import pytest


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
