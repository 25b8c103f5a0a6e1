"""Reading accounts back, and the bounds changes that concern them."""

from __future__ import annotations

import json

from sqlalchemy import CompoundSelect, Row, select, union
from sqlalchemy.ext.asyncio import AsyncConnection

from mutual.core.accounts import Account, OwnerKind
from mutual.core.entries import EntryType
from mutual.core.ids import AccountId
from mutual.core.roles import parse_role
from mutual.core.units import Unit
from mutual.store.database import Database
from mutual.store.tables import accounts, bounds_changes, log_entries, postings, transactions


def account_of_row(row: Row[tuple[object, ...]]) -> Account:
    m = row._mapping
    return Account(
        AccountId(m["id"]),
        Unit(m["unit"]),
        OwnerKind(m["owner_kind"]),
        m["owner_id"],
        m["balance_min"],
        m["balance_max"],
        m["balance"],
        m["version"],
        None if m["role"] is None else parse_role(json.loads(m["role"])),
    )


async def get_account(db: Database, account_id: AccountId) -> Account | None:
    async with db.reading() as conn:
        row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return None if row is None else account_of_row(row)


async def list_accounts(
    db: Database,
    *,
    owner_id: str | None,
    unit: Unit | None,
    after: AccountId | None,
    limit: int,
    after_index: int | None = None,
) -> list[Account]:
    """Accounts in id order after the keyset cursor ``after``; with ``after_index``, only
    those the log changed past that index (opened, moved by a posting, or bounded)."""
    query = select(accounts).order_by(accounts.c.id).limit(limit)
    if after_index is not None:
        query = query.where(accounts.c.id.in_(changed_since(after_index)))
    if owner_id is not None:
        query = query.where(accounts.c.owner_id == owner_id)
    if unit is not None:
        query = query.where(accounts.c.unit == unit)
    if after is not None:
        query = query.where(accounts.c.id > after)
    async with db.reading() as conn:
        return [account_of_row(row) for row in await conn.execute(query)]


def changed_since(after_index: int) -> CompoundSelect[tuple[object]]:
    """The ids of the accounts a log entry past ``after_index`` changed. The log index is
    dense and in commit order, so a tool that passes the last index it has seen misses
    nothing, which a timestamp written before its commit could not promise."""
    return union(
        select(log_entries.c.entity_id).where(
            log_entries.c.log_index > after_index,
            log_entries.c.entry_type == EntryType.ACCOUNT.value,
        ),
        select(postings.c.account_id)
        .join(transactions, transactions.c.id == postings.c.transaction_id)
        .where(transactions.c.log_index > after_index),
        select(bounds_changes.c.account_id).where(
            bounds_changes.c.log_index > after_index, bounds_changes.c.account_id.is_not(None)
        ),
    )


async def latest_default(
    conn: AsyncConnection, unit: Unit, owner_kind: OwnerKind
) -> Row[tuple[object, ...]] | None:
    """The last recorded default bounds change for accounts of this unit and kind."""
    query = (
        select(bounds_changes)
        .where(bounds_changes.c.unit == unit, bounds_changes.c.owner_kind == owner_kind.value)
        .order_by(bounds_changes.c.log_index.desc())
        .limit(1)
    )
    return (await conn.execute(query)).first()


async def accounts_following_default(
    conn: AsyncConnection, unit: Unit, owner_kind: OwnerKind
) -> list[AccountId]:
    """Accounts of this unit and kind that no one has given bounds of their own."""
    own = select(bounds_changes.c.account_id).where(
        bounds_changes.c.account_id == accounts.c.id, bounds_changes.c.follows.is_(None)
    )
    query = (
        select(accounts.c.id)
        .where(
            accounts.c.unit == unit,
            accounts.c.owner_kind == owner_kind.value,
            ~own.exists(),
        )
        .order_by(accounts.c.id)
    )
    return [AccountId(row.id) for row in await conn.execute(query)]
