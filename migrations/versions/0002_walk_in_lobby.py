"""walk-in lobby: participants who joined with the event code wait to be admitted

Revision ID: 0002_walk_in_lobby
Revises: 4408f2150b36
Create Date: 2026-12-02 10:00:00

Every participant that exists already was registered by the organisers or
has been voting: all of them become admitted (and none is marked a walk-in,
since the database does not say who joined with the code).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_walk_in_lobby'
down_revision = '4408f2150b36'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('admitted', sa.Boolean(), server_default=sa.true(), nullable=False))
    # The server default already fills existing rows; say it outright too.
    op.execute(sa.text('UPDATE participant SET admitted = :yes').bindparams(yes=True))


def downgrade():
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('admitted')
        batch_op.drop_column('walk_in')
