"""The audit log's hash chain: every writer links, any edit is found."""

import json
import threading
import time

import sqlalchemy as sa

from tests.app.test_exports import make_room
from tests.app.test_load_correctness import served  # noqa: F401  (a fixture)
from tests.app.test_migrations import insert_event
from tests.bench import loadlib
from tests.conftest import reset_database
from voting import audit, exports
from voting.extensions import db
from voting.models import AuditEntry, AuditHead, Poll


def raw(sql, params=None):
    """An edit behind the app's back (the database's own SQL), committed."""
    db.session.execute(sa.text(sql), params or {})
    db.session.commit()


def _entries(event_id):
    return db.session.scalars(
        sa.select(AuditEntry).filter_by(chain=event_id).order_by(AuditEntry.seq)
    ).all()


def test_every_writer_links_its_entries_into_the_events_chain(app):
    poll, round_, _ = make_room()  # ballots (Core path), a close (ORM path)
    entries = _entries(poll.event_id)
    actions = {e.action for e in entries}
    assert {"ballot_cast", "round_closed"} <= actions
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    prev = audit.GENESIS
    for entry in entries:
        assert entry.prev_hash == prev
        prev = entry.entry_hash
    assert db.session.get(AuditHead, poll.event_id).head_hash == prev
    assert audit.head(poll.event_id) == prev
    assert audit.verify(poll.event_id).ok


