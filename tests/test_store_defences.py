"""The database is the second line of defence: it refuses what the core would refuse,
even when a writer bypasses the core (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mutual.core.ids import TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.settings import Settings
from mutual.usecases.runtime import Runtime, new_id
from mutual.usecases.startup import open_runtime
from tests.conftest import OPERATOR, member, open_member_account, open_pool
from tests.ledger_checks import check_ledger
from tests.wallet import record

NOW = datetime(2026, 11, 23, tzinfo=UTC)


async def _seeded(rt: Runtime) -> dict[str, Any]:
    alice = member()
    a = await open_member_account(rt, alice, balance_min=-100, balance_max=100)
    pool = await open_pool(rt)
    tx = Transaction(
        TransactionId(new_id()),
        TransactionKind.COMMONS_GIFT,
        (Posting(a, TIME, -60), Posting(pool, TIME, 60)),
        alice.id,
        "don",
    )
    [outcome] = await record(rt, alice, [tx], atomic=False)
    assert outcome.accepted
    return {"a": a, "pool": pool, "tx": tx.id}


def _uuid_param(rt: Runtime, value: uuid.UUID) -> str:
    # SQLAlchemy's Uuid type stores 32 hex digits on SQLite and a native uuid on PostgreSQL.
    return value.hex if rt.db.write_engine.dialect.name == "sqlite" else str(value)


async def _refused(rt: Runtime, *statements: tuple[str, dict[str, Any]]) -> str:
    """Run the statements in one transaction; return the database's refusal message."""

    async def attempt() -> None:
        async with rt.db.write_engine.begin() as conn:
            for sql, params in statements:
                await conn.execute(text(sql), params)

    with pytest.raises(DBAPIError) as info:
        await attempt()
    await check_ledger(rt.db)
    return str(info.value.orig)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE transactions SET kind = 'grant'",
        "DELETE FROM transactions",
        "UPDATE postings SET amount = amount * 2",
        "DELETE FROM postings",
        "UPDATE idempotency_records SET outcome = '{}'",
        "DELETE FROM idempotency_records",
        "DELETE FROM accounts",
        "DELETE FROM ledger_head",
    ],
)
async def test_ledger_rows_cannot_be_edited_or_deleted(runtime: Runtime, sql: str) -> None:
    """UPDATE and DELETE on ledger tables are refused by triggers."""
    await _seeded(runtime)
    message = await _refused(runtime, (sql, {}))
    assert "ledger_append_only" in message


@pytest.mark.postgres
@pytest.mark.parametrize(
    "table",
    [
        "transactions",
        "postings",
        "idempotency_records",
        "accounts",
        "log_entries",
        "merkle_nodes",
        "signing_keys",
        "checkpoints",
    ],
)
async def test_postgres_refuses_truncate(pg_settings: Settings, table: str) -> None:
    """TRUNCATE, which bypasses row triggers (and which SQLite lacks), is refused."""
    async with open_runtime(pg_settings, migrate=False) as rt:
        await _seeded(rt)
        assert "ledger_append_only" in await _refused(rt, (f"TRUNCATE {table} CASCADE", {}))


def _posting(
    rt: Runtime, tx: uuid.UUID, seq: int, account: uuid.UUID, **kw: int | None
) -> tuple[str, dict[str, Any]]:
    values: dict[str, Any] = {
        "tx": _uuid_param(rt, tx),
        "seq": seq,
        "account": _uuid_param(rt, account),
        "amount": kw.get("amount", 10),
        "version": kw.get("version", 99),
        "after": kw.get("after", 0),
        "bmin": kw.get("bmin"),
        "bmax": kw.get("bmax"),
    }
    return (
        "INSERT INTO postings (transaction_id, seq, account_id, unit, amount, account_version,"
        " balance_after, balance_min, balance_max) VALUES"
        " (:tx, :seq, :account, 'TIME', :amount, :version, :after, :bmin, :bmax)",
        values,
    )


def _now(rt: Runtime) -> object:
    return NOW.isoformat() if rt.db.write_engine.dialect.name == "sqlite" else NOW


def _leaf(rt: Runtime, entity: uuid.UUID, log_index: int) -> tuple[str, dict[str, Any]]:
    return (
        "INSERT INTO log_entries (log_index, entry_type, entity_id, leaf_input, leaf_hash,"
        " recorded_at) VALUES (:log_index, 'transaction', :id, :input, :hash, :now)",
        {
            "log_index": log_index,
            "id": _uuid_param(rt, entity),
            "input": b"{}",
            "hash": bytes(32),
            "now": _now(rt),
        },
    )


def _transaction(rt: Runtime, tx: uuid.UUID, log_index: int) -> tuple[str, dict[str, Any]]:
    return (
        'INSERT INTO transactions (id, log_index, kind, initiator, "references", recorded_at)'
        " VALUES (:id, :log_index, 'exchange', :initiator, '{}', :now)",
        {
            "id": _uuid_param(rt, tx),
            "log_index": log_index,
            "initiator": _uuid_param(rt, OPERATOR.id),
            "now": _now(rt),
        },
    )


