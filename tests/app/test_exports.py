"""Exports parsed back and compared with the tally; recount with ``flask tally``."""

import csv
import hashlib
import io
import json
import zipfile
from html import unescape

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests import factories
from voting import ballots, exports, rounds, tallies
from voting.aggregation.preflib import read_preflib
from voting.errors import UserError
from voting.extensions import db
from voting.models import AuditEntry

TITLES = [
    {"es": "Participación de las PYMEs", "en": "SME participation"},
    {"es": "Formación profesional", "en": "Professional training"},
    {"es": "Armonización", "en": "Harmonisation"},
    {"es": "Integración con sistemas financieros", "en": "Financial integration"},
    {"es": "Asociaciones público-privadas", "en": "Public-private partnerships"},
]
# Eight ballots in three delegations: option 0 first, then 1, then the rest.
RANKINGS = [
    [[0], [1], [2], [3], [4]],
    [[0], [1], [3], [2]],
    [[1], [0], [2]],
    [[0], [1], [4], [2]],
    [[0], [2], [1]],
    [[1], [0], [3, 4]],
    [[0], [1]],
    [[4], [0], [1], [2], [3]],
]


def make_room(
    weighting="delegate", secret=True, titles=TITLES, rankings=RANKINGS, groups=None
):
    """A closed round of a bilingual poll, ballots cast through the service."""
    poll = factories.make_poll(
        options=[t["en"] for t in titles],
        weighting=weighting,
        secret=secret,
        allow_ties=True,
    )
    for option, title in zip(poll.options, titles, strict=True):
        option.title = title
    event = poll.event
    delegations = factories.make_delegations(
        event, [("AR", "Argentina"), ("BR", "Brasil"), ("CL", "Chile")]
    )
    ids = [o.id for o in poll.options]
    voters = []
    for i, ranking in enumerate(rankings):
        voter = factories.make_participant(
            event,
            delegations[groups[i] if groups else i % 3],
            email=f"voter{i}@example.org",
        )
        voters.append(voter)
        ballots.cast(voter, poll.rounds[0].id, [[ids[k] for k in t] for t in ranking])
    factories.make_participant(event, delegations[0])  # eligible, did not vote
    rounds.close_round(poll.rounds[0].id, "test")
    return poll, poll.rounds[0], voters


@pytest.fixture
def room(app):
    return make_room()


def alternatives(round_):
    """The expected ranking in PrefLib alternative numbers (1..m)."""
    number = {o.id: i for i, o in enumerate(round_.poll.options, 1)}
    return [
        [number[o] for o in tier] for tier in tallies.for_round(round_).tally.ranking
    ]


