"""Issue #18, "ties stay ties, everywhere": a poll declares its tie-break.

Six ballots make an instant-runoff tie in the final count: A (1 first
preference) goes out, its ballot moves to C, and B and C end with 3 votes
each. Without a declared rule they share first place. Earlier rounds decide
for B (C had 2 votes to B's 3 in round 1); Borda decides for C (8 points to
B's 6). The poll's setting reaches the projector, its API, the record in
every format and the JSON export, each naming the rule.
"""

import io
import json
import re
import shlex
import zipfile
from html import unescape

import pytest
import sqlalchemy as sa
from docx import Document

from tests import factories
from tests.app.test_exports import pdf_text
from voting import ballots, rounds
from voting.extensions import db
from voting.models import AuditEntry, Poll, Proposal, RoundStatus

#: (order of the option keys, how many ballots)
BALLOTS = (("acb", 1), ("bca", 3), ("cab", 2))
EARLIER = {
    "en": "Declared tie-break: earlier rounds (a tie for elimination goes to the "
    "option with fewer votes in the latest earlier round where the counts differ).",
    "es": "Desempate declarado: rondas anteriores (un empate para la eliminación "
    "lo pierde la opción con menos votos en la ronda anterior más reciente en "
    "que los recuentos difieren).",
    "pt": "Desempate declarado: rodadas anteriores",
    "fr": "Départage déclaré : tours précédents",
}
BORDA = {
    "en": "Declared tie-break: remaining ties are ordered by Borda score, then by "
    "a shuffle seeded with",
    "es": "Desempate declarado: los empates restantes se ordenan por la "
    "puntuación de Borda",
    "pt": "Desempate declarado: os empates restantes são ordenados pela "
    "pontuação de Borda",
    "fr": "Départage déclaré : les égalités restantes sont ordonnées par le "
    "score de Borda",
}


def settings(method="irv", tie_break="none", **changes) -> dict:
    return {
        "question_es": "¿Qué áreas?",
        "question_en": "Which areas?",
        "method": method,
        "tie_break": tie_break,
        "weighting": "delegate",
        "top_k": "1",
        "results_visibility": "live",
        "adoption_rule": "consensus",
    } | changes


def edit(client, poll, data, lang="en"):
    return client.post(
        f"/console/polls/{poll.id}/edit",
        data=data,
        headers={"Accept-Language": lang},
    )


def draft_poll(fac) -> Poll:
    workshop = factories.make_workshop(facilitators=[fac.account])
    return factories.make_poll(workshop, status=RoundStatus.DRAFT, secret=False)


def vote_and_close(poll: Poll, votes=BALLOTS) -> None:
    by_key = {o.key: o.id for o in poll.options}
    round_ = poll.rounds[0]
    rounds.open_round(round_.id, "test")
    for order, n in votes:
        for _ in range(n):
            voter = factories.make_participant(poll.event)
            ballots.cast(voter, round_.id, [[by_key[k]] for k in order])
    rounds.close_round(round_.id, "test")


def declared(fac, tie_break, votes=BALLOTS) -> Poll:
    """A closed IRV round with the final-count tie, under ``tie_break``
    declared on the console's settings form before the round opened."""
    poll = draft_poll(fac)
    assert edit(fac, poll, settings(tie_break=tie_break)).status_code == 302
    db.session.refresh(poll)
    assert poll.tie_break == tie_break
    vote_and_close(poll, votes)
    return poll


def projector(client, poll, lang, suffix="") -> str:
    page = client.get(
        f"/display/{poll.display_token}{suffix}", headers={"Accept-Language": lang}
    )
    assert page.status_code == 200
    return " ".join(unescape(page.get_data(as_text=True)).split())


def ranking(client, poll) -> list[list[str]]:
    body = client.get(f"/api/display/{poll.display_token}/tally").get_json()
    keys = {o.id: o.key for o in poll.options}
    return [[keys[o] for o in tier] for tier in body["tally"]["ranking"]], body


