"""The Word record (issue 17): the same record as the HTML/PDF, in .docx.

Opened back with python-docx: the sections, tiers, adoption paragraph and
metadata are there, in one language or two side by side, with Word's own
heading and list styles; served by the secretariat's route and ``flask
export``, through the same disclosure checks.
"""

import io

from docx import Document
from flask_babel import force_locale

from tests import factories
from tests.app.test_record_agreements import _amend_and_adopt, _room
from voting import audit, ballots, exports, rounds, tallies

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _paragraphs(document):
    """Every paragraph, the body's and the tables' cells', in order."""
    out = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                out += cell.paragraphs
    return out


def _styled(document, style):
    return [p.text for p in _paragraphs(document) if p.style.name == style]


def test_word_record_in_one_language(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    _amend_and_adopt(poll, voters, ids)
    round_ = poll.rounds[0]
    head_before = audit.head(poll.event_id)
    response = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/export.docx?lang=en"
    )
    assert response.status_code == 200
    assert response.mimetype == DOCX
    assert "record-en.docx" in response.headers["Content-Disposition"]
    document = Document(io.BytesIO(response.data))
    assert _styled(document, "Heading 1") == ["Priorities?"]
    assert "Agreements" in _styled(document, "Heading 2")
    assert "Technical details" in _styled(document, "Heading 2")
    assert {"Turnout", "Adoption", "Supporting data: the tally"} <= set(
        _styled(document, "Heading 3")
    )
    bullets = _styled(document, "List Bullet")
    # The adopted tiers (B | A, C), then the tally they were proposed from.
    assert bullets[:3] == ["B", "A", "C"]
    assert bullets[3:6] == ["1. A", "2. B", "3. C"]
    text = "\n".join(p.text for p in _paragraphs(document))
    assert "Adopted by consensus (proposal 2)" in text
    assert (
        "The representatives agreed by consensus that the issues of highest "
        "priority are B; other issues of high priority are A and C." in text
    )
    tally = tallies.for_round(round_).tally
    meta = exports.tables.metadata(exports.tables.round_section(round_))
    details = {row.cells[0].text: row.cells[1].text for row in document.tables[-1].rows}
    assert details["Method"] == "Schulze (schulze)"
    assert details["Tie rule"] == tally.params["tie_rule"]
    assert details["Software version"].startswith("Prioriza ")
    assert details["SHA-256 of the ballot file"] == meta["ballot_file_sha256"]
    assert details["To recompute"] == meta["recompute"]
    # The chain's head as the file was made (the download is audited after).
    assert details["Audit log head (SHA-256)"] == head_before != audit.GENESIS
    # The sentences that explain the result, as the projector and the PDF say them.
    assert "Explanation" in _styled(document, "Heading 3")
    with force_locale("en"):
        section = exports.tables.round_section(round_)
        sentences = exports.record_text.column(section, "en").explanation
    assert sentences and " ".join(sentences) in text
    assert document.core_properties.title == "Priorities?"


def test_word_record_in_two_languages_side_by_side(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    round_ = poll.rounds[0]
    data = exports.export_round(round_, "docx", "es+en").read()
    document = Document(io.BytesIO(data))
    columns = document.tables[0]
    assert len(columns.columns) == 2
    rows = [[c.text for c in row.cells] for row in columns.rows]
    assert ["¿Prioridades?", "Priorities?"] in rows
    assert ["Acuerdos", "Agreements"] in rows
    heading = next(r for r in columns.rows if r.cells[1].text == "Agreements")
    assert [c.paragraphs[0].style.name for c in heading.cells] == ["Heading 2"] * 2
    tiers = next(r for r in columns.rows if r.cells[1].text == "A")
    assert tiers.cells[0].text == "A (es)"
    assert tiers.cells[0].paragraphs[0].style.name == "List Bullet"
    # Spanish first: the details are in Spanish.
    details = {row.cells[0].text for row in document.tables[-1].rows}
    assert "Regla de desempate" in details and "Tie rule" not in details


def test_word_record_from_the_command_line(runner, app, tmp_path):
    poll, voters, ids = _room(secret=False)
    out = tmp_path / "record.docx"
    result = runner.invoke(
        args=["export", str(poll.rounds[0].id), "--format", "docx", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in _paragraphs(Document(out)))
    assert "Acuerdos" in text  # the event's first language


def test_word_record_of_a_secret_round_with_too_few_ballots_is_refused(
    secretariat_client, app
):
    poll = factories.make_poll(options=("A", "B", "C"), secret=True)
    voter = factories.make_participant(poll.event)
    ids = [o.id for o in poll.options]
    ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]]])
    rounds.close_round(poll.rounds[0].id, "test")
    url = f"/secretariat/rounds/{poll.rounds[0].id}/export"
    html = secretariat_client.get(url + ".html")
    docx = secretariat_client.get(url + ".docx")
    assert docx.status_code == html.status_code == 409


def test_the_exports_page_offers_the_word_record(secretariat_client, app):
    poll, voters, ids = _room(secret=False)
    page = secretariat_client.get("/secretariat/").get_data(as_text=True)
    round_id = poll.rounds[0].id
    assert f"/secretariat/rounds/{round_id}/export.docx?lang=es" in page
    assert f"/secretariat/rounds/{round_id}/export.docx?lang=es%2Ben" in page
