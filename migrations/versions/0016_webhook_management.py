"""Webhooks managed one by one: creation made idempotent by the owner's
``Idempotency-Key`` (with the digest of the request it answered), a rolled secret's
predecessor kept for an overlap, and since when a receiver has failed without a break
(it is disabled past ``MUTUAL_WEBHOOK_DISABLE_AFTER_SECONDS``, and why it was disabled
is kept).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("request_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("previous_secret", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disabled_reason", sa.String(length=16), nullable=True))
        batch.create_index(
            "ux_webhook_subscriptions_owner_id_idempotency_key",
            ["owner_id", "idempotency_key"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_index("ux_webhook_subscriptions_owner_id_idempotency_key")
        for column in (
            "disabled_reason",
            "failing_since",
            "previous_secret_until",
            "previous_secret",
            "request_sha256",
            "idempotency_key",
        ):
            batch.drop_column(column)
