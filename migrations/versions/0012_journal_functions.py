"""PostgreSQL: what a journal batch locks and reads, and the rows it appends, each in one
function call.

The journal's writer holds the ledger-wide lock while it reads and writes a batch; each
statement it sends is a round trip that also waits for the service's busy event loop,
and under load those waits, not the database's work, set how long the lock is held. The
functions run the same statements in the same order, inside the caller's transaction,
so every lock, trigger and constraint is the same; only the round trips go (a batch of
transfers took thirteen, now four with BEGIN and COMMIT). SQLite has no round trips and
keeps the statements.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The batch is ``journal_io._appended_rows`` as JSON: one array of rows per table, bytes
# as base64, times as ISO 8601, ids as text; the columns' own types do the rest.
APPEND_BATCH = """
CREATE FUNCTION mutual_append_batch(batch jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_entries (log_index, entry_type, entity_id, leaf_input, leaf_hash, recorded_at)
    SELECT x.log_index, x.entry_type, x.entity_id, decode(x.leaf_input, 'base64'),
           decode(x.leaf_hash, 'base64'), x.recorded_at
    FROM jsonb_to_recordset(batch -> 'log_entries') AS x(
        log_index bigint, entry_type text, entity_id uuid, leaf_input text, leaf_hash text,
        recorded_at timestamptz)
    ORDER BY x.log_index;

    -- Postings before their transaction: the postings trigger refuses postings added to a
    -- transaction that already exists, and the transaction's trigger checks its leaf.
    INSERT INTO postings (transaction_id, seq, account_id, unit, amount, account_version,
                          balance_after, balance_min, balance_max)
    SELECT x.transaction_id, x.seq, x.account_id, x.unit, x.amount, x.account_version,
           x.balance_after, x.balance_min, x.balance_max
    FROM jsonb_to_recordset(batch -> 'postings') AS x(
        transaction_id uuid, seq integer, account_id uuid, unit text, amount bigint,
        account_version bigint, balance_after bigint, balance_min bigint, balance_max bigint);

    INSERT INTO transactions (id, log_index, kind, initiator, "references", reverses, recorded_at)
    SELECT x.id, x.log_index, x.kind, x.initiator, x."references", x.reverses, x.recorded_at
    FROM jsonb_to_recordset(batch -> 'transactions') AS x(
        id uuid, log_index bigint, kind text, initiator uuid, "references" text, reverses uuid,
        recorded_at timestamptz)
    ORDER BY x.log_index;

    INSERT INTO transaction_memos (transaction_id, memo, salt)
    SELECT x.transaction_id, x.memo, decode(x.salt, 'base64')
    FROM jsonb_to_recordset(batch -> 'memos') AS x(transaction_id uuid, memo text, salt text);

    UPDATE accounts AS a SET balance = x.new_balance, version = x.new_version
    FROM jsonb_to_recordset(batch -> 'balances') AS x(
        account_id uuid, new_balance bigint, new_version bigint)
    WHERE a.id = x.account_id;

    INSERT INTO merkle_nodes (level, idx, hash)
    SELECT x.level, x.idx, decode(x.hash, 'base64')
    FROM jsonb_to_recordset(batch -> 'merkle_nodes') AS x(level integer, idx bigint, hash text);

    IF jsonb_array_length(batch -> 'head') > 0 THEN
        UPDATE ledger_head SET tree_size = (batch -> 'head' -> 0 ->> 'tree_size')::bigint
        WHERE id = 1;
    END IF;

    INSERT INTO idempotency_records (key, request_hash, outcome, created_at)
    SELECT x.key, decode(x.request_hash, 'base64'), x.outcome, x.created_at
    FROM jsonb_to_recordset(batch -> 'idempotency_records') AS x(
        key uuid, request_hash text, outcome text, created_at timestamptz);
END $$
"""


# The ledger-wide lock first (the log head's row: every batch of every process appends to
# the log, and under READ COMMITTED a locked row is read as its newest version, so the
# size read is current), then the rows the batch reads, the accounts locked in id order.
# FOR NO KEY UPDATE, not FOR UPDATE: a row inserted elsewhere that refers to an account
# (a pledge's account link, say) takes KEY SHARE on it, which FOR UPDATE conflicts with;
# in opposite orders the two deadlocked under load.
LOCK_BATCH = """
CREATE FUNCTION mutual_lock_batch(idempotency_keys uuid[], account_ids uuid[], key_ids text[])
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
                SELECT id, unit, owner_kind, owner_id, balance_min, balance_max, balance, version
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute(LOCK_BATCH)
        op.execute(APPEND_BATCH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION mutual_append_batch(jsonb)")
        op.execute("DROP FUNCTION mutual_lock_batch(uuid[], uuid[], text[])")
