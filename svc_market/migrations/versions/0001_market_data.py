"""market_data: symbols, bars, series, quotes, sync jobs, watchlists.

Revision ID: market_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import ExactDecimal, UtcDateTime

revision = "market_0001"
down_revision = None
branch_labels = None
depends_on = None
S = "market_data"
ACTIVE = sa.text("state IN ('queued', 'running')")


def _symbol_fk() -> sa.ForeignKey:
    return sa.ForeignKey(f"{S}.symbols.id")


def upgrade() -> None:
    op.create_table(
        "symbols",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("asset_type", sa.String(16), nullable=False),
        sa.Column("provider_ticker", sa.String(32), nullable=False),
        sa.Column("pip_size", ExactDecimal, nullable=False),
        sa.Column("price_precision", sa.Integer, nullable=False),
        sa.Column("contract_size", ExactDecimal, nullable=False),
        sa.Column("min_lot", ExactDecimal, nullable=False),
        sa.Column("max_lot", ExactDecimal, nullable=False),
        sa.Column("lot_step", ExactDecimal, nullable=False),
        sa.Column("quote_currency", sa.String(8), nullable=False),
        sa.Column("hours", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_symbols"),
        sa.UniqueConstraint("symbol", name="uq_symbols_symbol"),
        schema=S,
    )
    op.create_table(
        "ohlcv",
        sa.Column("symbol_id", sa.Integer, _symbol_fk(), nullable=False),
        sa.Column("resolution_s", sa.Integer, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        *(sa.Column(name, sa.Float, nullable=False) for name in ("open", "high", "low", "close", "volume")),
        sa.Column("source", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("symbol_id", "resolution_s", "ts", name="pk_ohlcv"),
        schema=S,
        sqlite_with_rowid=False,
    )
    op.create_table(
        "quotes",
        sa.Column("symbol_id", sa.Integer, _symbol_fk(), nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
        sa.Column("bid", sa.Float, nullable=False),
        sa.Column("ask", sa.Float, nullable=False),
        sa.PrimaryKeyConstraint("symbol_id", "ts", name="pk_quotes"),
        schema=S,
        sqlite_with_rowid=False,
    )
    op.create_table(
        "series",
        sa.Column("symbol_id", sa.Integer, _symbol_fk(), nullable=False),
        sa.Column("resolution_s", sa.Integer, nullable=False),
        sa.Column("first_ts", sa.BigInteger, nullable=False),
        sa.Column("last_ts", sa.BigInteger, nullable=False),
        sa.Column("bar_count", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("last_sync_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("symbol_id", "resolution_s", name="pk_series"),
        schema=S,
    )
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("symbol_id", sa.Integer, _symbol_fk(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("from_ts", sa.BigInteger, nullable=True),
        sa.Column("records", sa.BigInteger, nullable=False),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("finished_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sync_jobs"),
        schema=S,
    )
    op.create_index(
        "uq_sync_jobs_active_symbol", "sync_jobs", ["symbol_id"], unique=True, schema=S,
        postgresql_where=ACTIVE, sqlite_where=ACTIVE,
    )  # fmt: skip
    op.create_index("ix_sync_jobs_symbol_created", "sync_jobs", ["symbol_id", "created_at"], schema=S)
    op.create_table(
        "watchlists",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watchlists"),
        sa.UniqueConstraint("user_id", "name", name="uq_watchlists_user_name"),
        schema=S,
    )
    op.create_index("ix_watchlists_user_position", "watchlists", ["user_id", "position"], schema=S)
    op.create_table(
        "watchlist_items",
        sa.Column("watchlist_id", sa.String(36), sa.ForeignKey(f"{S}.watchlists.id", ondelete="CASCADE")),
        sa.Column("symbol_id", sa.Integer, _symbol_fk(), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("watchlist_id", "symbol_id", name="pk_watchlist_items"),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("watchlist_items", schema=S)
    op.drop_index("ix_watchlists_user_position", table_name="watchlists", schema=S)
    op.drop_table("watchlists", schema=S)
    op.drop_index("ix_sync_jobs_symbol_created", table_name="sync_jobs", schema=S)
    op.drop_index("uq_sync_jobs_active_symbol", table_name="sync_jobs", schema=S)
    op.drop_table("sync_jobs", schema=S)
    op.drop_table("series", schema=S)
    op.drop_table("quotes", schema=S)
    op.drop_table("ohlcv", schema=S)
    op.drop_table("symbols", schema=S)
