"""Server-side session revocation: Account.session_epoch.

Revision ID: 0004_account_session_epoch
Revises: 0003_published_tally
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_account_session_epoch"
down_revision = "0003_published_tally"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account") as batch:
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("account") as batch:
        batch.drop_column("session_epoch")
