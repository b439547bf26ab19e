"""The audit log as a hash chain per event, and the purge of personal data.

Adds ``audit_entry.chain/seq/prev_hash/details_hash/entry_hash`` and the
``audit_head`` table, and links every existing entry into its event's chain
(in the order they were written: time, then id). Adds ``event.purged_at``
and lets a purged ballot lose its receipt code.

Revision ID: 0010_audit_chain
Revises: 0009_participant_token_salt
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_audit_chain"
down_revision = "0009_participant_token_salt"
branch_labels = None
depends_on = None

LINK_COLUMNS = ("chain", "seq", "prev_hash", "details_hash", "entry_hash")


def upgrade():
    from voting.audit import GENESIS, details_digest, entry_digest

    op.create_table(
        "audit_head",
        sa.Column("chain", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("chain", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        for name in LINK_COLUMNS[2:]:
            batch.add_column(sa.Column(name, sa.String(length=64), nullable=True))

    entry = sa.table(
        "audit_entry",
        *(
            sa.column(name)
            for name in ("id", "actor", "action", "event_id", "round_id")
        ),
        sa.column("at", sa.DateTime),
        sa.column("details", sa.JSON),
        *(sa.column(name) for name in LINK_COLUMNS),
    )
    head = sa.table(
        "audit_head", sa.column("chain"), sa.column("seq"), sa.column("head_hash")
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(entry).order_by(entry.c.at, entry.c.id)
    ).mappings()
    heads: dict[int, tuple[int, str]] = {}
    for row in rows.all():
        values = dict(row)
        chain = values["event_id"] or 0
        seq, prev = heads.get(chain, (0, GENESIS))
        values.update(chain=chain, seq=seq + 1, prev_hash=prev)
        values["details_hash"] = details_digest(values["details"])
        values["entry_hash"] = entry_digest(values)
        heads[chain] = (seq + 1, values["entry_hash"])
        connection.execute(
            entry.update()
            .where(entry.c.id == values["id"])
            .values({name: values[name] for name in LINK_COLUMNS})
        )
    if heads:
        connection.execute(
            head.insert(),
            [{"chain": c, "seq": s, "head_hash": h} for c, (s, h) in heads.items()],
        )

    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("chain", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        for name in LINK_COLUMNS[2:]:
            batch.alter_column(name, existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(
            op.f("uq_audit_entry_chain_seq"), ["chain", "seq"]
        )
    with op.batch_alter_table("ballot") as batch:
        batch.alter_column(
            "receipt_code", existing_type=sa.String(length=16), nullable=True
        )
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("ballot") as batch:
        batch.alter_column(
            "receipt_code", existing_type=sa.String(length=16), nullable=False
        )
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint(op.f("uq_audit_entry_chain_seq"), type_="unique")
        for name in reversed(LINK_COLUMNS):
            batch.drop_column(name)
    op.drop_table("audit_head")
