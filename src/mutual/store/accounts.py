"""Opening accounts and reading them back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError

from mutual.core.accounts import Account, OwnerKind
from mutual.core.ids import AccountId
from mutual.core.units import Unit
from mutual.store.database import Database
from mutual.store.tables import accounts


def _account(row: Row[tuple[object, ...]]) -> Account:
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
    )


async def insert_account(db: Database, account: Account, *, created_at: datetime) -> bool:
    """Insert a new account; False when one with that id already exists."""
    try:
        async with db.writing() as conn:
            await conn.execute(
                accounts.insert().values(
                    id=account.id,
                    unit=account.unit,
                    owner_kind=account.owner_kind.value,
                    owner_id=account.owner_id,
                    balance_min=account.balance_min,
                    balance_max=account.balance_max,
                    balance=0,
                    version=0,
                    created_at=created_at,
                )
            )
    except IntegrityError:
        return False
    return True


async def get_account(db: Database, account_id: AccountId) -> Account | None:
    async with db.reading() as conn:
        row = (await conn.execute(select(accounts).where(accounts.c.id == account_id))).first()
    return None if row is None else _account(row)


async def list_accounts(
    db: Database,
    *,
    owner_id: str | None,
    unit: Unit | None,
    after: AccountId | None,
    limit: int,
) -> list[Account]:
    """Accounts in id order after the keyset cursor ``after``."""
    query = select(accounts).order_by(accounts.c.id).limit(limit)
    if owner_id is not None:
        query = query.where(accounts.c.owner_id == owner_id)
    if unit is not None:
        query = query.where(accounts.c.unit == unit)
    if after is not None:
        query = query.where(accounts.c.id > after)
    async with db.reading() as conn:
        return [_account(row) for row in await conn.execute(query)]
