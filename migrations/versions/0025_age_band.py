"""A member's optional age band (one of ``core.age_bands.AGE_BANDS``), given on their
profile for the territory's reports by band and erased with the rest of the profile.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The bands as this revision knows them (core.age_bands.AGE_BANDS then); a later change
# of the list is a later revision.
BANDS = ("under_18", "18_25", "26_40", "41_60", "61_75", "over_75")


def upgrade() -> None:
    # A column with its CHECK in one ALTER TABLE, which SQLite accepts as PostgreSQL does
    # (SQLite cannot add a constraint to an existing column afterwards).
    listed = ", ".join(f"'{band}'" for band in BANDS)
    op.execute(
        "ALTER TABLE members ADD COLUMN age_band VARCHAR(16) CONSTRAINT "
        f"ck_members_age_band_known CHECK (age_band IN ({listed}))"
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
