"""Proposals record how the tally's ties were handled, and a re-opened adoption.

Revision ID: 0007_round_lifecycle
Revises: 0006_paper_ballots
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_round_lifecycle"
down_revision = "0006_paper_ballots"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(
            sa.Column("ties", sa.String(10), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("tie_rule", sa.String(20), nullable=True))
        batch.add_column(sa.Column("tie_seed", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("tied", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("proposal") as batch:
        for column in (
            "reopen_reason",
            "reopened_at",
            "tied",
            "tie_seed",
            "tie_rule",
            "ties",
        ):
            batch.drop_column(column)
