"""Reprintable personal links: Participant.token_salt.

The personal token is derived from a stored random salt with SECRET_KEY, so a
second badge of the same person carries the same link. Tokens issued before
have no salt: the next badge issues a new one.

Revision ID: 0009_participant_token_salt
Revises: 0008_display_theme
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_participant_token_salt"
down_revision = "0008_display_theme"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("token_salt", sa.String(32), nullable=True))


def downgrade():
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("token_salt")
