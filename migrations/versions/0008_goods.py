"""Shared goods: the catalogue of kinds, collection points and their keepers, loans with
due dates, returns and gifts (the ledger holds the counts).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "good_kinds",
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_good_kinds")),
    )
    op.create_table(
        "collection_points",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("neighbourhood", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_points")),
    )
    op.create_table(
        "collection_point_keepers",
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["collection_points.id"],
            name=op.f("fk_collection_point_keepers_point_id_collection_points"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_collection_point_keepers_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("point_id", "member_id", name=op.f("pk_collection_point_keepers")),
    )
    op.create_table(
        "loans",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("returned", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("lent_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_loans_count_positive")),
        sa.CheckConstraint(
            "returned >= 0 AND returned <= count", name=op.f("ck_loans_returned_within_count")
        ),
        sa.ForeignKeyConstraint(
            ["point_id"], ["collection_points.id"], name=op.f("fk_loans_point_id_collection_points")
        ),
        sa.ForeignKeyConstraint(
            ["kind"], ["good_kinds.slug"], name=op.f("fk_loans_kind_good_kinds")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_loans_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index("ix_loans_member_id", "loans", ["member_id"])
    op.create_index("ix_loans_point_id_due_on", "loans", ["point_id", "due_on"])
    op.create_table(
        "loan_returns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("loan_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_loan_returns_count_positive")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_returns_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_returns")),
    )
    op.create_table(
        "good_gifts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("point_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=63), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("to_member", sa.Uuid(), nullable=True),
        sa.Column("household", sa.Text(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["collection_points.id"],
            name=op.f("fk_good_gifts_point_id_collection_points"),
        ),
        sa.ForeignKeyConstraint(
            ["kind"], ["good_kinds.slug"], name=op.f("fk_good_gifts_kind_good_kinds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_good_gifts")),
    )


def downgrade() -> None:
    op.drop_table("good_gifts")
    op.drop_table("loan_returns")
    op.drop_index("ix_loans_point_id_due_on", table_name="loans")
    op.drop_index("ix_loans_member_id", table_name="loans")
    op.drop_table("loans")
    op.drop_table("collection_point_keepers")
    op.drop_table("collection_points")
    op.drop_table("good_kinds")
