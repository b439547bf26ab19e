"""The record speaks its language: no English source string in es, pt or fr.

Issue 14, defect 8: the Spanish record read "Regla de desempate: Options that
neither beats…", "Ponderación: delegate", "(number of options beaten by
strongest paths)" and English method names. The record is rendered (HTML and
the PDF's text) for every method, weighting and a pooled plenary; the English
msgids of the record's modules, and the counting package's own English texts,
must not appear where the catalogue translates them.
"""

import io
import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from flask_babel import force_locale, get_translations
from pypdf import PdfReader

from tests import factories
from voting import adoption, ballots, exports, rounds
from voting.aggregation import METHODS
from voting.extensions import db
from voting.models import Option, Poll, Round, RoundStatus

ROOT = Path(__file__).resolve().parents[2]
#: Where the record's strings are written.
SOURCES = [
    *sorted((ROOT / "voting" / "exports").glob("record*.py")),
    ROOT / "voting" / "exports" / "__init__.py",
    ROOT / "voting" / "presentation" / "labels.py",
    ROOT / "voting" / "presentation" / "consent.py",
    ROOT / "voting" / "presentation" / "poll.py",
    ROOT / "voting" / "disclosure.py",
]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "ngettext": (1, 2)}
LANGS = ("es", "en", "pt", "fr")
TITLES = {
    "a": {"es": "Formación", "en": "Training", "pt": "Formação", "fr": "Formation"},
    "b": {
        "es": "Indicadores",
        "en": "Indicators",
        "pt": "Indicadores",
        "fr": "Indices",
    },
    "c": {"es": "Comercio", "en": "Trade", "pt": "Comércio", "fr": "Commerce"},
    "d": {"es": "Aduanas", "en": "Customs", "pt": "Alfândegas", "fr": "Douanes"},
}
RANKINGS = [["a", "b", "c", "d"], ["b", "a", "d", "c"], ["a", "c", "b"], ["c", "a"]]
WEIGHTINGS = ("delegate", "delegation", "national")


def _messages() -> set:
    """The record modules' msgids (a plural as its ``(singular, plural)``)."""
    out = set()
    for path in (p for p in SOURCES if p.exists()):
        for _line, message, _comments, _ctx in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            out.add(message)
    return out


def _fragments(msgid: str) -> list[str]:
    """The literal parts of a msgid long enough to be telling (≥ 2 words)."""
    parts = re.split(r"%\(\w+\)[-.\d]*[sdfr]|%[sd]", msgid)
    return [p.strip() for p in parts if len(p.strip()) >= 10 and " " in p.strip()]


def _english(lang: str) -> list[str]:
    """English source texts the catalogue of ``lang`` translates (not those a
    translation keeps, such as a method's proper name)."""
    out = []
    with force_locale(lang):
        catalogue = get_translations()
        for message in _messages():
            if isinstance(message, tuple):
                pairs = [(message[0], catalogue.ungettext(*message, 1))]
                pairs.append((message[1], catalogue.ungettext(*message, 2)))
            else:
                pairs = [(message, catalogue.ugettext(message))]
            for msgid, translated in pairs:
                if msgid not in translated:  # "Schulze" → "Método de Schulze"
                    out += _fragments(msgid) or [msgid]
        for method in METHODS.values():  # the counting package's own texts
            out += [method.tie_convention, method.score]
            if method.label not in catalogue.ugettext(method.label):
                out.append(method.label)
    return out


def _poll(event, workshop, key, method, weighting, secret=False):
    poll = Poll(
        event=event,
        workshop=workshop,
        question={c: f"{key} ({c})" for c in LANGS},
        method=method,
        weighting=weighting,
        secret=secret,
        top_k=2,
        allow_ties=True,
        adoption_rule="qualified",
        adoption_threshold=0.6,
        options=[
            Option(key=k, position=i, title=TITLES[k]) for i, k in enumerate(TITLES)
        ],
    )
    poll.rounds.append(Round(number=1, status=RoundStatus.OPEN))
    db.session.add(poll)
    db.session.commit()
    return poll


