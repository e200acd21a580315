"""financial schema: wallets, wallet transactions, the ledger, Stripe customers, checkout
sessions, subscriptions, webhook events, plan changes and the outbox.

Revision ID: financial_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime
from core.outbox import create_outbox, drop_outbox

revision = "financial_0001"
down_revision = None
branch_labels = ("financial",)
depends_on = None

SCHEMA = "financial"
Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "wallets",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_minor", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_wallets"),
        sa.UniqueConstraint("user_id", "currency", name="uq_wallets_user_id_currency"),
        sa.CheckConstraint("balance_minor >= 0", name="ck_wallets_balance_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "wallet_transactions",
        sa.Column("seq", Id, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after_minor", sa.BigInteger, nullable=True),
        sa.Column("reference", sa.String(128), nullable=False),
        sa.Column("description", sa.String(255), nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=False),
        sa.Column("payment_intent_id", sa.String(255), nullable=True),
        sa.Column("client_secret", sa.String(255), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("completed_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_wallet_transactions"),
        sa.UniqueConstraint("id", name="uq_wallet_transactions_id"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_wallet_transactions_idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_wallet_transactions_user_id_created_at",
        "wallet_transactions",
        ["user_id", "created_at"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_wallet_transactions_payment_intent_id",
        "wallet_transactions",
        ["payment_intent_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("transaction_id", sa.String(36), nullable=False),
        sa.Column("account", sa.String(160), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        schema=SCHEMA,
    )
    op.create_index("ix_ledger_entries_account", "ledger_entries", ["account"], schema=SCHEMA)
    op.create_index("ix_ledger_entries_transaction_id", "ledger_entries", ["transaction_id"], schema=SCHEMA)
    op.create_table(
        "customers",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("stripe_customer_id", sa.String(255), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_customers"),
        sa.UniqueConstraint("stripe_customer_id", name="uq_customers_stripe_customer_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "checkout_sessions",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(80), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkout_sessions"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_checkout_sessions_idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index("ix_checkout_sessions_status", "checkout_sessions", ["status"], schema=SCHEMA)
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("stripe_subscription_id", sa.String(255), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_period_start", UtcDateTime, nullable=True),
        sa.Column("current_period_end", UtcDateTime, nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False),
        sa.Column("canceled_at", UtcDateTime, nullable=True),
        sa.Column("activated_at", UtcDateTime, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
        sa.UniqueConstraint("stripe_subscription_id", name="uq_subscriptions_stripe_subscription_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_subscriptions_user_id", "subscriptions", ["user_id"], schema=SCHEMA)
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("stripe_created_at", UtcDateTime, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("applied_at", UtcDateTime, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_events"),
        schema=SCHEMA,
    )
    op.create_table(
        "plan_changes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("plan", sa.String(16), nullable=False),
        sa.Column("mail", sa.String(32), nullable=True),
        sa.Column("mail_plan", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("delivered_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_plan_changes"),
        schema=SCHEMA,
    )
    op.create_index("ix_plan_changes_delivered_at", "plan_changes", ["delivered_at"], schema=SCHEMA)
    create_outbox(SCHEMA)


def downgrade() -> None:
    drop_outbox(SCHEMA)
    for table in (
        "plan_changes",
        "stripe_events",
        "subscriptions",
        "checkout_sessions",
        "customers",
        "ledger_entries",
        "wallet_transactions",
        "wallets",
    ):
        op.drop_table(table, schema=SCHEMA)
