"""Add widgets.color (a table change: batch mode on SQLite).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "core_test_widgets"


def upgrade() -> None:
    with op.batch_alter_table("widgets", schema=SCHEMA) as batch:
        batch.add_column(sa.Column("color", sa.String(20), nullable=False, server_default="grey"))
        batch.create_index("ix_widgets_color", ["color"])


def downgrade() -> None:
    with op.batch_alter_table("widgets", schema=SCHEMA) as batch:
        batch.drop_index("ix_widgets_color")
        batch.drop_column("color")