def test_verify_audit_passes_then_finds_a_row_edited_with_raw_sql(app, runner):
    poll, round_, _ = make_room()
    event = poll.event
    result = runner.invoke(args=["verify-audit", event.slug, "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and audit.head(event.id) in result.output
    victim = _entries(event.id)[3]
    raw("UPDATE audit_entry SET actor = 'account:1' WHERE id = :id", {"id": victim.id})
    result = runner.invoke(args=["verify-audit", str(event.id), "--lang", "en"])
    assert result.exit_code == 2
    assert f"broken at entry {victim.id} (position 4)" in result.output
    assert "content" in result.output
    # Spanish by default (the configured language)
    result = runner.invoke(args=["verify-audit", event.slug, "--lang", "es"])
    assert result.exit_code == 2 and "roto en la entrada" in result.output


def test_edited_details_a_deleted_row_and_a_cut_tail_are_each_found(app):
    poll, round_, _ = make_room()
    event_id = poll.event_id
    entries = _entries(event_id)
    last = entries[-1].entry_hash
    ids = [e.id for e in entries]
    original = json.dumps(entries[2].details)
    edit = "UPDATE audit_entry SET details = :d WHERE id = :id"
    raw(edit, {"d": json.dumps({"forged": True}), "id": ids[2]})
    broken = audit.verify(event_id).broken
    assert (broken.entry_id, broken.problem) == (ids[2], "details")
    raw(edit, {"d": original, "id": ids[2]})
    assert audit.verify(event_id).ok
    raw("DELETE FROM audit_entry WHERE id = :id", {"id": ids[5]})
    broken = audit.verify(event_id).broken
    assert (broken.entry_id, broken.problem) == (ids[6], "sequence")
    raw("DELETE FROM audit_entry WHERE chain = :c AND seq >= 6", {"c": event_id})
    broken = audit.verify(event_id).broken
    assert broken.problem == "head" and last in broken.found


def test_every_export_carries_the_head_at_export_time(app, secretariat_client):
    poll, round_, _ = make_room()
    head = audit.head(poll.event_id)
    body = exports.export_round(round_, "json").read()
    assert json.loads(body)["sections"][0]["metadata"]["audit_head_sha256"] == head
    csv_text = exports.export_round(round_, "metadata").read().decode("utf-8-sig")
    assert f"audit_head_sha256,{head}" in csv_text
    html = secretariat_client.get(
        f"/secretariat/rounds/{round_.id}/export.html?lang=en"
    ).get_data(as_text=True)
    assert "Audit log head (SHA-256)" in html and head in html
    # that download was audited: the chain moved on, the next file says so
    after = audit.head(poll.event_id)
    assert after != head
    toi = secretariat_client.get(f"/secretariat/rounds/{round_.id}/export.toi")
    assert toi.headers["X-Audit-Head-SHA256"] == after
    after = audit.head(poll.event_id)
    log = secretariat_client.get(
        f"/secretariat/events/{poll.event_id}/audit.csv?table=chain"
    ).get_data(as_text=True)
    assert f"audit_chain_head_sha256,{after}" in log
    assert "audit_chain_intact,yes" in log


def test_the_migration_links_the_entries_written_before_it(app, db, runner):
    reset_database(db.engine)
    result = runner.invoke(args=["db", "upgrade", "0004_account_session_epoch"])
    assert result.exit_code == 0, result.output
    with db.engine.begin() as conn:
        insert_event(conn)
        conn.execute(
            sa.text(
                "INSERT INTO audit_entry (at, actor, action, event_id, details) "
                "VALUES (:at, 'cli', :action, :event, :details)"
            ),
            [
                {
                    "at": "2020-01-01 00:00:01.250000",
                    "action": "event_created",
                    "event": 1,
                    "details": '{"slug": "e"}',
                },
                {
                    "at": "2020-01-01 00:00:02",
                    "action": "seed_demo",
                    "event": 1,
                    "details": "{}",
                },
                {
                    "at": "2020-01-01 00:00:03",
                    "action": "account_created",
                    "event": None,
                    "details": '{"ids": {"1": [2]}}',
                },
            ],
        )
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert audit.verify(1).ok and audit.verify(1).entries == 2
    assert audit.verify(None).ok and audit.verify(None).entries == 1
    audit.record("cli", "later", 1)
    db.session.commit()
    assert audit.verify(1).ok and audit.verify(1).entries == 3


def test_concurrent_ballots_and_console_writes_keep_one_unbroken_chain(served):  # noqa: F811
    """60 delegates (double taps, 16 in flight) through the served app while a
    thread appends ORM entries to the same event's chain: no two writers take
    the same place, and the chain verifies end to end."""
    app, url = served
    setup = loadlib.build(60)
    event_id = db.session.get(Poll, setup.poll_id).event_id
    db.session.remove()
    stop, written = threading.Event(), []

    def console():
        with app.app_context():
            while not stop.is_set():
                audit.record("cli", "console_note", event_id, n=len(written))
                db.session.commit()
                written.append(1)
            db.session.remove()

    thread = threading.Thread(target=console)
    thread.start()
    try:
        result = loadlib.burst(
            url,
            setup,
            concurrency=16,
            double_tap=0.3,
            seed=5,
            deadline=time.monotonic() + 60,
        )
    finally:
        stop.set()
        thread.join()
    assert loadlib.check_burst(setup, result) == []
    check = audit.verify(event_id)
    assert check.ok, check.broken
    ballots = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.chain == event_id,
            AuditEntry.action.in_(("ballot_cast", "ballot_revised")),
        )
    )
    assert ballots >= 60 and len(written) > 0
    assert check.entries == db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).filter_by(chain=event_id)
    )


def test_the_console_and_the_secretariat_show_the_first_broken_link(app, admin_client):
    poll, round_, _ = make_room()
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    pages = (
        f"/console/events/{poll.event_id}/audit",
        f"/secretariat/events/{poll.event_id}/archive",
    )
    for url in pages:
        assert "hash chain is intact" in admin_client.get(url).get_data(as_text=True)
    victim = _entries(poll.event_id)[1].id
    raw("UPDATE audit_entry SET action = 'nothing' WHERE id = :id", {"id": victim})
    for url in pages:
        page = admin_client.get(url).get_data(as_text=True)
        assert "hash chain is broken" in page
        assert f"broken at entry {victim} (position 2)" in page
