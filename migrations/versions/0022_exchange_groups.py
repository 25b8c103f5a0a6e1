"""A proposal may be one share of a group exchange (a workshop's receivers, each signing
their own share): ``proposals.group_id`` names the group, which the share's transaction
also carries in its signed references (its id is derived from the group and its two
accounts, ``core.derived.exchange_share_id``).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite adds a nullable column in place.
    op.add_column("proposals", sa.Column("group_id", sa.Uuid(), nullable=True))
    op.create_index("ix_proposals_group_id", "proposals", ["group_id"])


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
