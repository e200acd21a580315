"""Create widgets and the outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from core.db import ExactDecimal, UtcDateTime
from core.outbox import create_outbox, drop_outbox

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "core_test_widgets"


def upgrade() -> None:
    op.create_table(
        "widgets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("price", ExactDecimal, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        schema=SCHEMA,
    )
    create_outbox(SCHEMA)


def downgrade() -> None:
    drop_outbox(SCHEMA)
    op.drop_table("widgets", schema=SCHEMA)
