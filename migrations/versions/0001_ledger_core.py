"""Ledger core: principals, tokens, accounts, transactions, postings, idempotency records.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMIT = str(2**53)
APPEND_ONLY = ("transactions", "postings", "idempotency_records")

# Each trigger's message starts with a stable code so the write path can tell which
# line of defence fired.
PG_FUNCTIONS = [
    """
    CREATE FUNCTION mutual_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger_append_only: % on % is refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    """
    CREATE FUNCTION mutual_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM postings WHERE transaction_id = NEW.id) < 2
           OR EXISTS (SELECT 1 FROM postings WHERE transaction_id = NEW.id
                      GROUP BY unit HAVING sum(amount) <> 0) THEN
            RAISE EXCEPTION 'transaction_not_balanced: %', NEW.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION mutual_posting_to_new_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id) THEN
            RAISE EXCEPTION 'ledger_append_only: posting added to recorded transaction %',
                NEW.transaction_id USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION mutual_check_account_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id <> OLD.id OR NEW.unit <> OLD.unit OR NEW.owner_kind <> OLD.owner_kind
           OR NEW.owner_id <> OLD.owner_id OR NEW.version < OLD.version THEN
            RAISE EXCEPTION 'ledger_append_only: account identity and version are fixed'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NEW.balance < OLD.balance AND NEW.balance_min IS NOT NULL
           AND NEW.balance < NEW.balance_min THEN
            RAISE EXCEPTION 'exceeds_balance_min: account %', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.balance > OLD.balance AND NEW.balance_max IS NOT NULL
           AND NEW.balance > NEW.balance_max THEN
            RAISE EXCEPTION 'exceeds_balance_max: account %', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION mutual_check_head_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The rows added since the last head form exactly the next indexes: with
        -- unique log_index this keeps the log dense, at the cost of one range scan.
        IF NEW.tree_size < OLD.tree_size
           OR (SELECT count(*) FROM transactions WHERE log_index >= OLD.tree_size)
              <> NEW.tree_size - OLD.tree_size
           OR EXISTS (SELECT 1 FROM transactions WHERE log_index >= NEW.tree_size) THEN
            RAISE EXCEPTION 'log_not_dense: tree size % does not match the log', NEW.tree_size
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
]

PG_TRIGGERS = [
    *(
        f"""CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
            FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()"""
        for t in APPEND_ONLY
    ),
    *(
        f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
            FOR EACH STATEMENT EXECUTE FUNCTION mutual_refuse_change()"""
        for t in (*APPEND_ONLY, "accounts", "ledger_head")
    ),
    """CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
       FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()""",
    """CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
       FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()""",
    # Deferred to commit, so that it sees every posting of the transaction whatever
    # order the rows were inserted in.
    """CREATE CONSTRAINT TRIGGER transactions_balanced AFTER INSERT ON transactions
       DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW EXECUTE FUNCTION mutual_check_balanced()""",
    """CREATE TRIGGER postings_to_new_transaction BEFORE INSERT ON postings
       FOR EACH ROW EXECUTE FUNCTION mutual_posting_to_new_transaction()""",
    """CREATE TRIGGER accounts_update_checked BEFORE UPDATE ON accounts
       FOR EACH ROW EXECUTE FUNCTION mutual_check_account_update()""",
    """CREATE TRIGGER ledger_head_dense BEFORE UPDATE ON ledger_head
       FOR EACH ROW EXECUTE FUNCTION mutual_check_head_update()""",
]

