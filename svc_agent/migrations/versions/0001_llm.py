"""llm schema: conversations, messages (with tool calls and token counts) and trade proposals.

Revision ID: llm_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "llm_0001"
down_revision = None
branch_labels = ("llm",)
depends_on = None

SCHEMA = "llm"


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("message_count", sa.Integer, nullable=False),
        sa.Column("last_message_preview", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversations"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_conversations_user_id_updated_at", "conversations", ["user_id", "updated_at"], schema=SCHEMA
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey(
                f"{SCHEMA}.conversations.id",
                ondelete="CASCADE",
                name="fk_messages_conversation_id_conversations",
            ),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("tool_calls", sa.JSON, nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("stop_reason", sa.String(16), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False),
        sa.Column("output_tokens", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        schema=SCHEMA,
    )
    op.create_index("ix_messages_conversation_id_seq", "messages", ["conversation_id", "seq"], schema=SCHEMA)
    op.create_table(
        "trade_proposals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey(
                f"{SCHEMA}.conversations.id",
                ondelete="CASCADE",
                name="fk_trade_proposals_conversation_id_conversations",
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_trade_proposals"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_trade_proposals_conversation_id_status",
        "trade_proposals",
        ["conversation_id", "status"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("trade_proposals", schema=SCHEMA)
    op.drop_table("messages", schema=SCHEMA)
    op.drop_table("conversations", schema=SCHEMA)
