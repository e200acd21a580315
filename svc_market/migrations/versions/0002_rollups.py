"""market_data: stored roll-ups of the base bars (1 h, 4 h, 1 d candles) and their registry.

The tables start empty; the market service fills them for every stored series when it starts
(svc_market.rollups.ensure_rollups, idempotent), and every later write keeps them current.

Revision ID: market_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "market_0002"
down_revision = "market_0001"
branch_labels = None
depends_on = None
S = "market_data"
KEY = ("symbol_id", "base_s", "tf_s", "anchor_s")


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("symbol_id", sa.Integer, sa.ForeignKey(f"{S}.symbols.id"), nullable=False),
        sa.Column("base_s", sa.Integer, nullable=False),
        sa.Column("tf_s", sa.Integer, nullable=False),
        sa.Column("anchor_s", sa.Integer, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "ohlcv_rollup",
        *_key_columns(),
        sa.Column("ts", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.Float, nullable=False) for name in ("open", "high", "low", "close", "volume")),
        sa.PrimaryKeyConstraint(*KEY, "ts", name="pk_ohlcv_rollup"),
        schema=S,
        sqlite_with_rowid=False,
    )
    op.create_table(
        "rollup_series",
        *_key_columns(),
        sa.PrimaryKeyConstraint(*KEY, name="pk_rollup_series"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("rollup_series", schema=S)
    op.drop_table("ohlcv_rollup", schema=S)
