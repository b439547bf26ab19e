"""The archive ZIP, and the purge of an event's personal data."""

import hashlib
import io
import json
import zipfile

import sqlalchemy as sa

from tests import factories
from tests.app.test_exports import make_room
from voting import audit, ballots, exports, rounds
from voting.extensions import db
from voting.models import AuditEntry, Event, Participant, Poll


def _second_poll_below_minimum(event):
    """A secret round of two ballots in the same event: never published."""
    poll = factories.make_poll(factories.make_workshop(event), secret=True)
    ids = [o.id for o in poll.options]
    for _n in range(2):
        voter = factories.make_participant(event)
        ballots.cast(voter, poll.rounds[0].id, [[ids[0]], [ids[1]]])
    rounds.close_round(poll.rounds[0].id, "test")
    return poll


def _check_zip(data: bytes):
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    names = set(archive.namelist()) - {"manifest.json"}
    assert names == {f["name"] for f in manifest["files"]}
    for item in manifest["files"]:
        body = archive.read(item["name"])
        assert hashlib.sha256(body).hexdigest() == item["sha256"], item["name"]
        assert len(body) == item["bytes"]
    return archive, manifest


def test_flask_archive_writes_every_export_and_a_manifest_that_checks(
    app, runner, tmp_path
):
    poll, round_, _ = make_room(weighting="delegation")
    small = _second_poll_below_minimum(poll.event)
    head = audit.head(poll.event_id)
    out = tmp_path / "event.zip"
    result = runner.invoke(
        args=["archive", poll.event.slug, "--out", str(out), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("Priorities?, round 1: 12 files" in line for line in lines), (
        result.output
    )
    assert any("left out" in line for line in lines)
    archive, manifest = _check_zip(out.read_bytes())
    assert manifest["audit_head_sha256"] == head and manifest["audit_chain_intact"]
    by_format = {}
    for item in manifest["files"]:
        by_format.setdefault(item["format"], []).append(item)
    assert {f["lang"] for f in by_format["pdf"]} == {"es", "en"}
    assert {f["lang"] for f in by_format["html"]} == {"es", "en"}
    assert {f["lang"] for f in by_format["docx"]} == {"es", "en"}
    assert len(by_format["weights"]) == 1 and len(by_format["preflib"]) == 1
    metadata = json.loads(archive.read(by_format["json"][0]["name"]))
    assert metadata["sections"][0]["metadata"]["audit_head_sha256"] == head
    [chain_file] = [f for f in by_format["audit"] if f["name"].endswith("-chain.csv")]
    assert len(by_format["audit"]) == 3  # entries, summary, chain: a table each
    audit_csv = archive.read(chain_file["name"]).decode("utf-8-sig")
    assert f"audit_chain_head_sha256,{head}" in audit_csv
    [left_out] = manifest["omitted"]
    assert left_out["poll_id"] == small.id and "fewer than 3" in left_out["reason"]
    assert not any(f"poll{small.id}/" in name for name in archive.namelist())
    # the archive is audited, and names its manifest
    entry = audit.verify(poll.event_id)
    assert entry.ok and audit.head(poll.event_id) != head


def test_the_secretariat_downloads_the_same_archive(app, secretariat_client):
    poll, round_, _ = make_room()
    page = secretariat_client.get(f"/secretariat/events/{poll.event_id}/archive")
    assert page.status_code == 200
    response = secretariat_client.get(
        f"/secretariat/events/{poll.event_id}/archive.zip"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    _archive, manifest = _check_zip(response.get_data())
    assert manifest["event"] == poll.event.slug and manifest["omitted"] == []


def _dump() -> str:
    """Every row of every table, as text."""
    out = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            out.append(repr(tuple(row)))
    return "\n".join(out)


def test_purge_removes_personal_data_and_keeps_what_recomputes(app, runner, tmp_path):
    poll, round_, voters = make_room(secret=False)  # named: the log names them
    event = poll.event
    walk_in = factories.make_participant(event, walk_in=True)
    walk_in.name = "Zacarías Walkin"
    db.session.commit()
    from voting import lobby

    lobby.refuse(walk_in, "test")  # its name stays in the audit details
    names = [v.name for v in voters]
    emails = [v.email for v in voters]
    receipts = [b.receipt_code for b in round_.ballots]
    tokens = [v.token_hash for v in voters]
    code_lookup = event.join_code_hash
    toi = exports.export_round(round_, "toi")
    ballot_file = tmp_path / toi.filename
    ballot_file.write_bytes(toi.read())
    before = runner.invoke(
        args=["tally", str(ballot_file), "--method", "schulze", "--format", "json"]
    )
    assert before.exit_code == 0, before.output
    dump = _dump()
    assert all(v in dump for v in [*names, *emails, *receipts, "Zacarías Walkin"])

    result = runner.invoke(
        args=["purge-personal-data", event.slug, "--lang", "en"], input="wrong\n"
    )
    assert result.exit_code == 1 and "does not match" in result.output
    assert db.session.get(Event, event.id).purged_at is None
    result = runner.invoke(
        args=["purge-personal-data", event.slug, "--lang", "en"],
        input=f"{event.slug}\n",
    )
    assert result.exit_code == 0, result.output
    assert "read-only" in result.output

    db.session.expire_all()
    dump = _dump()
    for value in [*names, *emails, *receipts, *tokens, "Zacarías Walkin"]:
        assert value not in dump, value
    # the event code no longer opens the event
    assert code_lookup not in dump
    # the chain still verifies, the purge is on it
    result = runner.invoke(args=["verify-audit", event.slug, "--lang", "en"])
    assert result.exit_code == 0, result.output
    # the purge is on the chain, naming the entry it redacted
    purge_entry = db.session.scalars(
        sa.select(AuditEntry)
        .filter_by(chain=event.id)
        .order_by(AuditEntry.seq.desc())
        .limit(1)
    ).one()
    assert purge_entry.action == "personal_data_purged"
    refused_entry = db.session.scalars(
        sa.select(AuditEntry).filter_by(chain=event.id, action="walk_in_refused")
    ).one()
    assert refused_entry.details["name"] == "[redacted]"
    assert list(purge_entry.details["redacted"]) == [str(refused_entry.seq)]
    # a redacted entry is no blank cheque: another edit of it breaks the chain
    redacted = json.dumps(refused_entry.details)
    db.session.execute(
        sa.text("UPDATE audit_entry SET details = :d WHERE id = :id"),
        {"d": json.dumps({"name": "someone else"}), "id": refused_entry.id},
    )
    db.session.commit()
    result = runner.invoke(args=["verify-audit", event.slug, "--lang", "en"])
    assert result.exit_code == 2
    assert f"broken at entry {refused_entry.id}" in result.output
    db.session.execute(
        sa.text("UPDATE audit_entry SET details = :d WHERE id = :id"),
        {
            "d": redacted,
            "id": refused_entry.id,
        },
    )
    db.session.commit()
    assert audit.verify(event.id).ok
    # the exports recompute to the same ballot file and result
    again = exports.export_round(db.session.get(type(round_), round_.id), "toi")
    body = again.read()
    assert (
        hashlib.sha256(body).hexdigest()
        == hashlib.sha256(ballot_file.read_bytes()).hexdigest()
    )
    ballot_file.write_bytes(body)
    after = runner.invoke(
        args=["tally", str(ballot_file), "--method", "schulze", "--format", "json"]
    )
    assert after.output == before.output
    # and the archive of the purged event still checks
    out = tmp_path / "after.zip"
    result = runner.invoke(args=["archive", event.slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    _archive, manifest = _check_zip(out.read_bytes())
    assert manifest["personal_data_purged"] and manifest["audit_chain_intact"]


def test_a_purged_event_is_read_only(app, admin_client):
    poll, round_, voters = make_room()
    event = poll.event
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = admin_client.post(
        f"/secretariat/events/{event.id}/purge", data={"confirm": "nope"}
    )
    assert page.status_code == 400
    assert "does not match" in page.get_data(as_text=True)
    assert db.session.get(Event, event.id).purged_at is None
    done = admin_client.post(
        f"/secretariat/events/{event.id}/purge", data={"confirm": event.name["en"]}
    )
    assert done.status_code == 302
    page = admin_client.get(done.location).get_data(as_text=True)
    assert "read-only" in page and "intact" in page
    refused = admin_client.post(f"/console/rounds/{round_.id}/next")
    assert refused.status_code == 409
    assert "purged: the event is read-only" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Poll, poll.id).rounds) == 1
    edit = admin_client.post(
        f"/console/events/{event.id}/edit", data={"venue": "Elsewhere"}
    )
    assert edit.status_code in (400, 409)
    assert db.session.get(Event, event.id).venue != "Elsewhere"
    again = admin_client.post(
        f"/secretariat/events/{event.id}/purge", data={"confirm": event.slug}
    )
    assert again.status_code == 409
    # a ballot is refused too, before anything is written
    participant = db.session.get(Participant, voters[0].id)
    assert cast_status(participant, round_.id) == 409


def test_only_an_admin_purges(app, secretariat_client):
    poll, round_, _ = make_room()
    page = secretariat_client.get(f"/secretariat/events/{poll.event_id}/archive")
    assert "Solo un administrador" in page.get_data(as_text=True)  # es: the default
    refused = secretariat_client.post(
        f"/secretariat/events/{poll.event_id}/purge", data={"confirm": poll.event.slug}
    )
    assert refused.status_code == 403
    assert db.session.get(Event, poll.event_id).purged_at is None


def cast_status(participant, round_id):
    from voting.errors import UserError

    try:
        ballots.cast(participant, round_id, [[1]])
    except UserError as error:
        db.session.rollback()
        return error.status
    return 200
