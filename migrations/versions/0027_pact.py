"""The territorial pact: where each pact entry (a version published, a signature, an
invitation) is in the log (``pact_entries``), so the writer and the reads fold the pact's
entries without scanning the whole log. What the pact holds stays in the log's entries
(signed by the log key); this table only indexes them and, like the log, is never changed.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pact_entries",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_pact_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_pact_entries_entry_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE TRIGGER pact_entries_append_only BEFORE UPDATE OR DELETE
               ON pact_entries FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()"""
        )
        op.execute(
            """CREATE TRIGGER pact_entries_no_truncate BEFORE TRUNCATE ON pact_entries
               FOR EACH STATEMENT EXECUTE FUNCTION mutual_refuse_change()"""
        )
    else:
        for op_name in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER pact_entries_no_{op_name.lower()} BEFORE {op_name}
                    ON pact_entries BEGIN SELECT RAISE(ABORT,
                    'ledger_append_only: {op_name} on pact_entries is refused'); END"""
            )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
