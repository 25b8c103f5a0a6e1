"""Volunteer-time pledges: which PLEDGE account is whose promise, pool share or
allocation (the ledger holds the amounts; see core/pledges.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pledge_accounts",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "role IN ('promise', 'held', 'allocated')",
            name=op.f("ck_pledge_accounts_role_known"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_pledge_accounts")),
    )
    op.create_index(
        "ix_pledge_accounts_member_id_quarter", "pledge_accounts", ["member_id", "quarter"]
    )
    op.create_index(
        "ix_pledge_accounts_project_id_quarter", "pledge_accounts", ["project_id", "quarter"]
    )
    op.create_index("ix_pledge_accounts_quarter_role", "pledge_accounts", ["quarter", "role"])


def downgrade() -> None:
    op.drop_table("pledge_accounts")
