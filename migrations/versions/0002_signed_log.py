"""Signed log: log entries (Merkle leaves), stored Merkle nodes, key registry, custodians,
checkpoints and cosignatures; memo salts.

Every account opening, key event and transaction is now a leaf of the log, so the log
index is shared by all three and the head's density check counts log entries.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("log_entries", "merkle_nodes", "checkpoints", "cosignatures")

PG_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION mutual_check_head_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The entries added since the last head form exactly the next indexes: with
        -- log_index as primary key this keeps the log dense, at the cost of one range scan.
        IF NEW.tree_size < OLD.tree_size
           OR (SELECT count(*) FROM log_entries WHERE log_index >= OLD.tree_size)
              <> NEW.tree_size - OLD.tree_size
           OR EXISTS (SELECT 1 FROM log_entries WHERE log_index >= NEW.tree_size) THEN
            RAISE EXCEPTION 'log_not_dense: tree size % does not match the log', NEW.tree_size
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION mutual_transaction_has_leaf() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM log_entries WHERE log_index = NEW.log_index
                       AND entity_id = NEW.id AND entry_type = 'transaction') THEN
            RAISE EXCEPTION 'leaf_missing: transaction % has no leaf at %', NEW.id, NEW.log_index
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE FUNCTION mutual_check_key_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.key_id <> OLD.key_id OR NEW.principal_id <> OLD.principal_id
           OR NEW.public_key <> OLD.public_key OR NEW.capacity <> OLD.capacity
           OR NEW.registered_at <> OLD.registered_at OR OLD.revoked_at IS NOT NULL THEN
            RAISE EXCEPTION 'ledger_append_only: a key is only ever revoked, once'
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
        for t in (*APPEND_ONLY, "signing_keys")
    ),
    """CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
       FOR EACH ROW EXECUTE FUNCTION mutual_refuse_change()""",
    """CREATE TRIGGER signing_keys_update_checked BEFORE UPDATE ON signing_keys
       FOR EACH ROW EXECUTE FUNCTION mutual_check_key_update()""",
    """CREATE TRIGGER transactions_have_leaf BEFORE INSERT ON transactions
       FOR EACH ROW EXECUTE FUNCTION mutual_transaction_has_leaf()""",
]

SQLITE_TRIGGERS = [
    *(
        f"""CREATE TRIGGER {t}_no_{op_name.lower()} BEFORE {op_name} ON {t}
            BEGIN SELECT RAISE(ABORT, 'ledger_append_only: {op_name} on {t} is refused'); END"""
        for t in APPEND_ONLY
        for op_name in ("UPDATE", "DELETE")
    ),
    """CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: DELETE on signing_keys is refused'); END""",
    """CREATE TRIGGER signing_keys_update_checked BEFORE UPDATE ON signing_keys
       WHEN NEW.key_id <> OLD.key_id OR NEW.principal_id <> OLD.principal_id
         OR NEW.public_key <> OLD.public_key OR NEW.capacity <> OLD.capacity
         OR NEW.registered_at <> OLD.registered_at OR OLD.revoked_at IS NOT NULL
       BEGIN SELECT RAISE(ABORT, 'ledger_append_only: a key is only ever revoked, once'); END""",
    """CREATE TRIGGER transactions_have_leaf BEFORE INSERT ON transactions
       WHEN NOT EXISTS (SELECT 1 FROM log_entries WHERE log_index = NEW.log_index
                        AND entity_id = NEW.id AND entry_type = 'transaction')
       BEGIN SELECT RAISE(ABORT, 'leaf_missing: transaction has no leaf'); END""",
    "DROP TRIGGER ledger_head_dense",
    """CREATE TRIGGER ledger_head_dense BEFORE UPDATE ON ledger_head
       WHEN NEW.tree_size < OLD.tree_size
         OR (SELECT count(*) FROM log_entries WHERE log_index >= OLD.tree_size)
            <> NEW.tree_size - OLD.tree_size
         OR EXISTS (SELECT 1 FROM log_entries WHERE log_index >= NEW.tree_size)
       BEGIN SELECT RAISE(ABORT, 'log_not_dense'); END""",
]


def upgrade() -> None:
    bind = op.get_bind()
    recorded = bind.execute(
        sa.text("SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM transactions)")
    ).scalar_one()
    if recorded:
        # The first release recorded unsigned transactions and accounts outside any log;
        # they cannot be given signatures after the fact, and it was never deployed.
        raise RuntimeError(
            "this ledger holds accounts or transactions recorded before signed logs; "
            "it cannot be upgraded in place"
        )
    op.create_table(
        "log_entries",
        sa.Column("log_index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry_type", sa.String(length=16), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("leaf_input", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("log_index >= 0", name=op.f("ck_log_entries_log_index_non_negative")),
        sa.PrimaryKeyConstraint("log_index", name=op.f("pk_log_entries")),
        sa.UniqueConstraint("entity_id", name=op.f("uq_log_entries_entity_id")),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_merkle_nodes")),
    )
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("capacity", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("registered_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "revoked_at IS NULL OR revoked_at > registered_at",
            name=op.f("ck_signing_keys_revoked_after"),
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_signing_keys")),
    )
    op.create_index(op.f("ix_signing_keys_principal_id"), "signing_keys", ["principal_id"])
    op.create_table(
        "custodians",
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("custodian_id", sa.Uuid(), nullable=False),
        sa.Column("appointed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("principal_id", "custodian_id", name=op.f("pk_custodians")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "cosignatures",
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tree_size"],
            ["checkpoints.tree_size"],
            name=op.f("fk_cosignatures_tree_size_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("tree_size", "key_id", name=op.f("pk_cosignatures")),
    )
    with op.batch_alter_table("transaction_memos") as batch:
        batch.add_column(sa.Column("salt", sa.LargeBinary(), nullable=True))
    if bind.dialect.name == "postgresql":
        for statement in (*PG_FUNCTIONS, *PG_TRIGGERS):
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the ledger schema is never downgraded: restore a backup instead")
