"""auth schema: users.deleted_at, set when a user deletes the account.

Revision ID: auth_0006
Revises: auth_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.db import UtcDateTime

revision = "auth_0006"
down_revision = "auth_0005"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=SCHEMA) as batch:
        batch.add_column(sa.Column("deleted_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=SCHEMA) as batch:
        batch.drop_column("deleted_at")
