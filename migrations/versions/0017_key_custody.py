"""Members' keys in their own custody: the recoveries the log holds (request, signed
time and wait, how each ended) and the erasable free-text notes of key events, whose
signed reason is now a code.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_recoveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("by_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wait_seconds", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.BigInteger(), nullable=True),
        sa.Column("completed_time", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'cancelled', 'completed')",
            name=op.f("ck_key_recoveries_status_known"),
        ),
        sa.CheckConstraint("wait_seconds >= 0", name=op.f("ck_key_recoveries_wait_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_recoveries")),
    )
    op.create_index("ix_key_recoveries_principal_id", "key_recoveries", ["principal_id"])
    op.create_table(
        "key_event_notes",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_key_event_notes")),
    )
    op.create_index("ix_key_event_notes_principal_id", "key_event_notes", ["principal_id"])


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
