"""Members, offers and projects carry when they last changed (``updated_at``), so that a
tool syncing them asks for what changed since its last visit (``updated_since``) instead
of reading every row again. These rows are not in the log (accounts are, and are synced
by log index instead).

Existing rows take the latest time they are known to have changed. The constant default
only lets SQLite add a NOT NULL column in place (without recreating the tables and their
foreign keys); every row is then given its time, and PostgreSQL drops the default.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table and what its rows last changed at before the column existed.
_KNOWN = {
    "members": "COALESCE(erased_at, decided_at, applied_at)",
    "offers": "COALESCE(closed_at, created_at)",
    "projects": "created_at",
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, known in _KNOWN.items():
        op.add_column(
            table,
            sa.Column(
                "updated_at",
                sa.DateTime(timezone=True),
                nullable=False,
                server_default=sa.text("'1970-01-01 00:00:00'"),
            ),
        )
        op.execute(f"UPDATE {table} SET updated_at = {known}")  # noqa: S608 (constants)
        if postgresql:
            op.alter_column(table, "updated_at", server_default=None)
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