# SQLite has no deferred triggers: the write path inserts a transaction's postings
# first and its row last, and the row's insert trigger checks the postings balance.
SQLITE_TRIGGERS = [
    *(
        f"""CREATE TRIGGER {t}_no_{op_name.lower()} BEFORE {op_name} ON {t}
            BEGIN SELECT RAISE(ABORT, 'ledger_append_only: {op_name} on {t} is refused'); END"""
        for t in APPEND_ONLY
        for op_name in ("UPDATE", "DELETE")
    ),
    """CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: DELETE on accounts is refused'); END""",
    """CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_head
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: DELETE on ledger_head is refused'); END""",
    """CREATE TRIGGER transactions_balanced AFTER INSERT ON transactions
       WHEN (SELECT count(*) FROM postings WHERE transaction_id = NEW.id) < 2
         OR EXISTS (SELECT 1 FROM postings WHERE transaction_id = NEW.id
                    GROUP BY unit HAVING sum(amount) <> 0)
       BEGIN SELECT RAISE(ABORT, 'transaction_not_balanced'); END""",
    """CREATE TRIGGER postings_to_new_transaction BEFORE INSERT ON postings
       WHEN EXISTS (SELECT 1 FROM transactions WHERE id = NEW.transaction_id)
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: posting added to a recorded transaction');
       END""",
    """CREATE TRIGGER accounts_identity_fixed BEFORE UPDATE ON accounts
       WHEN NEW.id <> OLD.id OR NEW.unit <> OLD.unit OR NEW.owner_kind <> OLD.owner_kind
         OR NEW.owner_id <> OLD.owner_id OR NEW.version < OLD.version
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: account identity and version are fixed');
       END""",
    """CREATE TRIGGER accounts_balance_min BEFORE UPDATE ON accounts
       WHEN NEW.balance < OLD.balance AND NEW.balance_min IS NOT NULL
         AND NEW.balance < NEW.balance_min
       BEGIN SELECT RAISE(ABORT, 'exceeds_balance_min'); END""",
    """CREATE TRIGGER accounts_balance_max BEFORE UPDATE ON accounts
       WHEN NEW.balance > OLD.balance AND NEW.balance_max IS NOT NULL
         AND NEW.balance > NEW.balance_max
       BEGIN SELECT RAISE(ABORT, 'exceeds_balance_max'); END""",
    """CREATE TRIGGER ledger_head_dense BEFORE UPDATE ON ledger_head
       WHEN NEW.tree_size < OLD.tree_size
         OR (SELECT count(*) FROM transactions WHERE log_index >= OLD.tree_size)
            <> NEW.tree_size - OLD.tree_size
         OR EXISTS (SELECT 1 FROM transactions WHERE log_index >= NEW.tree_size)
       BEGIN SELECT RAISE(ABORT, 'log_not_dense'); END""",
]


def upgrade() -> None:
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_ledger_head_single_row")),
        sa.CheckConstraint("tree_size >= 0", name=op.f("ck_ledger_head_tree_size_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.execute("INSERT INTO ledger_head (id, tree_size) VALUES (1, 0)")
    op.create_table(
        "principals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
    )
    op.create_table(
        "principal_roles",
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_principal_roles_principal_id_principals"),
        ),
        sa.PrimaryKeyConstraint("principal_id", "role", name=op.f("pk_principal_roles")),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"], ["principals.id"], name=op.f("fk_tokens_principal_id_principals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_index(op.f("ix_tokens_principal_id"), "tokens", ["principal_id"])
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("owner_kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=200), nullable=False),
        sa.Column("balance_min", sa.BigInteger(), nullable=True),
        sa.Column("balance_max", sa.BigInteger(), nullable=True),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "balance_min IS NULL OR balance_max IS NULL OR balance_min <= balance_max",
            name=op.f("ck_accounts_bounds_ordered"),
        ),
        sa.CheckConstraint("version >= 0", name=op.f("ck_accounts_version_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    op.create_index("ix_accounts_owner_id_unit_id", "accounts", ["owner_id", "unit", "id"])
    op.create_index("ix_accounts_unit_id", "accounts", ["unit", "id"])
    op.create_table(
        "transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("initiator", sa.Uuid(), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("reverses", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("log_index >= 0", name=op.f("ck_transactions_log_index_non_negative")),
        sa.ForeignKeyConstraint(
            ["reverses"], ["transactions.id"], name=op.f("fk_transactions_reverses_transactions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
        sa.UniqueConstraint("log_index", name=op.f("uq_transactions_log_index")),
        sa.UniqueConstraint("reverses", name=op.f("uq_transactions_reverses")),
    )
    op.create_table(
        "transaction_memos",
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_transaction_memos_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_transaction_memos")),
    )
    op.create_table(
        "postings",
        sa.Column("transaction_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("unit", sa.String(length=80), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("account_version", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("balance_min", sa.BigInteger(), nullable=True),
        sa.Column("balance_max", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_postings_amount_non_zero")),
        sa.CheckConstraint(
            f"amount BETWEEN -{LIMIT} AND {LIMIT}", name=op.f("ck_postings_amount_in_range")
        ),
        sa.CheckConstraint(
            "account_version >= 1", name=op.f("ck_postings_account_version_positive")
        ),
        sa.CheckConstraint(
            "amount > 0 OR balance_min IS NULL OR balance_after >= balance_min",
            name=op.f("ck_postings_debit_within_balance_min"),
        ),
        sa.CheckConstraint(
            "amount < 0 OR balance_max IS NULL OR balance_after <= balance_max",
            name=op.f("ck_postings_credit_within_balance_max"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_postings_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_postings_transaction_id_transactions"),
            deferrable=True,
            initially="DEFERRED",
        ),
        sa.PrimaryKeyConstraint("transaction_id", "seq", name=op.f("pk_postings")),
        sa.UniqueConstraint(
            "account_id", "account_version", name=op.f("uq_postings_account_id_account_version")
        ),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_records")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
