"""trading schema: paper accounts, orders, positions, fills and the outbox.

Revision ID: trading_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import ExactDecimal, UtcDateTime
from core.outbox import create_outbox, drop_outbox

revision = "trading_0001"
down_revision = None
branch_labels = ("trading",)
depends_on = None

SCHEMA = "trading"
ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _account_fk() -> sa.ForeignKey:
    return sa.ForeignKey(f"{SCHEMA}.paper_accounts.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "paper_accounts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger, nullable=False),
        sa.Column("initial_balance_minor", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("reset_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_paper_accounts"),
        sa.UniqueConstraint("user_id", name="uq_paper_accounts_user_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "paper_orders",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", ID, _account_fk(), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("time_in_force", sa.String(3), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("limit_price", ExactDecimal, nullable=True),
        sa.Column("stop_price", ExactDecimal, nullable=True),
        sa.Column("stop_loss", ExactDecimal, nullable=True),
        sa.Column("take_profit", ExactDecimal, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("fill_price", ExactDecimal, nullable=True),
        sa.Column("reject_reason", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("filled_at", UtcDateTime, nullable=True),
        sa.Column("expires_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_paper_orders"),
        sa.UniqueConstraint("account_id", "client_order_id", name="uq_paper_orders_client_order_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_paper_orders_account_id_id", "paper_orders", ["account_id", "id"], schema=SCHEMA)
    op.create_index("ix_paper_orders_status_symbol", "paper_orders", ["status", "symbol"], schema=SCHEMA)
    op.create_table(
        "paper_positions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", ID, _account_fk(), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(5), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("cost", ExactDecimal, nullable=False),
        sa.Column("entry_price", ExactDecimal, nullable=False),
        sa.Column("realized_pnl_minor", sa.BigInteger, nullable=False),
        sa.Column("margin_minor", sa.BigInteger, nullable=False),
        sa.Column("stop_loss", ExactDecimal, nullable=True),
        sa.Column("take_profit", ExactDecimal, nullable=True),
        sa.Column("status", sa.String(6), nullable=False),
        sa.Column("opened_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_paper_positions"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_paper_positions_open_symbol",
        "paper_positions",
        ["account_id", "symbol"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_paper_positions_account_id_id", "paper_positions", ["account_id", "id"], schema=SCHEMA
    )
    op.create_index(
        "ix_paper_positions_status_symbol", "paper_positions", ["status", "symbol"], schema=SCHEMA
    )
    op.create_table(
        "paper_trades",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", ID, _account_fk(), nullable=False),
        sa.Column("order_id", ID, sa.ForeignKey(f"{SCHEMA}.paper_orders.id"), nullable=True),
        sa.Column("position_id", ID, sa.ForeignKey(f"{SCHEMA}.paper_positions.id"), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("quantity", ExactDecimal, nullable=False),
        sa.Column("price", ExactDecimal, nullable=False),
        sa.Column("realized_pnl_minor", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.String(12), nullable=False),
        sa.Column("executed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_paper_trades"),
        schema=SCHEMA,
    )
    op.create_index("ix_paper_trades_account_id_id", "paper_trades", ["account_id", "id"], schema=SCHEMA)
    create_outbox(SCHEMA)


def downgrade() -> None:
    drop_outbox(SCHEMA)
    op.drop_index("ix_paper_trades_account_id_id", table_name="paper_trades", schema=SCHEMA)
    op.drop_table("paper_trades", schema=SCHEMA)
    for index in (
        "ix_paper_positions_status_symbol",
        "ix_paper_positions_account_id_id",
        "uq_paper_positions_open_symbol",
    ):
        op.drop_index(index, table_name="paper_positions", schema=SCHEMA)
    op.drop_table("paper_positions", schema=SCHEMA)
    op.drop_index("ix_paper_orders_status_symbol", table_name="paper_orders", schema=SCHEMA)
    op.drop_index("ix_paper_orders_account_id_id", table_name="paper_orders", schema=SCHEMA)
    op.drop_table("paper_orders", schema=SCHEMA)
    op.drop_table("paper_accounts", schema=SCHEMA)
