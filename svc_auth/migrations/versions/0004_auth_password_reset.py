"""auth schema: single-use password reset tokens.

Revision ID: auth_0004
Revises: auth_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "auth_0004"
down_revision = "auth_0003"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    op.create_table(
        "password_reset_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_password_reset_tokens"),
        schema=SCHEMA,
    )
    op.create_index("ix_password_reset_tokens_user_id", "password_reset_tokens", ["user_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_password_reset_tokens_user_id", "password_reset_tokens", schema=SCHEMA)
    op.drop_table("password_reset_tokens", schema=SCHEMA)
