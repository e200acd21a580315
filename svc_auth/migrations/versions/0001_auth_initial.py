"""auth schema: users, refresh tokens, email tokens, 2FA, OAuth, service credentials.

Revision ID: auth_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = None

SCHEMA = "auth"


def _fk_user() -> sa.ForeignKey:
    return sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("email_verified", sa.Boolean, nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("plan", sa.String(20), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean, nullable=False),
        sa.Column("totp_last_step", sa.BigInteger, nullable=False),
        sa.Column("risk_tolerance", sa.String(20), nullable=False),
        sa.Column("max_drawdown_percent", sa.Integer, nullable=False),
        sa.Column("horizon_months", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        schema=SCHEMA,
    )
    op.create_index("ix_users_email", "users", ["email"], schema=SCHEMA)
    op.create_index(
        "uq_users_verified_email",
        "users",
        ["email"],
        unique=True,
        schema=SCHEMA,
        sqlite_where=sa.text("email_verified"),
        postgresql_where=sa.text("email_verified"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("family_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), _fk_user(), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("spent_at", UtcDateTime, nullable=True),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_refresh_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_refresh_tokens_token_hash"),
        schema=SCHEMA,
    )
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"], schema=SCHEMA)
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], schema=SCHEMA)
    op.create_table(
        "email_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), _fk_user(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_email_tokens"),
        schema=SCHEMA,
    )
    op.create_index("ix_email_tokens_user_id", "email_tokens", ["user_id"], schema=SCHEMA)
    op.create_table(
        "two_factor_challenges",
        sa.Column("challenge_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), _fk_user(), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("challenge_hash", name="pk_two_factor_challenges"),
        schema=SCHEMA,
    )
    op.create_index("ix_two_factor_challenges_user_id", "two_factor_challenges", ["user_id"], schema=SCHEMA)
    op.create_table(
        "recovery_codes",
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(32), _fk_user(), nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name="pk_recovery_codes"),
        schema=SCHEMA,
    )
    op.create_index("ix_recovery_codes_user_id", "recovery_codes", ["user_id"], schema=SCHEMA)
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oauth_states"),
        schema=SCHEMA,
    )
    op.create_table(
        "oauth_identities",
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(32), _fk_user(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("provider", "subject", name="pk_oauth_identities"),
        schema=SCHEMA,
    )
    op.create_index("ix_oauth_identities_user_id", "oauth_identities", ["user_id"], schema=SCHEMA)
    op.create_table(
        "service_credentials",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scopes", sa.String(5000), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("key_prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_credentials"),
        sa.UniqueConstraint("key_hash", name="uq_service_credentials_key_hash"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "service_credentials",
        "oauth_identities",
        "oauth_states",
        "recovery_codes",
        "two_factor_challenges",
        "email_tokens",
        "refresh_tokens",
        "users",
    ):
        op.drop_table(table, schema=SCHEMA)
