"""Batched publication of secret rounds: Poll.publish_every, published_tally.

Revision ID: 0003_published_tally
Revises: 0002_walk_in_lobby
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_published_tally"
down_revision = "0002_walk_in_lobby"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("poll") as batch:
        batch.add_column(
            sa.Column("publish_every", sa.Integer(), nullable=False, server_default="5")
        )
    op.create_table(
        "published_tally",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_published_tally_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_published_tally")),
    )


def downgrade():
    op.drop_table("published_tally")
    with op.batch_alter_table("poll") as batch:
        batch.drop_column("publish_every")