def record(client, poll, fmt, lang) -> str:
    round_ = poll.rounds[0]
    response = client.get(f"/secretariat/rounds/{round_.id}/export.{fmt}?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if fmt == "pdf":
        return pdf_text(response.data)
    if fmt == "docx":
        document = Document(io.BytesIO(response.data))
        paragraphs = list(document.paragraphs) + [
            p
            for table in document.tables
            for row in table.rows
            for cell in row.cells
            for p in cell.paragraphs
        ]
        return " ".join(" ".join(p.text for p in paragraphs).split())
    return " ".join(unescape(response.get_data(as_text=True)).split())


def test_without_a_declared_rule_the_final_tie_stays_a_tie(fac, secretariat_client):
    poll = declared(fac, "none")
    order, body = ranking(fac, poll)
    assert order == [["b", "c"], ["a"]]
    assert body["tally"]["params"]["tie_break"] == "none"
    shown = projector(fac, poll, "en")
    assert "Options marked = are tied" in shown
    assert "Declared tie-break" not in shown
    assert (
        "B and C share place 1 because they had the same number of votes in the "
        "count that decided between them; no tie-break is declared, so they stay "
        "tied." in shown
    )
    text = record(secretariat_client, poll, "html", "en")
    assert '<ul class="highest"><li>B (=)</li><li>C (=)</li></ul>' in text
    assert "Declared tie-break" not in text
    assert "Desempate declarado" not in record(secretariat_client, poll, "html", "es")


def test_earlier_rounds_declared_decides_the_tie_and_is_named(fac, secretariat_client):
    poll = declared(fac, "earlier_rounds")
    order, body = ranking(fac, poll)
    assert order == [["b"], ["c"], ["a"]]
    assert body["tally"]["params"]["tie_break"] == "earlier_rounds"
    console = fac.get(f"/console/polls/{poll.id}").get_data(as_text=True)
    assert "Earlier rounds (instant-runoff only)" in unescape(console)
    for lang in ("en", "es", "pt", "fr"):
        shown = projector(fac, poll, lang)
        assert EARLIER[lang] in shown, lang
        assert "Options marked = are tied" not in shown
    shown = projector(fac, poll, "en")
    assert "the declared tie-break by earlier rounds orders them: B › C" in shown
    shown = projector(fac, poll, "es")
    assert "el desempate declarado por las rondas anteriores las ordena" in shown
    for fmt in ("html", "pdf", "docx"):
        for lang in ("en", "es", "pt", "fr"):
            text = record(secretariat_client, poll, fmt, lang)
            assert EARLIER[lang] in text, (fmt, lang)
    text = record(secretariat_client, poll, "html", "en")
    assert '<ul class="highest"><li>B</li></ul>' in text and "(=)" not in text


def test_borda_declared_decides_the_tie_and_is_named(fac, secretariat_client):
    poll = declared(fac, "borda")
    order, body = ranking(fac, poll)
    assert order == [["c"], ["b"], ["a"]]
    params = body["tally"]["params"]
    assert params["tie_break"] == "borda" and params["seed"] == poll.rounds[0].id
    for lang in ("en", "es", "pt", "fr"):
        assert BORDA[lang] in projector(fac, poll, lang), lang
        for fmt in ("html", "docx"):
            text = record(secretariat_client, poll, fmt, lang)
            assert BORDA[lang] in text, (fmt, lang)
    assert "orders them by Borda points: C › B" in projector(fac, poll, "en")


@pytest.mark.parametrize("tie_break", ["earlier_rounds", "borda"])
def test_the_json_export_names_the_rule_and_its_command_recounts_it(
    fac, secretariat_client, runner, tmp_path, monkeypatch, tie_break
):
    poll = declared(fac, tie_break)
    round_ = poll.rounds[0]
    response = secretariat_client.get(f"/secretariat/rounds/{round_.id}/export.json")
    (section,) = response.get_json()["sections"]
    meta = section["metadata"]
    assert meta["tie_break"] == tie_break
    assert section["tally"]["params"]["tie_break"] == tie_break
    winner = {"earlier_rounds": "b", "borda": "c"}[tie_break]
    keys = {o.id: o.key for o in poll.options}
    assert [keys[o] for o in section["tally"]["ranking"][0]] == [winner]
    # The command the export prints recounts the same list from its file.
    ballot_file = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/export.preflib"
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / meta["ballot_file"]).write_bytes(ballot_file.data)
    args = shlex.split(meta["recompute"])
    assert args[:3] == ["flask", "--app", "wsgi"]
    recount = runner.invoke(args=args[3:])
    assert recount.exit_code == 0, recount.output
    assert json.loads(recount.stdout)["ranking"] == section["ranking_alternatives"]
    csv = secretariat_client.get(f"/secretariat/rounds/{round_.id}/export.metadata")
    assert tie_break in csv.get_data(as_text=True)