def _vote(poll, voters):
    by_key = {o.key: o.id for o in poll.options}
    for voter, ranking in zip(voters, RANKINGS, strict=False):
        ballots.cast(voter, poll.rounds[0].id, [[by_key[k]] for k in ranking])
    rounds.close_round(poll.rounds[0].id, "test")


@pytest.fixture
def record_room(app):
    """Polls of every method and weighting in a four-language event, one with
    reservations, and a plenary pooling two workshops, adopted by consensus."""
    event = factories.make_event(languages="es,en,pt,fr")
    event.name = {c: f"Foro {c}" for c in LANGS}
    delegations = factories.make_delegations(event)
    voters = [factories.make_participant(event, delegations[i % 3]) for i in range(4)]
    polls = []
    for i, method in enumerate(METHODS):
        workshop = factories.make_workshop(event)
        workshop.name = {c: f"Mesa {i} {c}" for c in LANGS}
        poll = _poll(event, workshop, method, method, WEIGHTINGS[i % 3], secret=i % 2)
        _vote(poll, voters)
        polls.append(poll)
    named = polls[0]
    proposal = adoption.propose(named.rounds[0], "test")
    adoption.answer(voters[0], proposal.id, "object", "Too fast")
    for voter in voters[1:]:
        adoption.answer(voter, proposal.id, "agree")
    adoption.close(proposal.id, "test")
    plenary = _poll(event, None, "plenary", "schulze", "delegate")
    plenary.rounds[0].status = RoundStatus.DRAFT
    db.session.commit()
    proposal = adoption.propose_plenary(plenary, "test")
    for voter in voters:
        adoption.answer(voter, proposal.id, "agree")
    adoption.close(proposal.id, "test")
    return polls, plenary


def _pdf_text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _html_text(data: bytes) -> str:
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", data.decode("utf-8"), flags=re.S)
    return " ".join(unescape(text).split())


def _records(polls, plenary, lang):
    for poll in polls:
        for fmt in ("html", "pdf"):
            yield (
                f"{poll.method} {fmt}",
                exports.export_round(poll.rounds[0], fmt, lang).read(),
            )
    for fmt in ("html", "pdf"):
        yield f"plenary {fmt}", exports.export_plenary(plenary, fmt, lang).read()


@pytest.mark.parametrize("lang", ["es", "pt", "fr"])
def test_the_record_has_no_english_source_string(record_room, lang):
    polls, plenary = record_room
    english = _english(lang)
    assert len(english) > 50  # the collection found the record's strings
    found = {}
    for name, data in _records(polls, plenary, lang):
        text = _pdf_text(data) if name.endswith("pdf") else _html_text(data)
        assert TITLES["a"][lang] in text
        hits = [e for e in english if re.search(rf"(?<!\w){re.escape(e)}(?!\w)", text)]
        hits += re.findall(r"(?<![\w-])(?:delegate|delegation|pooled)(?![\w-])", text)
        if hits:
            found[name] = sorted(set(hits))
    assert not found


def test_every_method_has_translated_labels_that_match_the_package(app):
    """A new method cannot reach the record untranslated, and the English
    labels are the counting package's own texts."""
    from voting.presentation import labels

    with force_locale("en"):
        for name, method in METHODS.items():
            assert str(labels.METHOD_LABELS[name]) == method.label
            assert str(labels.TIE_CONVENTIONS[name]) == method.tie_convention
            assert str(labels.SCORES[name]) == method.score


def test_the_projector_names_the_method_in_its_language(app, record_room):
    polls, _plenary = record_room
    borda = next(p for p in polls if p.method == "borda")
    projector = app.test_client()
    projector.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    live = projector.get(f"/display/{borda.display_token}/live").get_data(True)
    assert "Método: Recuento de Borda" in live and "Borda count" not in live
