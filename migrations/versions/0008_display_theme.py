"""The projector's colour theme: Poll.display_theme.

Revision ID: 0008_display_theme
Revises: 0007_round_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_display_theme"
down_revision = "0007_round_lifecycle"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("poll") as batch:
        batch.add_column(
            sa.Column(
                "display_theme", sa.String(10), nullable=False, server_default="light"
            )
        )


def downgrade():
    with op.batch_alter_table("poll") as batch:
        batch.drop_column("display_theme")
