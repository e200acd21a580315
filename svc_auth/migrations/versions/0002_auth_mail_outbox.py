"""auth schema: the outbox that carries mail, and the Message-IDs already sent.

Revision ID: auth_0002
Revises: auth_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime
from core.outbox import create_outbox, drop_outbox

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    create_outbox(SCHEMA)
    op.create_table(
        "sent_mail",
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("sent_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_sent_mail"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("sent_mail", schema=SCHEMA)
    drop_outbox(SCHEMA)
