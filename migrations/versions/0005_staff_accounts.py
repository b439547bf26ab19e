"""Staff accounts managed in the console: disabled flag, one-time password link.

Revision ID: 0005_staff_accounts
Revises: 0004_account_session_epoch
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_staff_accounts"
down_revision = "0004_account_session_epoch"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("account") as batch:
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("password_token_hash", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("password_token_expires", sa.DateTime(), nullable=True)
        )
        batch.create_unique_constraint(
            "uq_account_password_token_hash", ["password_token_hash"]
        )


def downgrade():
    with op.batch_alter_table("account") as batch:
        batch.drop_constraint("uq_account_password_token_hash", type_="unique")
        batch.drop_column("password_token_expires")
        batch.drop_column("password_token_hash")
        batch.drop_column("disabled")
