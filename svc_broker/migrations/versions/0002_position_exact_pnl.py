"""paper_positions.realized_pnl_exact: a position's realized PnL before rounding to the cent.

Revision ID: trading_0002
Revises: trading_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import ExactDecimal

revision = "trading_0002"
down_revision = "trading_0001"
branch_labels = None
depends_on = None

SCHEMA = "trading"


def upgrade() -> None:
    op.add_column(
        "paper_positions",
        sa.Column("realized_pnl_exact", ExactDecimal, nullable=False, server_default="0"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    with op.batch_alter_table("paper_positions", schema=SCHEMA) as batch:
        batch.drop_column("realized_pnl_exact")
