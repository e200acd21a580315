"""At most one champion per model name: a partial unique index on model_versions(name).

Revision ID: ml_0002
Revises: ml_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ml_0002"
down_revision = "ml_0001"
branch_labels = None
depends_on = None

SCHEMA = "ml"
CHAMPION = sa.text("status = 'champion'")


def upgrade() -> None:
    op.create_index(
        "uq_model_versions_one_champion",
        "model_versions",
        ["name"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=CHAMPION,
        sqlite_where=CHAMPION,
    )


def downgrade() -> None:
    op.drop_index("uq_model_versions_one_champion", table_name="model_versions", schema=SCHEMA)
