"""Projects followed after funding: a project's sheet (description, neighbourhood, the
coordination group following it, status, dates, what it needs), residents' project ideas
submitted to a group, the indicators the group agreed for a project, and the lead's
quarterly follow-ups with the group's co-evaluation. Rows beside the log: the money and
hours stay the ledger's.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As this revision knows them (core.project_sheets then); a later change is a later
# revision.
STATUSES = ("idea", "proposed", "funded", "in_progress", "done", "abandoned")
ASSESSMENTS = ("on_track", "partly", "off_track")


def _listed(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    # Plain ADD COLUMNs, which SQLite accepts as PostgreSQL does: a batch rebuild of
    # ``projects`` would have to drop a table that the fund's tables refer to. The
    # status's CHECK goes with its column (SQLite adds no constraint afterwards).
    for column in (
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("needs_eur", sa.BigInteger(), nullable=True),
        sa.Column("needs_minutes", sa.BigInteger(), nullable=True),
        sa.Column("needs_goods", sa.String(length=500), nullable=True),
    ):
        op.add_column("projects", column)
    op.execute(
        "ALTER TABLE projects ADD COLUMN status VARCHAR(16) DEFAULT 'proposed' NOT NULL "
        f"CONSTRAINT ck_projects_status_known CHECK (status IN ({_listed(STATUSES)}))"
    )
    op.create_index("ix_projects_group_id", "projects", ["group_id"])
    op.create_table(
        "project_ideas",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'accepted', 'declined')",
            name=op.f("ck_project_ideas_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_project_ideas_author_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_ideas_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_ideas")),
    )
    op.create_index(
        "ix_project_ideas_group_id_created_at", "project_ideas", ["group_id", "created_at"]
    )
    op.create_table(
        "project_indicators",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=False),
        sa.Column("defined_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_indicators_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_indicators")),
        sa.UniqueConstraint(
            "project_id", "name", name=op.f("uq_project_indicators_project_id_name")
        ),
    )
    op.create_table(
        "project_followups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("obstacles", sa.Text(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("indicator_values", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.Uuid(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessment", sa.String(length=16), nullable=True),
        sa.Column("evaluation_comment", sa.Text(), nullable=True),
        sa.Column("evaluated_by", sa.Uuid(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            f"assessment IN ({_listed(ASSESSMENTS)})",
            name=op.f("ck_project_followups_assessment_known"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_followups_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_followups")),
        sa.UniqueConstraint(
            "project_id", "quarter", name=op.f("uq_project_followups_project_id_quarter")
        ),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
