"""auth schema: users.session_version, raised when every session of a user ends.

Revision ID: auth_0003
Revises: auth_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0003"
down_revision = "auth_0002"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=SCHEMA) as batch:
        batch.add_column(sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=SCHEMA) as batch:
        batch.drop_column("session_version")
