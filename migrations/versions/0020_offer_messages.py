"""Answering an offer or a request in the page: a message to its author (and the
author's answers to whoever wrote), kept in the service (``offer_messages``), so that
answering never needs anyone's phone number.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("offer_id", sa.Uuid(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_messages_offer_id_offers")
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["members.id"], name=op.f("fk_offer_messages_sender_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["members.id"],
            name=op.f("fk_offer_messages_recipient_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_messages")),
    )
    op.create_index(
        "ix_offer_messages_offer_id_created_at", "offer_messages", ["offer_id", "created_at"]
    )
    op.create_index("ix_offer_messages_sender_id", "offer_messages", ["sender_id"])
    op.create_index("ix_offer_messages_recipient_id", "offer_messages", ["recipient_id"])


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
