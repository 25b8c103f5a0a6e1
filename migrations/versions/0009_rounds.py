"""Allocation rounds: where each round's log entries are, each round's head (which the
writer compares a new entry with), and the texts a round commits to by hash only.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_entries",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_round_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_round_entries_entry_id")),
    )
    op.create_index("ix_round_entries_round_id", "round_entries", ["round_id"])
    op.create_table(
        "round_heads",
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("head_id", sa.Uuid(), nullable=False),
        sa.Column("acts", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("acts >= 0", name=op.f("ck_round_heads_acts_not_negative")),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_heads")),
    )
    op.create_table(
        "round_texts",
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("round_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_round_texts")),
    )
    op.create_index("ix_round_texts_round_id", "round_texts", ["round_id"])
    op.create_index("ix_round_texts_author_id", "round_texts", ["author_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE TRIGGER round_entries_append_only BEFORE UPDATE OR DELETE
               ON round_entries FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()"""
        )
        op.execute(
            """CREATE TRIGGER round_entries_no_truncate BEFORE TRUNCATE ON round_entries
               FOR EACH STATEMENT EXECUTE FUNCTION mutual_refuse_change()"""
        )
    else:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER round_entries_no_{op_name.lower()} BEFORE {op_name}
                    ON round_entries BEGIN SELECT RAISE(ABORT,
                    'ledger_append_only: {op_name} on round_entries is refused'); END"""
            )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
