"""Time bank: members and their profiles, offers and requests, exchange proposals,
notifications (and how far through the log they have been derived).

None of these is a ledger table: profiles and free text are personal data that can be
erased, proposals move nothing until a signed transaction confirms them, and
notifications are derived from the log and from proposals.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("contact", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("pact_signed_on", sa.Date(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('applied', 'active', 'refused', 'erased')",
            name=op.f("ck_members_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_members_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
    )
    op.create_index("ix_members_status_id", "members", ["status", "id"])
    op.create_table(
        "offers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("estimated_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction IN ('offer', 'request')", name=op.f("ck_offers_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_offers_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index("ix_offers_category_created_at", "offers", ["category", "created_at"])
    op.create_index("ix_offers_member_id", "offers", ["member_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider_id", sa.Uuid(), nullable=False),
        sa.Column("receiver_id", sa.Uuid(), nullable=False),
        sa.Column("provider_account", sa.Uuid(), nullable=False),
        sa.Column("receiver_account", sa.Uuid(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("memo_salt", sa.LargeBinary(), nullable=True),
        sa.Column("offer_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_proposals_minutes_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'rejected', 'expired')",
            name=op.f("ck_proposals_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_account"],
            ["accounts.id"],
            name=op.f("fk_proposals_provider_account_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["receiver_account"],
            ["accounts.id"],
            name=op.f("fk_proposals_receiver_account_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_proposals_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
    )
    op.create_index("ix_proposals_receiver_id_status", "proposals", ["receiver_id", "status"])
    op.create_index("ix_proposals_provider_id_status", "proposals", ["provider_id", "status"])
    op.create_index("ix_proposals_status_expires_at", "proposals", ["status", "expires_at"])
    op.create_table(
        "notifications",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "member_id", "kind", "source", name=op.f("uq_notifications_member_id_kind_source")
        ),
    )
    op.create_index("ix_notifications_member_id_seq", "notifications", ["member_id", "seq"])
    progress = op.create_table(
        "notification_progress",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_log_index", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_progress")),
    )
    op.bulk_insert(progress, [{"id": 1, "next_log_index": 0}])


def downgrade() -> None:
    for table in ("notification_progress", "notifications", "proposals", "offers", "members"):
        op.drop_table(table)
