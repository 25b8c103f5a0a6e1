"""Opening accounts and reading them back."""

from __future__ import annotations

from sqlalchemy import Row, select

from mutual.core.accounts import Account, OwnerKind
from mutual.core.ids import AccountId
from mutual.core.units import Unit
from mutual.store.database import Database
from mutual.store.tables import accounts


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
        return [account_of_row(row) for row in await conn.execute(query)]
