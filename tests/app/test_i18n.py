"""Locale selection, the switcher, and complete catalogues."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGS = ["es", "en", "pt", "fr"]


def page_lang(response) -> str:
    return re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True)).group(1)


def test_accept_language_is_used_without_a_choice(client):
    assert (
        page_lang(client.get("/", headers={"Accept-Language": "pt-BR,pt;q=0.9"}))
        == "pt"
    )
    assert page_lang(client.get("/", headers={"Accept-Language": "fr"})) == "fr"


def test_explicit_choice_beats_accept_language(client):
    response = client.post("/lang", data={"lang": "fr", "next": "/login"})
    assert response.status_code == 302 and response.location.endswith("/login")
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "fr"


def test_default_language_when_nothing_matches(client):
    assert page_lang(client.get("/", headers={"Accept-Language": "de"})) == "es"


def test_unknown_language_is_refused(client):
    assert client.post("/lang", data={"lang": "xx"}).status_code == 400
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


def test_switcher_refuses_offsite_redirects(client):
    response = client.post("/lang", data={"lang": "en", "next": "//evil.example"})
    assert response.location.endswith("/")
    assert "evil" not in response.location


def test_switcher_is_on_every_page(client, demo):
    for path in ["/", "/login", "/missing"]:
        html = client.get(path).get_data(as_text=True)
        assert 'action="/lang"' in html
        for code in LANGS:
            assert f'value="{code}"' in html


def test_babel_cfg_paths_exist():
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        match = re.match(r"\[\w+: (.+)\]", line)
        if match:
            base = match.group(1).split("*")[0].rstrip("/")
            assert (ROOT / base).exists(), base


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete_and_compiled(lang):
    po_path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        catalog = read_po(f)
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        pot = read_po(f)
    missing = [m.id for m in pot if m.id and m.id not in catalog]
    assert missing == [], f"run `make translations`: {missing[:5]}"
    untranslated = [
        m.id
        for m in catalog
        if m.id
        and (
            m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string])
        )
    ]
    assert untranslated == []
    with (po_path.with_suffix(".mo")).open("rb") as f:
        compiled = read_mo(f)
    assert len(compiled) >= len([m for m in catalog if m.id])


class TextNodes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts = set()

    def handle_data(self, data):
        if data.strip():
            self.texts.add(data.strip())


def untranslated_on_page(html: str, lang: str) -> set[str]:
    """Source strings shown verbatim although the catalogue translates them."""
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.string and m.string != m.id and "%" not in m.id
    }
    parser = TextNodes()
    parser.feed(html)
    return parser.texts & translated


@pytest.mark.parametrize("lang", ["es", "pt", "fr"])
def test_pages_render_translated(client, demo, lang):
    client.post("/lang", data={"lang": lang})
    for path in ["/", "/login", "/missing"]:
        html = client.get(path).get_data(as_text=True)
        assert f'<html lang="{lang}"' in html
        assert untranslated_on_page(html, lang) == set(), path
