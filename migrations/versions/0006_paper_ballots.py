"""Paper ballots entered by a facilitator: Ballot.paper.

Revision ID: 0006_paper_ballots
Revises: 0005_staff_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_paper_ballots"
down_revision = "0005_staff_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ballot") as batch:
        batch.add_column(
            sa.Column("paper", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("ballot") as batch:
        batch.drop_column("paper")
