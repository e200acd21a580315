"""The ml schema: model_versions, entry_signals and the outbox.

Revision ID: ml_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime
from core.outbox import create_outbox, drop_outbox

revision = "ml_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "ml"


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("artifact_sha256", sa.String(64), nullable=False),
        sa.Column("features", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("train_start", UtcDateTime, nullable=False),
        sa.Column("train_end", UtcDateTime, nullable=False),
        sa.Column("test_start", UtcDateTime, nullable=False),
        sa.Column("test_end", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("promoted_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_model_versions"),
        sa.UniqueConstraint("name", "version", name="uq_model_versions_name"),
        schema=SCHEMA,
    )
    op.create_index("ix_model_versions_name_status", "model_versions", ["name", "status"], schema=SCHEMA)
    op.create_table(
        "entry_signals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("timeframe", sa.String(8), nullable=False),
        sa.Column("horizon", sa.Integer, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("entry", sa.Float(precision=53), nullable=False),
        sa.Column("sl", sa.Float(precision=53), nullable=False),
        sa.Column("tp", sa.Float(precision=53), nullable=False),
        sa.Column("rr_ratio", sa.Float(precision=53), nullable=False),
        sa.Column("prob_tp_first", sa.Float(precision=53), nullable=False),
        sa.Column("confidence", sa.Float(precision=53), nullable=False),
        sa.Column("amd_phase", sa.Integer, nullable=False),
        sa.Column("strategy", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("model_name", sa.String(80), nullable=False),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("bar_time", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("valid_until", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entry_signals"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_entry_signals_symbol_created", "entry_signals", ["symbol", "created_at"], schema=SCHEMA
    )
    create_outbox(SCHEMA)


def downgrade() -> None:
    drop_outbox(SCHEMA)
    op.drop_index("ix_entry_signals_symbol_created", table_name="entry_signals", schema=SCHEMA)
    op.drop_table("entry_signals", schema=SCHEMA)
    op.drop_index("ix_model_versions_name_status", table_name="model_versions", schema=SCHEMA)
    op.drop_table("model_versions", schema=SCHEMA)