@pytest.mark.parametrize("method", ["schulze", "borda", "copeland"])
def test_earlier_rounds_is_refused_for_another_method(fac, method):
    poll = draft_poll(fac)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    answer = edit(fac, poll, settings(method=method, tie_break="earlier_rounds"))
    assert answer.status_code == 400
    assert "The earlier-rounds tie-break belongs to instant-runoff" in unescape(
        answer.get_data(as_text=True)
    )
    spanish = edit(fac, poll, settings(method=method, tie_break="earlier_rounds"), "es")
    assert spanish.status_code == 400
    assert (
        "El desempate por rondas anteriores es propio de la segunda vuelta "
        "instantánea" in unescape(spanish.get_data(as_text=True))
    )
    db.session.expire_all()
    assert (poll.method, poll.tie_break) == ("schulze", "none")
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries
    )
    # Borda is a tie-break for any method.
    assert edit(fac, poll, settings(method=method, tie_break="borda")).status_code == (
        302
    )
    db.session.refresh(poll)
    assert (poll.method, poll.tie_break) == (method, "borda")


def test_an_unknown_tie_break_is_refused(fac):
    poll = draft_poll(fac)
    answer = edit(fac, poll, settings(tie_break="coin"))
    assert answer.status_code == 400
    db.session.refresh(poll)
    assert poll.tie_break == "none"


def test_the_tie_break_is_frozen_once_the_first_round_opened(fac):
    poll = declared(fac, "earlier_rounds")
    for change in ("none", "borda"):
        answer = edit(fac, poll, settings(tie_break=change))
        assert answer.status_code == 409
        assert (
            "The method, the tie-break, the weighting and the highest-priority "
            "tier cannot change once the first round has opened"
            in unescape(answer.get_data(as_text=True))
        )
        db.session.refresh(poll)
        assert poll.tie_break == "earlier_rounds"
    # Nor can the method leave instant-runoff under it.
    assert edit(fac, poll, settings(method="schulze")).status_code in (400, 409)
    db.session.refresh(poll)
    assert (poll.method, poll.tie_break) == ("irv", "earlier_rounds")
    # The other settings still save, the tie-break kept.
    saved = edit(fac, poll, settings(tie_break="earlier_rounds", question_en="New"))
    assert saved.status_code == 302
    db.session.refresh(poll)
    assert poll.question["en"] == "New"
    assert (poll.method, poll.tie_break) == ("irv", "earlier_rounds")


def test_the_edit_form_shows_the_declared_tie_break_and_a_stale_form_names_it(fac):
    poll = draft_poll(fac)
    assert edit(fac, poll, settings(tie_break="borda")).status_code == 302
    page = fac.get(f"/console/polls/{poll.id}/edit")
    html = page.get_data(as_text=True)
    assert 'name="tie_break"' in html
    assert re.search(r'<input checked [^>]*value="borda"', html)
    stamp = factories.fingerprint_of(page)
    # Another facilitator declares earlier rounds meanwhile.
    assert edit(fac, poll, settings(tie_break="earlier_rounds")).status_code == 302
    stale = edit(fac, poll, settings(tie_break="none") | {"fingerprint": stamp})
    assert stale.status_code == 409
    body = unescape(stale.get_data(as_text=True))
    assert "Someone else saved this meanwhile" in body
    assert "Declared tie-break: Earlier rounds (instant-runoff only)" in body
    db.session.refresh(poll)
    assert poll.tie_break == "earlier_rounds"


