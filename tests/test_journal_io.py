"""PostgreSQL's writer locks and reads a batch in one call and appends its rows in another
(migration 0012); SQLite runs the same statements one by one. These tests hold the two
forms to each other on PostgreSQL: the same rows read, the same rows written."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from mutual.core.accounts import OwnerKind
from mutual.core.authority import Principal, Role
from mutual.core.ids import AccountId, PrincipalId, TransactionId
from mutual.core.transactions import Posting, Transaction, TransactionKind
from mutual.core.units import TIME
from mutual.settings import Settings
from mutual.store import journal_io
from mutual.store.principals import ensure_principal
from mutual.usecases.accounts import create_account
from mutual.usecases.runtime import Runtime
from mutual.usecases.startup import open_runtime
from tests.conftest import OPERATOR
from tests.wallet import ensure_key, record

FIXED = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POOL = AccountId(uuid.UUID(int=0xB00))


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(int=0xA000 + n)


async def _territory(rt: Runtime, members: int) -> list[tuple[Principal, AccountId]]:
    """A pool and ``members`` members with accounts and keys, every id fixed."""
    await create_account(
        rt,
        OPERATOR,
        account_id=POOL,
        unit=str(TIME),
        owner_kind=OwnerKind.COMMONS_POOL,
        owner_id="commons",
        balance_min=None,
        balance_max=None,
    )
    opened = []
    for n in range(members):
        person = Principal(PrincipalId(_id(n)), frozenset({Role.MEMBER}))
        await ensure_principal(rt.db, person.id, person.roles, now=rt.clock())
        account, _ = await create_account(
            rt,
            OPERATOR,
            account_id=AccountId(_id(100 + n)),
            unit=str(TIME),
            owner_kind=OwnerKind.MEMBER,
            owner_id=str(person.id),
            balance_min=-600,
            balance_max=600,
        )
        await ensure_key(rt, person.id)
        opened.append((person, account.id))
    return opened


def _gift(n: int, account: AccountId, person: Principal, minutes: int) -> Transaction:
    return Transaction(
        TransactionId(_id(1000 + n)),
        TransactionKind.COMMONS_GIFT,
        (Posting(account, TIME, -minutes), Posting(POOL, TIME, minutes)),
        person.id,
        f"don {n}" if n % 2 else "",
    )


async def _load(rt: Runtime) -> None:
    """Gifts in atomic and single batches, a refusal (over the bound) and a replay."""
    people = await _territory(rt, 6)
    gifts = [_gift(n, a, p, 10 + n) for n, (p, a) in enumerate(people)]
    assert all(o.accepted for o in await record(rt, OPERATOR, gifts[:3], atomic=True))
    for gift in gifts[3:]:
        [outcome] = await record(rt, OPERATOR, [gift], atomic=False)
        assert outcome.accepted
    person, account = people[0]
    [refused] = await record(rt, OPERATOR, [_gift(50, account, person, 5000)], atomic=False)
    assert not refused.accepted
    [replayed] = await record(rt, OPERATOR, [gifts[0]], atomic=False)
    assert replayed.replayed


TABLES = {
    "log_entries": "log_index",
    "postings": "transaction_id, seq",
    "transactions": "id",
    "transaction_memos": "transaction_id",
    "accounts": "id",
    "merkle_nodes": "level, idx",
    "ledger_head": "id",
    "idempotency_records": "key",
    "signing_keys": "key_id",
}


async def _dump(rt: Runtime) -> dict[str, list[Any]]:
    async with rt.db.read_engine.connect() as conn:
        return {
            table: [
                tuple(row)
                for row in await conn.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))
            ]
            for table, order in TABLES.items()
        }


def test_one_call_writes_what_the_statements_write(
    fresh_database: Callable[[str], Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same requests at the same time on two PostgreSQL databases, one appending
    through ``mutual_append_batch`` and one through the statements SQLite uses: every
    row of the log, the ledger and the idempotency records is the same, byte for byte."""
    databases = [fresh_database("postgres") for _ in range(2)]

    async def load_and_dump(settings: Settings) -> dict[str, list[Any]]:
        async with open_runtime(settings, migrate=False) as rt:
            rt.clock = lambda: FIXED
            await _load(rt)
            return await _dump(rt)

    by_call = asyncio.run(load_and_dump(databases[0]))
    monkeypatch.setattr(journal_io, "_append_in_one_call", journal_io._append_by_statements)
    by_statements = asyncio.run(load_and_dump(databases[1]))
    assert by_call["log_entries"], "nothing was written"
    assert by_call["transaction_memos"]
    assert by_call["idempotency_records"]
    for table in TABLES:
        assert by_call[table] == by_statements[table], table


def test_one_call_reads_what_the_statements_read(
    fresh_database: Callable[[str], Settings],
) -> None:
    """``mutual_lock_batch`` answers what the statements read: the head, the idempotency
    records, the accounts and the keys named (and nothing for a name that is not there)."""
    asyncio.run(_read_both_ways(fresh_database("postgres")))


async def _read_both_ways(settings: Settings) -> None:
    async with open_runtime(settings, migrate=False) as rt:
        await _load(rt)
        async with rt.db.read_engine.connect() as conn:
            keys = {
                uuid.UUID(str(k))
                for k in (await conn.execute(text("SELECT key FROM idempotency_records"))).scalars()
            }
            key_ids = set((await conn.execute(text("SELECT key_id FROM signing_keys"))).scalars())
        accounts = {POOL, AccountId(_id(100)), AccountId(_id(103)), AccountId(uuid.uuid4())}
        keys.add(uuid.uuid4())
        key_ids.add("0" * 64)
        answers = []
        for reader in (journal_io._lock_in_one_call, journal_io._read_by_statements):
            async with rt.db.write_engine.begin() as conn:
                answers.append(await reader(conn, keys, accounts, key_ids))
    locked, read = answers
    assert locked == read
    assert locked.tree_size > 0
    assert len(locked.accounts) == 3
    assert len(locked.keys) == len(key_ids) - 1
    assert len(locked.idempotency) == len(keys) - 1