async def test_unbalanced_transaction_is_refused(runtime: Runtime) -> None:
    """A transaction whose postings do not sum to zero per unit cannot be committed."""
    seeded = await _seeded(runtime)
    tx = uuid.uuid4()
    message = await _refused(
        runtime,
        _posting(runtime, tx, 0, seeded["a"], amount=-5, version=2, after=-65),
        _posting(runtime, tx, 1, seeded["pool"], amount=4, version=2, after=64),
        _leaf(runtime, tx, 1000),
        _transaction(runtime, tx, 1000),
    )
    assert "transaction_not_balanced" in message


async def test_a_transaction_without_its_leaf_is_refused(runtime: Runtime) -> None:
    """Every transaction row is the leaf at its log index: none can be added outside the log."""
    seeded = await _seeded(runtime)
    tx = uuid.uuid4()
    message = await _refused(
        runtime,
        _posting(runtime, tx, 0, seeded["a"], amount=-5, version=2, after=-65),
        _posting(runtime, tx, 1, seeded["pool"], amount=5, version=2, after=65),
        _transaction(runtime, tx, 1000),
    )
    assert "leaf_missing" in message


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE log_entries SET leaf_hash = leaf_input",
        "DELETE FROM log_entries",
        "UPDATE merkle_nodes SET hash = hash",
        "DELETE FROM merkle_nodes",
        "DELETE FROM signing_keys",
        "UPDATE signing_keys SET principal_id = principal_id, capacity = 'operator'",
    ],
)
async def test_the_log_and_registry_cannot_be_rewritten(runtime: Runtime, sql: str) -> None:
    """Leaves and Merkle nodes are append-only; a key is never deleted nor changed in kind."""
    await _seeded(runtime)
    assert "ledger_append_only" in await _refused(runtime, (sql, {}))


async def test_posting_to_a_recorded_transaction_is_refused(runtime: Runtime) -> None:
    """No posting can be added to a transaction already recorded."""
    seeded = await _seeded(runtime)
    message = await _refused(runtime, _posting(runtime, seeded["tx"], 5, seeded["pool"]))
    assert "ledger_append_only" in message


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"amount": 0}, "amount_non_zero"),
        ({"amount": 2**53 + 1}, "amount_in_range"),
        ({"amount": -50, "after": -110, "bmin": -100}, "debit_within_balance_min"),
        ({"amount": 50, "after": 110, "bmax": 100}, "credit_within_balance_max"),
        ({"version": 1}, "account_version"),  # the (account, version) pair already exists
    ],
)
async def test_posting_checks(runtime: Runtime, fields: dict[str, int], constraint: str) -> None:
    """Constraints refuse zero or huge amounts, bound-breaking postings and reused versions."""
    seeded = await _seeded(runtime)
    message = await _refused(runtime, _posting(runtime, uuid.uuid4(), 0, seeded["a"], **fields))
    assert constraint in message


async def test_balance_cannot_be_pushed_past_a_bound(runtime: Runtime) -> None:
    """Updating a stored balance below its balance_min is refused by a trigger."""
    seeded = await _seeded(runtime)
    message = await _refused(
        runtime,
        (
            "UPDATE accounts SET balance = -500, version = version + 1 WHERE id = :id",
            {"id": _uuid_param(runtime, seeded["a"])},
        ),
    )
    assert "exceeds_balance_min" in message


async def test_log_cannot_skip_an_index(runtime: Runtime) -> None:
    """The head cannot move past transactions that are not there: the log stays dense."""
    await _seeded(runtime)
    message = await _refused(runtime, ("UPDATE ledger_head SET tree_size = tree_size + 1", {}))
    assert "log_not_dense" in message


async def test_a_transaction_is_reversed_at_most_once_in_the_database(runtime: Runtime) -> None:
    """A unique index refuses a second row reversing the same transaction."""
    seeded = await _seeded(runtime)
    first, second = uuid.uuid4(), uuid.uuid4()
    reverses = _uuid_param(runtime, seeded["tx"])

    def reversal(tx: uuid.UUID, index: int) -> list[tuple[str, dict[str, Any]]]:
        sql, params = _transaction(runtime, tx, 1000 + index)
        return [
            _leaf(runtime, tx, 1000 + index),
            _posting(runtime, tx, 0, seeded["pool"], amount=-60, version=2 + index, after=0),
            _posting(runtime, tx, 1, seeded["a"], amount=60, version=1 + index, after=0),
            (
                sql.replace("recorded_at)", "recorded_at, reverses)").replace(
                    ":now)", ":now, :rev)"
                ),
                {**params, "rev": reverses},
            ),
        ]

    await _refused(runtime, *reversal(first, 1), *reversal(second, 2))
