"""The live scorecard: each stored signal's promise (expected R, experimental) and its outcome.

Revision ID: ml_0003
Revises: ml_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "ml_0003"
down_revision = "ml_0002"
branch_labels = None
depends_on = None

SCHEMA = "ml"


def upgrade() -> None:
    op.add_column(
        "entry_signals", sa.Column("expected_r", sa.Float(precision=53), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "entry_signals",
        sa.Column("experimental", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        schema=SCHEMA,
    )
    op.create_table(
        "signal_outcomes",
        sa.Column("signal_id", sa.String(36), primary_key=True),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("model_name", sa.String(80), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("exit_time", UtcDateTime, nullable=False),
        sa.Column("exit_price", sa.Float(precision=53), nullable=False),
        sa.Column("cost_r", sa.Float(precision=53), nullable=False),
        sa.Column("r", sa.Float(precision=53), nullable=False),
        sa.Column("expected_r", sa.Float(precision=53), nullable=True),
        sa.Column("resolved_at", UtcDateTime, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_signal_outcomes_model", "signal_outcomes", ["model_name", "strategy"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_signal_outcomes_model", table_name="signal_outcomes", schema=SCHEMA)
    op.drop_table("signal_outcomes", schema=SCHEMA)
    op.drop_column("entry_signals", "experimental", schema=SCHEMA)
    op.drop_column("entry_signals", "expected_r", schema=SCHEMA)
