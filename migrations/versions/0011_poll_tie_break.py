"""The poll's declared tie-break: Poll.tie_break.

Revision ID: 0011_poll_tie_break
Revises: 0010_audit_chain
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_poll_tie_break"
down_revision = "0010_audit_chain"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("poll") as batch:
        batch.add_column(
            sa.Column("tie_break", sa.String(20), nullable=False, server_default="none")
        )


def downgrade():
    with op.batch_alter_table("poll") as batch:
        batch.drop_column("tie_break")
