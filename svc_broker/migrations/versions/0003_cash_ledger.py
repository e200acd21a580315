"""paper_ledger_entries: paper cash as double-entry journals; paper_trades.written_off_minor.

Every existing account gets an opening journal for its current balance, so the ledger of each
account sums to its balance from the start.

Revision ID: trading_0003
Revises: trading_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "trading_0003"
down_revision = "trading_0002"
branch_labels = None
depends_on = None

SCHEMA = "trading"
ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "paper_ledger_entries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("journal", sa.String(32), nullable=False),
        sa.Column("book", sa.String(24), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("trade_id", ID, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_paper_ledger_entries"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_paper_ledger_entries_account_id", "paper_ledger_entries", ["account_id", "id"], schema=SCHEMA
    )
    op.create_index("ix_paper_ledger_entries_journal", "paper_ledger_entries", ["journal"], schema=SCHEMA)
    op.add_column(
        "paper_trades",
        sa.Column("written_off_minor", sa.BigInteger, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    for book, sign in (("cash", ""), ("house:funding", "-")):
        op.execute(
            f"INSERT INTO {SCHEMA}.paper_ledger_entries "
            "(journal, book, account_id, amount_minor, currency, kind, created_at) "
            f"SELECT 'opening-' || CAST(id AS VARCHAR(20)), '{book}', "
            f"{'id' if book == 'cash' else 'NULL'}, {sign}balance_minor, currency, 'funding', created_at "
            f"FROM {SCHEMA}.paper_accounts"
        )


def downgrade() -> None:
    with op.batch_alter_table("paper_trades", schema=SCHEMA) as batch:
        batch.drop_column("written_off_minor")
    op.drop_index("ix_paper_ledger_entries_journal", "paper_ledger_entries", schema=SCHEMA)
    op.drop_index("ix_paper_ledger_entries_account_id", "paper_ledger_entries", schema=SCHEMA)
    op.drop_table("paper_ledger_entries", schema=SCHEMA)