def table_of(data):
    """The rows of a one-table CSV export (bytes or text)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    rows = list(csv.reader(io.StringIO(text)))
    assert all(rows), "an empty row: two tables in one file"
    return rows


def metadata_of(rows):
    return {field: value for _round, field, value in rows[1:]}


def test_csv_parses_back_to_the_tally_with_metadata(room):
    poll, round_, _ = room
    data = exports.export_round(round_, "csv").read()
    assert data.startswith("\ufeff".encode())
    assert b"\r\n" in data
    priorities = table_of(data)
    meta = table_of(exports.export_round(round_, "metadata").read())
    headers = priorities[0]
    assert headers[:6] == ["round", "position", "tied", "tier", "alternative", "key"][
        :4
    ] + ["alternative", "option_key"]
    rows = [dict(zip(headers, r, strict=True)) for r in priorities[1:]]
    tally = tallies.for_round(round_).tally
    assert [int(r["alternative"]) for r in rows] == [
        a for tier in alternatives(round_) for a in tier
    ]
    position = tally.position()
    by_key = {o.key: o for o in poll.options}
    for r in rows:
        option = by_key[r["option_key"]]
        assert int(r["position"]) == position[option.id]
        assert float(r["score"]) == pytest.approx(tally.scores[option.id])
        assert r["title_es"] == option.title["es"]
        assert r["title_en"] == option.title["en"]
        assert r["tier"] == ("highest" if position[option.id] <= poll.top_k else "high")
    fields = metadata_of(meta)
    assert fields["method"] == poll.method == tally.method
    assert fields["tie_rule"] == tally.params["tie_rule"]
    assert fields["weighting"] == "delegate"
    assert fields["software_version"]
    assert fields["round"] == "1" and fields["poll_id"] == str(poll.id)
    assert fields["closed_at"].startswith(round_.closed_at.date().isoformat())
    ballot_file = exports.export_round(round_, "preflib").read()
    assert fields["ballot_file_sha256"] == hashlib.sha256(ballot_file).hexdigest()


def test_xlsx_has_every_sheet_and_parses_back(room):
    poll, round_, _ = room
    data = exports.export_round(round_, "xlsx").read()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        assert workbook.sheetnames == [
            "priorities",
            "scores",
            "pairwise",
            "turnout",
            "metadata",
        ]
        sheet = [list(r) for r in workbook["priorities"].iter_rows(values_only=True)]
        headers = sheet[0]
        got = [r[headers.index("alternative")] for r in sheet[1:]]
        assert got == [a for tier in alternatives(round_) for a in tier]
        result = tallies.for_round(round_)
        scores = [list(r) for r in workbook["scores"].iter_rows(values_only=True)]
        col = scores[0].index("borda_score")
        borda = result.all_tallies["borda"].scores
        assert [r[col] for r in scores[1:]] == pytest.approx(
            [borda[o.id] for o in poll.options]
        )
        pairwise = [list(r) for r in workbook["pairwise"].iter_rows(values_only=True)]
        matrix = result.profile.pairwise
        assert pairwise[1][3 + 1] == pytest.approx(matrix[0][1])
        turnout = [list(r) for r in workbook["turnout"].iter_rows(values_only=True)]
        assert sorted((r[1], r[3], r[4]) for r in turnout[1:]) == [
            ("AR", 3, 4),
            ("BR", 3, 3),
            ("CL", 2, 2),
        ]
        meta = {r[1]: r[2] for r in workbook["metadata"].iter_rows(values_only=True)}
        assert meta["tie_rule"] == result.tally.params["tie_rule"]
        assert len(meta["ballot_file_sha256"]) == 64
    finally:
        workbook.close()


def test_json_parses_back(room):
    poll, round_, _ = room
    doc = json.loads(exports.export_round(round_, "json").read())
    section = doc["sections"][0]
    result = tallies.for_round(round_)
    assert section["tally"]["ranking"] == [list(t) for t in result.tally.ranking]
    assert section["ranking_alternatives"] == alternatives(round_)
    assert section["metadata"]["software_version"] == doc["software_version"]
    assert set(section["methods"]) == set(result.all_tallies)
    assert section["consensus"]["kendall_w"] == pytest.approx(
        result.consensus["kendall_w"]
    )


@pytest.mark.parametrize("weighting", ["delegate", "delegation", "national"])
def test_flask_tally_recomputes_the_ranking_from_the_exported_ballots(
    app, runner, tmp_path, weighting
):
    poll, round_, _ = make_room(weighting=weighting)
    export = exports.export_round(round_, "preflib")
    path = tmp_path / export.filename
    path.write_bytes(export.read())
    meta = json.loads(exports.export_round(round_, "json").read())["sections"][0][
        "metadata"
    ]
    args = ["tally", str(path), "--format", "json", "--method", poll.method]
    if weighting == "delegate":
        assert not export.companions and not meta["weights_file"]
    else:
        ((name, data),) = export.companions.items()
        assert name == meta["weights_file"]
        (tmp_path / name).write_bytes(data)
        assert meta["weights_file_sha256"] == hashlib.sha256(data).hexdigest()
        args += ["--weights", str(tmp_path / name)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    recount = json.loads(result.output)
    assert recount["ranking"] == alternatives(round_)
    assert recount["source"]["sha256"] == meta["ballot_file_sha256"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == meta["ballot_file_sha256"]
    assert meta["recompute"].startswith(f"flask --app wsgi tally {export.filename}")


def test_delegation_weights_matter_for_the_recount(app, runner, tmp_path):
    """Without the weights file the same ballots give another ranking."""
    rankings = [[[0], [1], [2]]] * 4 + [[[1], [0], [2]]] * 2
    poll, round_, _ = make_room(
        "delegation", titles=TITLES[:3], rankings=rankings, groups=[0, 0, 0, 0, 1, 2]
    )
    assert alternatives(round_) == [[2], [1], [3]]
    export = exports.export_round(round_, "toi")
    path = tmp_path / export.filename
    path.write_bytes(export.read())
    plain = runner.invoke(args=["tally", str(path), "--format", "json"])
    assert json.loads(plain.output)["ranking"] != alternatives(round_)


def test_preflib_file_reads_back_with_the_project_reader(room):
    poll, round_, _ = room
    export = exports.export_round(round_, "preflib")
    assert export.filename.endswith(".toi")  # ballots have a tie: .toi it is
    data = read_preflib(export.read(), "toi")
    assert sum(count for count, _tiers in data.orders) == len(RANKINGS)
    assert data.names[1] == TITLES[0]["es"]
    expected = sorted([sorted(k + 1 for k in t) for t in r] for r in RANKINGS)
    got = sorted(tiers for count, tiers in data.orders for _ in range(count))
    assert got == expected


def test_strict_ballots_give_a_soi_file(app):
    poll, round_, _ = make_room(
        rankings=[r for r in RANKINGS if len(r) == len([x for t in r for x in t])]
        + [[[2], [1]]]
    )
    export = exports.export_round(round_, "preflib")
    assert export.filename.endswith(".soi")


def pdf_text(data):
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def test_pdf_record_renders_accents_and_the_agreement_phrases(app):
    titles = [dict(t) for t in TITLES]
    titles[0]["es"] = "Participación más amplia — niñez, façade, ação, œuvre"
    poll, round_, _ = make_room(titles=titles)
    text = pdf_text(exports.export_round(round_, "pdf", "es").read())
    for char in "áñçãœ":
        assert char in text
    assert "Participación más amplia — niñez, façade, ação, œuvre" in text
    assert "Prioriza" in text
    sha = json.loads(exports.export_round(round_, "json").read())["sections"][0][
        "metadata"
    ]["ballot_file_sha256"]
    assert sha[:20] in text.replace(" ", "")
    english = pdf_text(exports.export_round(round_, "pdf", "en").read())
    assert "The two issues of highest priority are" in english
    assert "Other issues of high priority are" in english
    assert "SME participation" in english


def test_bilingual_record_has_both_titles_of_the_top_options(room):
    poll, round_, _ = room
    tally = tallies.for_round(round_).tally
    by_id = {o.id: o for o in poll.options}
    top = [by_id[o] for tier in tally.ranking for o in tier][:2]
    html = exports.export_round(round_, "html", "es+en").read().decode()
    text = pdf_text(exports.export_round(round_, "pdf", "es+en").read())
    for option in top:
        for lang in ("es", "en"):
            assert option.title[lang] in html
            assert option.title[lang] in text
    assert 'lang="es"' in html and 'lang="en"' in html and "cols-2" in html
    assert "The two issues of highest priority are" in html
    assert "<svg" in html  # the projector's chart


def test_record_column_follows_its_language(room):
    poll, round_, _ = room
    html = exports.export_round(round_, "html", "en").read().decode()
    assert "The two issues of highest priority are:" in html
    assert "Kendall" in html and "Schulze" in html
    assert tallies.for_round(round_).tally.params["tie_rule"] in unescape(html)


POISON = '=HYPERLINK("http://x","y")'


def test_poisoned_title_is_inert_in_csv_and_xlsx(app):
    titles = [dict(t) for t in TITLES]
    titles[0] = {"es": POISON, "en": "+cmd|' /C calc'!A0"}
    titles[1] = {"es": "@SUM(1+1)", "en": "-2+3"}
    poll, round_, _ = make_room(titles=titles)
    text = exports.export_round(round_, "csv").read().decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + POISON in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2")]
    data = exports.export_round(round_, "xlsx").read()
    workbook = load_workbook(io.BytesIO(data))
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", cell.value
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@"))
        assert "'" + POISON in [
            c.value for row in workbook["priorities"].iter_rows() for c in row
        ]
    finally:
        workbook.close()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = b"".join(archive.read(n) for n in archive.namelist())
    assert b"<f>" not in xml


def everything(round_):
    """Every export of a round as text (xlsx unzipped, pdf extracted)."""
    out = {}
    for fmt in ("csv", "json", "toi", "html"):
        out[fmt] = exports.export_round(round_, fmt, "es+en").read().decode()
    with zipfile.ZipFile(
        io.BytesIO(exports.export_round(round_, "xlsx").read())
    ) as archive:
        out["xlsx"] = b"".join(archive.read(n) for n in archive.namelist()).decode()
    out["pdf"] = pdf_text(exports.export_round(round_, "pdf", "es+en").read())
    return out


def test_secret_poll_exports_name_nobody(room):
    poll, round_, voters = room
    texts = everything(round_)
    for voter in voters:
        for fmt, text in texts.items():
            assert voter.name not in text, fmt
            assert voter.email not in text, fmt
            assert voter.token not in text, fmt
            assert voter.token_hash not in text, fmt
    assert "Argentina" in texts["csv"] + texts["xlsx"]  # turnout by delegation


def test_named_ballots_only_for_named_polls(app):
    poll, round_, voters = make_room(secret=False)
    text = exports.export_named_ballots(round_, "csv").read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["participant"] for r in rows) == sorted(v.name for v in voters)
    assert {r["email"] for r in rows} == {v.email for v in voters}
    secret_poll, secret_round, _ = make_room(secret=True)
    with pytest.raises(UserError) as error:
        exports.export_named_ballots(secret_round, "csv")
    assert error.value.status == 403


def test_each_export_says_in_its_audit_details_what_it_holds(app):
    poll, round_, _ = make_room(secret=False)
    base = {"poll_id": poll.id}
    export = exports.export_round(round_, "csv")
    assert (export.event_id, export.round_id) == (poll.event_id, round_.id)
    assert export.details == {
        **base,
        "format": "csv",
        "scope": "round",
        "round": 1,
        "file": export.filename,
    }
    export = exports.export_round(round_, "html", "es+en")
    assert export.details["lang"] == "es+en" and export.details["scope"] == "round"
    export = exports.export_poll(poll, "json")
    assert (export.event_id, export.round_id) == (poll.event_id, None)
    assert export.details == {
        **base,
        "format": "json",
        "scope": "poll",
        "rounds": ["1"],
        "file": export.filename,
    }
    export = exports.export_named_ballots(round_, "xlsx")
    assert (export.event_id, export.round_id) == (poll.event_id, round_.id)
    assert export.details == {
        **base,
        "format": "xlsx",
        "scope": "named_ballots",
        "round": 1,
        "file": export.filename,
    }
    assert export.filename.endswith("-round1-named-ballots.xlsx")


def test_refuses_open_rounds_unknown_formats_and_languages(app):
    poll = factories.make_poll()
    with pytest.raises(UserError) as error:
        exports.export_round(poll.rounds[0], "csv")
    assert error.value.status == 409
    rounds.close_round(poll.rounds[0].id, "test")
    with pytest.raises(UserError) as error:
        exports.export_round(poll.rounds[0], "csv")
    assert error.value.status == 409  # no ballots
    poll, round_, _ = make_room()
    for fmt, lang in [("odt", None), ("html", "de"), ("pdf", "es+en+fr")]:
        with pytest.raises(UserError) as error:
            exports.export_round(round_, fmt, lang)
        assert error.value.status == 400


def test_poll_export_holds_every_closed_round(app):
    poll, first, voters = make_room()
    second = rounds.next_round(first.id, "test")
    ids = [o.id for o in poll.options]
    for voter in voters:
        ballots.cast(voter, second.id, [[ids[1]], [ids[0]]])
    rounds.close_round(second.id, "test")
    priorities = table_of(exports.export_poll(poll, "csv").read())
    assert {r[0] for r in priorities[1:]} == {"1", "2"}
    assert [r for r in priorities[1:] if r[0] == "2"][0][4] == "2"
    doc = json.loads(exports.export_poll(poll, "json").read())
    assert [s["metadata"]["round"] for s in doc["sections"]] == ["1", "2"]
    html = exports.export_poll(poll, "html", "en").read().decode()
    assert html.count('class="record-section"') == 2
    with pytest.raises(UserError):
        exports.export_poll(poll, "toi")


def test_plenary_export_recomputes_with_weights(app, runner, tmp_path):
    poll, round_, _ = make_room(weighting="delegation")
    event = poll.event
    plenary = factories.make_poll(
        workshop=factories.make_workshop(event),
        options=[t["en"] for t in TITLES],
        status="draft",
    )
    plenary.workshop = None
    for option, title in zip(plenary.options, TITLES, strict=True):
        option.title = title
    db.session.commit()
    result = tallies.for_plenary(plenary).result
    export = exports.export_plenary(plenary, "toi")
    path = tmp_path / export.filename
    path.write_bytes(export.read())
    ((name, data),) = export.companions.items()
    (tmp_path / name).write_bytes(data)
    recount = runner.invoke(
        args=["tally", str(path), "--weights", str(tmp_path / name)]
    )
    assert recount.exit_code == 0, recount.output
    number = {o.id: i for i, o in enumerate(plenary.options, 1)}
    assert json.loads(recount.output)["ranking"] == [
        [number[o] for o in tier] for tier in result.tally.ranking
    ]
    meta = table_of(exports.export_plenary(plenary, "metadata").read())
    assert metadata_of(meta)["round"] == "plenary"
    html = exports.export_plenary(plenary, "html", "es+en").read().decode()
    assert TITLES[0]["es"] in html and TITLES[0]["en"] in html


def test_cli_export_writes_the_same_file_and_audits(app, runner, room, tmp_path):
    poll, round_, _ = room
    out = tmp_path / "list.csv"
    # Made before the CLI's export is audited: the same audit chain head.
    expected = exports.export_round(round_, "csv").read()
    result = runner.invoke(
        args=["export", str(round_.id), "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == expected
    entry = db.session.scalars(db.select(AuditEntry).filter_by(action="export")).one()
    assert entry.actor == "cli" and entry.round_id == round_.id
    assert entry.details["format"] == "csv"
    pdf = tmp_path / "record.pdf"
    result = runner.invoke(
        args=[
            "export",
            str(round_.id),
            "--format",
            "pdf",
            "--lang",
            "es+en",
            "--out",
            str(pdf),
        ]
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    result = runner.invoke(args=["export", "999999", "--format", "csv"])
    assert result.exit_code != 0 and "999999" in result.output
    result = runner.invoke(
        args=[
            "export",
            str(round_.id),
            "--format",
            "html",
            "--lang",
            "xx",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert result.exit_code != 0


def test_cli_writes_the_weights_companion(app, runner, tmp_path):
    poll, round_, _ = make_room(weighting="delegation")
    out = tmp_path / "ballots.toi"
    result = runner.invoke(
        args=["export", str(round_.id), "--format", "toi", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    companion = list(tmp_path.glob("*.weights.csv"))
    assert len(companion) == 1
    assert companion[0].read_text().startswith("order,weight")


def test_secret_round_too_small_to_publish_is_refused(app):
    poll, round_, _ = make_room(rankings=RANKINGS[:2])
    with pytest.raises(UserError) as error:
        exports.export_round(round_, "toi")
    assert error.value.status == 409
    named, named_round, _ = make_room(secret=False, rankings=RANKINGS[:2])
    assert exports.export_round(named_round, "toi").read()


def test_missing_pdf_font_is_a_clear_503(app, room, tmp_path):
    app.config["RECORD_FONT"] = str(tmp_path / "missing.ttf")
    with pytest.raises(UserError) as error:
        exports.export_round(room[1], "pdf", "es")
    assert error.value.status == 503


def test_cli_exports_a_plenary_and_writes_to_stdout(app, runner):
    poll, round_, _ = make_room()
    plenary = factories.make_poll(
        workshop=factories.make_workshop(poll.event),
        options=[t["en"] for t in TITLES],
        status="draft",
    )
    plenary.workshop = None
    db.session.commit()
    result = runner.invoke(
        args=["export", f"plenary:{plenary.id}", "--format", "json", "--out", "-"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["sections"][0]["metadata"]["round"] == "plenary"
    assert doc["sections"][0]["ranking_alternatives"] == alternatives(round_)
    result = runner.invoke(args=["export", "poll:x", "--format", "csv"])
    assert result.exit_code != 0 and "TARGET" in result.output
