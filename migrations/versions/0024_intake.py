"""Intake from self-surveys and other tools: a member's consent to a tool recording
needs and offers in their name (``intake_consents``, kept when withdrawn), and which
offers a tool recorded so (``intake_records``, with the member's neighbourhood then, to
route them to the neighbourhood's group).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_consents",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_intake_consents_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["principals.id"], name=op.f("fk_intake_consents_client_id_principals")
        ),
        sa.PrimaryKeyConstraint("member_id", "client_id", name=op.f("pk_intake_consents")),
    )
    op.create_table(
        "intake_records",
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("neighbourhood", sa.String(length=120), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_intake_records_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("offer_id", name=op.f("pk_intake_records")),
    )
    op.create_index(
        "ix_intake_records_neighbourhood_recorded_at",
        "intake_records",
        ["neighbourhood", "recorded_at"],
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
