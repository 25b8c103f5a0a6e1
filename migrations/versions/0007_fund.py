"""The co-responsibility fund: partners, contributions and deposits, grants' decisions,
disbursements' payees and receipts (the ledger holds the amounts). Not ledger tables:
they name, for people, the transactions they are keyed by.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _transaction_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["id"], ["transactions.id"], name=op.f(f"fk_{table}_id_transactions")
    )


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=op.f(f"fk_{table}_project_id_projects")
    )


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('city', 'foundation', 'company', 'association', 'resident')",
            name=op.f("ck_partners_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["principal_id"], ["principals.id"], name=op.f("fk_partners_principal_id_principals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
    )
    op.create_index("ix_partners_principal_id", "partners", ["principal_id"])
    op.create_table(
        "contributions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("repayment_due", sa.Date(), nullable=True),
        sa.Column("deposit_account", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('gift', 'deposit')", name=op.f("ck_contributions_kind_known")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_contributions_amount_positive")),
        sa.CheckConstraint(
            "(kind = 'deposit') = (deposit_account IS NOT NULL)",
            name=op.f("ck_contributions_deposit_has_account"),
        ),
        _transaction_fk("contributions"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_contributions_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["deposit_account"],
            ["accounts.id"],
            name=op.f("fk_contributions_deposit_account_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    op.create_index("ix_contributions_partner_id", "contributions", ["partner_id"])
    op.create_table(
        "fund_grants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _transaction_fk("fund_grants"),
        _project_fk("fund_grants"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_grants")),
    )
    op.create_index("ix_fund_grants_project_id", "fund_grants", ["project_id"])
    op.create_table(
        "fund_disbursements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=False),
        sa.Column("receipt_ref", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _transaction_fk("fund_disbursements"),
        _project_fk("fund_disbursements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_disbursements")),
    )
    op.create_index("ix_fund_disbursements_project_id", "fund_disbursements", ["project_id"])


def downgrade() -> None:
    op.drop_table("fund_disbursements")
    op.drop_table("fund_grants")
    op.drop_table("contributions")
    op.drop_table("partners")
