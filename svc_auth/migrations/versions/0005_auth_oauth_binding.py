"""auth schema: oauth_states.binding_hash, tying a started OAuth sign-in to its browser.

Revision ID: auth_0005
Revises: auth_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0005"
down_revision = "auth_0004"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    with op.batch_alter_table("oauth_states", schema=SCHEMA) as batch:
        batch.add_column(sa.Column("binding_hash", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("oauth_states", schema=SCHEMA) as batch:
        batch.drop_column("binding_hash")
