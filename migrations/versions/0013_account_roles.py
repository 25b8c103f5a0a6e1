"""Accounts carry their role: what each pooling account is for, as its opening signed it.

The rules of each transaction kind (``core.kinds``) read an account's role (a member's
promise for a quarter, the pool's share of it, an allocation, the fund, a deposit and
its repayment date, a point's stock, a member's loan); ``role_scope`` is how the writer
finds the accounts a rule reads beyond those a transaction touches (every deposit for
the fund's available balance, a member's loans for the open-loan limit). Accounts
opened before roles existed have none and keep their meaning as plain accounts.

``mutual_lock_batch`` (0012) now also answers each account's role.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK_BATCH = """
CREATE OR REPLACE FUNCTION mutual_lock_batch(
    idempotency_keys uuid[], account_ids uuid[], key_ids text[])
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    size bigint;
BEGIN
    SELECT tree_size INTO STRICT size FROM ledger_head WHERE id = 1 FOR UPDATE;
    RETURN json_build_object(
        'tree_size', size,
        'idempotency', (
            SELECT coalesce(json_agg(json_build_object(
                'key', r.key, 'request_hash', encode(r.request_hash, 'base64'),
                'outcome', r.outcome)), '[]')
            FROM idempotency_records AS r WHERE r.key = ANY(idempotency_keys)),
        'accounts', (
            SELECT coalesce(json_agg(a), '[]') FROM (
                SELECT id, unit, owner_kind, owner_id, balance_min, balance_max, balance,
                       version, role
                FROM accounts WHERE id = ANY(account_ids) ORDER BY id FOR NO KEY UPDATE) AS a),
        'keys', (
            SELECT coalesce(json_agg(json_build_object(
                'key_id', k.key_id, 'principal_id', k.principal_id,
                'public_key', encode(k.public_key, 'base64'), 'capacity', k.capacity,
                'name', k.name, 'registered_at', k.registered_at, 'revoked_at', k.revoked_at)),
                '[]')
            FROM signing_keys AS k WHERE k.key_id = ANY(key_ids)));
END $$
"""


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: SQLite adds a nullable column in place, so the
    # table (and its triggers) is not recreated.
    op.add_column("accounts", sa.Column("role", sa.Text(), nullable=True))
    op.add_column("accounts", sa.Column("role_scope", sa.String(80), nullable=True))
    op.create_index("ix_accounts_role_scope", "accounts", ["role_scope"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LOCK_BATCH)


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