def test_a_duplicated_poll_keeps_its_tie_break(fac):
    poll = draft_poll(fac)
    assert edit(fac, poll, settings(tie_break="earlier_rounds")).status_code == 302
    other = factories.make_workshop(poll.event, facilitators=[fac.account])
    answer = fac.post(
        f"/console/polls/{poll.id}/duplicate", data={"target": f"w{other.id}"}
    )
    assert answer.status_code == 302
    copy = db.session.scalars(sa.select(Poll).filter_by(workshop_id=other.id)).one()
    assert (copy.method, copy.tie_break) == ("irv", "earlier_rounds")


def test_the_plenary_applies_and_names_its_own_tie_break(fac, secretariat_client):
    source = declared(fac, "none")  # the workshop's own list keeps the tie
    event = source.event
    plenary = factories.Poll(
        event=event,
        workshop=None,
        question={"es": "Plenario", "en": "Plenary"},
        options=[
            factories.Option(key=o.key, position=o.position, title=dict(o.title))
            for o in source.options
        ],
    )
    plenary.rounds.append(factories.Round(number=1, status=RoundStatus.DRAFT))
    db.session.add(plenary)
    db.session.commit()
    answer = edit(fac, plenary, settings(tie_break="earlier_rounds"))
    assert answer.status_code == 302
    shown = projector(fac, plenary, "en", "/plenary")
    assert EARLIER["en"] in shown
    assert "Options marked = are tied" not in shown
    response = secretariat_client.get(f"/secretariat/plenary/{plenary.id}/export.json")
    (section,) = response.get_json()["sections"]
    keys = {o.id: o.key for o in plenary.options}
    assert section["metadata"]["tie_break"] == "earlier_rounds"
    assert [[keys[o] for o in t] for t in section["tally"]["ranking"]] == [
        ["b"],
        ["c"],
        ["a"],
    ]
    text = record(secretariat_client, source, "html", "es")
    assert "Desempate declarado" not in text


def test_a_tie_the_declared_rule_leaves_gets_no_second_rule_at_consent(fac):
    """A and B have 2 votes each in every round: earlier rounds cannot decide,
    and the consent check does not offer Borda as "the declared tie-break"."""
    poll = declared(fac, "earlier_rounds", votes=(("abc", 2), ("bac", 2)))
    order, _body = ranking(fac, poll)
    assert order == [["a", "b"], ["c"]]
    page = unescape(fac.get(f"/console/polls/{poll.id}").get_data(as_text=True))
    assert "The result has 1 tie" in page
    assert 'value="break"' not in page
    assert "The poll's declared tie-break does not separate these options" in page
    shown = projector(fac, poll, "en")
    assert "the declared tie-break does not separate them, so they stay tied" in shown
    assert EARLIER["en"] in shown
    url = f"/console/rounds/{poll.rounds[0].id}/propose"
    refused = fac.post(url, data={"ties": "break"})
    assert refused.status_code == 409
    assert "This poll declares its own tie-break" in unescape(
        refused.get_data(as_text=True)
    )
    assert fac.post(url, data={"ties": "keep"}).status_code == 302
    proposal = db.session.scalars(sa.select(Proposal).filter_by(poll_id=poll.id)).one()
    assert proposal.ties == "kept"


def test_the_event_archive_carries_the_declared_rule(fac, secretariat_client):
    poll = declared(fac, "earlier_rounds")
    url = f"/secretariat/events/{poll.event_id}/archive.zip"
    response = secretariat_client.get(url)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = [n for n in archive.namelist() if n.startswith(f"poll{poll.id}/")]
    (data,) = [n for n in names if n.endswith("-priorities.json")]
    (section,) = json.loads(archive.read(data))["sections"]
    assert section["metadata"]["tie_break"] == "earlier_rounds"
    assert "--tie-break earlier-rounds" in section["metadata"]["recompute"]
    records = {n: archive.read(n).decode() for n in names if n.endswith(".html")}
    assert records
    for lang in ("es", "en"):
        (html,) = [text for n, text in records.items() if f"-{lang}." in n]
        assert EARLIER[lang] in " ".join(unescape(html).split()), lang
