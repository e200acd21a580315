"""financial schema: stripe_twin_state, the Stripe twin's objects shared by every billing replica.

Revision ID: financial_0002
Revises: financial_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "financial_0002"
down_revision = "financial_0001"
branch_labels = None
depends_on = None

SCHEMA = "financial"


def upgrade() -> None:
    op.create_table(
        "stripe_twin_state",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_twin_state"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("stripe_twin_state", schema=SCHEMA)
