"""investment and broker_integration schemas: KYC, investment accounts, transfers, agent decisions,
snapshots, the investment outbox and the execution log.

Revision ID: investment_0001
Revises: trading_0003
"""

from __future__ import annotations

from alembic import op

from svc_broker.investment.models import Base, Integration

revision = "investment_0001"
down_revision = "trading_0003"
branch_labels = None
depends_on = None

# The first revision of these schemas: created from their declarations as they were written
# together with it; later changes come as ordinary column operations in their own revisions.
METADATAS = (Base.metadata, Integration.metadata)


def upgrade() -> None:
    bind = op.get_bind()
    for metadata in METADATAS:
        metadata.create_all(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for metadata in reversed(METADATAS):
        metadata.drop_all(bind)
