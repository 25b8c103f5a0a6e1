"""Member numbers: a short, stable number for each accepted member, in the order of
acceptance, so that two residents with the same name can be told apart ("Marie B., n° 41,
Bourtzwiller"). Members accepted before this revision are numbered by their acceptance
time (ties by id); a number is never reused, erased members keep theirs.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite adds a nullable column in place.
    op.add_column("members", sa.Column("number", sa.Integer(), nullable=True))
    op.create_index("ix_members_number", "members", ["number"], unique=True)
    members = sa.table(
        "members",
        sa.column("id", sa.Uuid()),
        sa.column("number", sa.Integer()),
        sa.column("decided_at", sa.DateTime(timezone=True)),
        sa.column("status", sa.String()),
    )
    bind = op.get_bind()
    accepted = bind.execute(
        sa.select(members.c.id)
        .where(members.c.status.in_(("active", "erased")), members.c.decided_at.is_not(None))
        .order_by(members.c.decided_at, members.c.id)
    ).all()
    for number, (member_id,) in enumerate(accepted, start=1):
        bind.execute(members.update().where(members.c.id == member_id).values(number=number))


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
