"""Associations as members of the time bank: an organisation's name and neighbourhood
beside the principal the log knows it by and its TIME account (``associations``); who
acts for it is the log's custodian appointments, not a column here.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "associations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("neighbourhood", sa.String(120), nullable=False),
        sa.Column("time_account", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["time_account"], ["accounts.id"], name=op.f("fk_associations_time_account_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associations")),
    )
    op.create_index("ix_associations_updated_at", "associations", ["updated_at"])


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
