"""A collection point's opening hours, in its keepers' words; and coordinators' operator
keys waiting for an operator to register them (the registration the coordinator's page
signed with the new key, kept until then; the log holds it once registered).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("collection_points") as batch:
        batch.add_column(sa.Column("opening_hours", sa.Text(), nullable=True))
    op.create_table(
        "operator_key_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'registered')",
            name=op.f("ck_operator_key_requests_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_key_requests")),
        sa.UniqueConstraint("key_id", name=op.f("uq_operator_key_requests_key_id")),
    )
    op.create_index(
        "ix_operator_key_requests_principal_id", "operator_key_requests", ["principal_id"]
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
