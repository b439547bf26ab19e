"""The audit log: one way to write an entry, one way to say and read who acted,
and the hash chain that makes an edit of the log visible.

An actor is ``account:<id>`` (a staff member), ``participant:<id>`` (a
delegate in a named poll), ``participant`` (a delegate in a secret poll: the
log says that a ballot was cast, never whose) or ``cli`` (the server's
command line).

**The chain.** Every entry belongs to its event's chain (``chain`` = the
event id, 0 for entries of no event) at position ``seq`` = 1, 2, … and
stores ``prev_hash`` (the ``entry_hash`` of the entry before it, 64 zeros
for the first), ``details_hash`` = SHA-256 of its details as canonical JSON
(keys sorted, no spaces, UTF-8) and ``entry_hash`` = SHA-256 of the
canonical JSON of ``v, chain, seq, prev, at, actor, action, event_id,
round_id, details_sha256``. The chain's head row (:class:`AuditHead`) holds
the last position and hash; appending takes that row ``FOR UPDATE`` on
PostgreSQL (SQLite's ``BEGIN IMMEDIATE`` already serialises writers), so two
writers never take the same place. ORM entries (:func:`record`) are linked
when the session flushes them; the ballot path's Core insert calls
:func:`append`. Nothing else may write ``audit_entry``.

**Redaction.** Purging an event's personal data (:mod:`voting.setup.purge`)
rewrites the details of the entries that named a person. Their
``details_hash`` and ``entry_hash`` stay as written, so the chain's links
still verify; the purge's own entry (``personal_data_purged``, appended to
the chain) lists, per redacted position, the SHA-256 of the new details, and
:func:`verify` accepts a details hash that matches either. Any other change
of any column breaks the chain at that entry.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .extensions import db
from .models import Account, AuditEntry, AuditHead, utcnow

CLI = "cli"
_ACCOUNT = "account:"
GENESIS = "0" * 64
#: The purge's entry: its ``redacted`` details map positions to new digests.
PURGE_ACTION = "personal_data_purged"
_order = itertools.count()


def staff(account: Account | None) -> str:
    """The actor for a staff account (``cli`` without one)."""
    return f"{_ACCOUNT}{account.id}" if account is not None else CLI


def participant(participant_id: int, secret: bool) -> str:
    """The actor for a delegate: anonymous in a secret poll."""
    return "participant" if secret else f"participant:{participant_id}"


def account_id(actor: str) -> int | None:
    """The staff account id an actor names, or None."""
    if actor.startswith(_ACCOUNT):
        return int(actor.removeprefix(_ACCOUNT))
    return None


def account_names(actors: Iterable[str]) -> dict[str, str]:
    """Actor string → the staff member's name, for the actors that are staff."""
    ids = {i for i in map(account_id, actors) if i is not None}
    if not ids:
        return {}
    accounts = db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))
    return {staff(a): a.name for a in accounts}


