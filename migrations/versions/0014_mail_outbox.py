"""Notices by e-mail: each member's choice (immediately, a daily digest, never), the mail
outbox (one row per notification taken in, with its delivery state, attempts and next
attempt, so that a mail server that fails loses nothing) and the mailer's cursor over
the notifications.

The cursor starts at the newest notification: what members were told before e-mail
existed is not sent now.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_preferences",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("notices", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "notices IN ('immediate', 'digest', 'never')",
            name=op.f("ck_mail_preferences_notices_known"),
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_mail_preferences")),
    )
    op.create_table(
        "mail_outbox",
        sa.Column("notification_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "delivery IN ('immediate', 'digest', 'never')",
            name=op.f("ck_mail_outbox_delivery_known"),
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'sent', 'skipped', 'failed', 'expired')",
            name=op.f("ck_mail_outbox_state_known"),
        ),
        sa.PrimaryKeyConstraint("notification_seq", name=op.f("pk_mail_outbox")),
    )
    op.create_index(
        "ix_mail_outbox_state_next_attempt_at", "mail_outbox", ["state", "next_attempt_at"]
    )
    op.create_index("ix_mail_outbox_member_id", "mail_outbox", ["member_id"])
    op.create_table(
        "mail_progress",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_progress")),
    )
    op.execute(
        "INSERT INTO mail_progress (id, last_seq) "
        "SELECT 1, COALESCE(MAX(seq), 0) FROM notifications"
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
