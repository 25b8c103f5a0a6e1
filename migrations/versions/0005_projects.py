"""Projects: a territorial project, its proposing coordination group, its lead and its
accounts. The accounts and the lead's appointment as the project's custodian are ledger
entries; this table names them for people.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("group_kind", sa.String(length=16), nullable=False),
        sa.Column("group_name", sa.String(length=120), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("eur_account", sa.Uuid(), nullable=False),
        sa.Column("pledge_account", sa.Uuid(), nullable=False),
        sa.Column("time_account", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "group_kind IN ('thematic', 'resource', 'neighbourhood')",
            name=op.f("ck_projects_group_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["members.id"], name=op.f("fk_projects_lead_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["eur_account"], ["accounts.id"], name=op.f("fk_projects_eur_account_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["pledge_account"], ["accounts.id"], name=op.f("fk_projects_pledge_account_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["time_account"], ["accounts.id"], name=op.f("fk_projects_time_account_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index("ix_projects_lead_id", "projects", ["lead_id"])


def downgrade() -> None:
    op.drop_table("projects")