def record(
    actor: str,
    action: str,
    event_id: int | None = None,
    *,
    round_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Append an entry to the current transaction (committed with it).

    Its place in the chain is taken when the session flushes it.
    """
    entry = AuditEntry(
        actor=actor,
        action=action,
        event_id=event_id,
        round_id=round_id,
        details=details,
        at=utcnow(),
    )
    entry._audit_order = next(_order)
    db.session.add(entry)
    return entry


# -- hashing ---------------------------------------------------------------------


def canonical(value: Any) -> bytes:
    """The canonical JSON of a value: keys sorted, no spaces, UTF-8."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def details_digest(details: dict[str, Any] | None) -> str:
    """SHA-256 of details as stored (a JSON round trip turns int keys to text)."""
    return sha256(canonical(json.loads(json.dumps(details or {}))))


def _stamp(at: datetime) -> str:
    return at.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def entry_digest(row: dict[str, Any]) -> str:
    """SHA-256 of an entry's canonical content (its details by their digest)."""
    return sha256(
        canonical(
            {
                "v": 1,
                "chain": row["chain"],
                "seq": row["seq"],
                "prev": row["prev_hash"],
                "at": _stamp(row["at"]),
                "actor": row["actor"],
                "action": row["action"],
                "event_id": row.get("event_id"),
                "round_id": row.get("round_id"),
                "details_sha256": row["details_hash"],
            }
        )
    )


# -- appending -------------------------------------------------------------------


class _Statements:
    """The chain's SQL, built once per dialect (the ballot path runs it)."""

    def __init__(self, dialect: str):
        head = AuditHead.__table__
        self.lock = (
            sa.select(head.c.seq, head.c.head_hash)
            .where(head.c.chain == sa.bindparam("chain"))
            .with_for_update()
        )
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.create = insert(head).on_conflict_do_nothing(index_elements=[head.c.chain])
        self.advance = (
            head.update()
            .where(head.c.chain == sa.bindparam("h_chain"))
            .values(seq=sa.bindparam("h_seq"), head_hash=sa.bindparam("h_hash"))
        )
        self.insert = sa.insert(AuditEntry.__table__)


@functools.cache
def _sql(dialect: str) -> _Statements:
    return _Statements(dialect)


def _lock_head(connection: sa.Connection, chain: int) -> tuple[int, str]:
    sql = _sql(connection.dialect.name)
    row = connection.execute(sql.lock, {"chain": chain}).first()
    if row is None:
        # A new chain: create its head (a concurrent creator makes this a
        # no-op, which waits for it on PostgreSQL), then lock it.
        connection.execute(sql.create, {"chain": chain, "seq": 0, "head_hash": GENESIS})
        row = connection.execute(sql.lock, {"chain": chain}).one()
    return row.seq, row.head_hash


def link(connection: sa.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each entry (a dict of its columns) its place in its chain, in order.

    Heads are locked in chain order (no two writers wait for each other in a
    circle) and advanced; the caller inserts the rows in the same transaction.
    """
    by_chain: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        row["chain"] = row.get("event_id") or 0
        by_chain.setdefault(row["chain"], []).append(row)
    sql = _sql(connection.dialect.name)
    for chain in sorted(by_chain):
        seq, prev = _lock_head(connection, chain)
        for row in by_chain[chain]:
            seq += 1
            row["seq"], row["prev_hash"] = seq, prev
            row["details_hash"] = details_digest(row.get("details"))
            row["entry_hash"] = prev = entry_digest(row)
        values = {"h_chain": chain, "h_seq": seq, "h_hash": prev}
        connection.execute(sql.advance, values)
    return rows


def append(connection: sa.Connection, values: dict[str, Any]) -> None:
    """Insert one entry on its chain with Core statements (the ballot path)."""
    connection.execute(_sql(connection.dialect.name).insert, link(connection, [values]))


_COLUMNS = ("event_id", "round_id", "at", "actor", "action", "details")


@sa_event.listens_for(Session, "before_flush")
def _link_new_entries(session: Session, flush_context, instances) -> None:
    """Every ORM entry about to be inserted takes its place in its chain."""
    new = [e for e in session.new if isinstance(e, AuditEntry) and not e.entry_hash]
    if not new:
        return
    new.sort(key=lambda e: getattr(e, "_audit_order", -1))
    rows = []
    for entry in new:
        entry.at = entry.at or utcnow()
        entry.details = entry.details if entry.details is not None else {}
        rows.append({name: getattr(entry, name) for name in _COLUMNS})
    link(session.connection(), rows)
    for entry, row in zip(new, rows, strict=True):
        for name in ("chain", "seq", "prev_hash", "details_hash", "entry_hash"):
            setattr(entry, name, row[name])


# -- reading and verifying -------------------------------------------------------


def head(event_id: int | None) -> str:
    """The hash of the chain's last entry now (64 zeros for an empty chain)."""
    value = db.session.scalar(
        sa.select(AuditHead.head_hash).where(AuditHead.chain == (event_id or 0))
    )
    return value or GENESIS


@dataclass(frozen=True)
class Break:
    """The first link that does not hold: which entry, what differs."""

    entry_id: int | None
    seq: int | None
    problem: str  # "sequence", "previous", "details", "content" or "head"
    expected: str
    found: str

    def describe(self) -> str:
        """The translated sentence for the CLI and the page."""
        what = {
            "sequence": _("its position in the chain is not the next one"),
            "previous": _("it does not carry the hash of the entry before it"),
            "details": _("its details do not match their hash"),
            "content": _(
                "its content (time, actor, action, event, round or details"
                " hash) does not match its hash"
            ),
            "head": _(
                "the chain's head does not match its last entry (entries "
                "removed at the end?)"
            ),
        }[self.problem]
        return _(
            "broken at entry %(id)s (position %(seq)s): %(what)s; expected "
            "%(expected)s, found %(found)s",
            id=self.entry_id if self.entry_id is not None else "–",
            seq=self.seq if self.seq is not None else "–",
            what=what,
            expected=self.expected,
            found=self.found,
        )


@dataclass(frozen=True)
class Verification:
    chain: int
    entries: int
    head: str
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _redactions(chain: int) -> dict[int, str]:
    """Position → SHA-256 of its redacted details, from the purges' entries."""
    out: dict[int, str] = {}
    for details in db.session.scalars(
        sa.select(AuditEntry.details).where(
            AuditEntry.chain == chain, AuditEntry.action == PURGE_ACTION
        )
    ):
        for seq, digest in ((details or {}).get("redacted") or {}).items():
            out[int(seq)] = digest
    return out


def verify(event_id: int | None) -> Verification:
    """Walk the event's chain from the first entry; stop at the first break."""
    chain = event_id or 0
    redacted = _redactions(chain)
    table = AuditEntry.__table__
    query = (
        sa.select(table)
        .where(table.c.chain == chain)
        .order_by(table.c.seq, table.c.id)
        .execution_options(yield_per=2000)
    )
    expected_seq, prev, count = 1, GENESIS, 0
    result = db.session.execute(query)
    try:
        for row in result.mappings():
            count += 1
            found = _check(dict(row), expected_seq, prev, redacted)
            if found is not None:
                return Verification(chain, count, prev, found)
            expected_seq, prev = row["seq"] + 1, row["entry_hash"]
    finally:
        result.close()  # a server-side cursor on PostgreSQL, left mid-way
    stored = db.session.execute(
        sa.select(AuditHead.seq, AuditHead.head_hash).where(AuditHead.chain == chain)
    ).first()
    stored_seq, stored_hash = stored if stored is not None else (0, GENESIS)
    if (stored_seq, stored_hash) != (expected_seq - 1, prev):
        expected, found = f"{expected_seq - 1}:{prev}", f"{stored_seq}:{stored_hash}"
        brk = Break(None, stored_seq, "head", expected, found)
        return Verification(chain, count, prev, brk)
    return Verification(chain, count, prev, None)


def _check(row: dict, seq: int, prev: str, redacted: dict[int, str]) -> Break | None:
    def brk(problem: str, expected: Any, found: Any) -> Break:
        return Break(row["id"], row["seq"], problem, str(expected), str(found))

    if row["seq"] != seq:
        return brk("sequence", seq, row["seq"])
    if row["prev_hash"] != prev:
        return brk("previous", prev, row["prev_hash"])
    digest = details_digest(row["details"])
    if digest not in (row["details_hash"], redacted.get(row["seq"])):
        return brk("details", row["details_hash"], digest)
    recomputed = entry_digest(row)
    if recomputed != row["entry_hash"]:
        return brk("content", recomputed, row["entry_hash"])
    return None
