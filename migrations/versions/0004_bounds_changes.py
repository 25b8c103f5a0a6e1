"""Bounds changes: a coordinator's change of one account's bounds, or of the territory's
default bounds, recorded as signed log entries (entry type ``bounds``) and derived into
this append-only table in the same transaction.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bounds_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("unit", sa.String(length=80), nullable=True),
        sa.Column("owner_kind", sa.String(length=32), nullable=True),
        sa.Column("follows", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=False),
        sa.Column("balance_min", sa.BigInteger(), nullable=True),
        sa.Column("balance_max", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(account_id IS NOT NULL AND unit IS NULL AND owner_kind IS NULL)"
            " OR (account_id IS NULL AND unit IS NOT NULL AND owner_kind IS NOT NULL"
            " AND follows IS NULL)",
            name=op.f("ck_bounds_changes_one_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_bounds_changes_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounds_changes")),
        sa.UniqueConstraint("log_index", name=op.f("uq_bounds_changes_log_index")),
    )
    op.create_index("ix_bounds_changes_account_id", "bounds_changes", ["account_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE TRIGGER bounds_changes_append_only BEFORE UPDATE OR DELETE
               ON bounds_changes FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()"""
        )
        op.execute(
            """CREATE TRIGGER bounds_changes_no_truncate BEFORE TRUNCATE ON bounds_changes
               FOR EACH STATEMENT EXECUTE FUNCTION mutual_refuse_change()"""
        )
    else:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER bounds_changes_no_{op_name.lower()} BEFORE {op_name}
                    ON bounds_changes BEGIN SELECT RAISE(ABORT,
                    'ledger_append_only: {op_name} on bounds_changes is refused'); END"""
            )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
