"""Opening accounts and reading balances and statements."""

from __future__ import annotations

from uuid import UUID

from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.authority import Principal, Role
from mutual.core.entries import EntryType, account_payload
from mutual.core.ids import AccountId
from mutual.core.permissions import reads_everything
from mutual.core.signing import Domain
from mutual.core.units import Unit, parse_unit
from mutual.store import accounts as account_store
from mutual.store import ledger_reads
from mutual.store.journal import AccountWrite
from mutual.store.ledger_reads import StatementLine
from mutual.store.outcomes import Outcome, raise_refusal
from mutual.usecases.errors import Forbidden, InvalidCursor, NotFound
from mutual.usecases.pagination import Page, cut_page, decode_cursor, decode_index_cursor
from mutual.usecases.runtime import Runtime, new_id


def may_read(principal: Principal, account: Account) -> bool:
    """Members read their own accounts and the shared ones (pools, projects, points)."""
    if reads_everything(principal):
        return True
    return account.owner_kind is not OwnerKind.MEMBER or account.owned_by(principal.id)


async def create_account(
    rt: Runtime,
    principal: Principal,
    *,
    account_id: AccountId | None,
    unit: str,
    owner_kind: OwnerKind,
    owner_id: str,
    balance_min: int | None,
    balance_max: int | None,
) -> tuple[Account, Outcome]:
    """Open an account as a log entry signed by the log key; returns it and the journal's
    answer (its log index and leaf hash, and whether it was an identical replay)."""
    if not principal.has(Role.OPERATOR):
        raise Forbidden("only an operator may open accounts")
    return await open_account_entry(
        rt,
        account_id=account_id,
        unit=unit,
        owner_kind=owner_kind,
        owner_id=owner_id,
        balance_min=balance_min,
        balance_max=balance_max,
    )


async def open_account_entry(
    rt: Runtime,
    *,
    account_id: AccountId | None,
    unit: str,
    owner_kind: OwnerKind,
    owner_id: str,
    balance_min: int | None,
    balance_max: int | None,
) -> tuple[Account, Outcome]:
    """The account opening itself, for callers that have checked who asks."""
    account = open_account(
        account_id or AccountId(new_id()),
        parse_unit(unit),
        owner_kind,
        owner_id,
        balance_min,
        balance_max,
    )
    [outcome] = await rt.journal.submit(
        [account_write(rt, account)], atomic=False, recorded_at=rt.clock()
    )
    raise_refusal([outcome])
    return account, outcome


def account_write(rt: Runtime, account: Account) -> AccountWrite:
    """The opening of ``account`` as a log entry signed by the log key."""
    entry, digest = rt.log.sign_entry(
        Domain.ACCOUNT, EntryType.ACCOUNT, account_payload(rt.log.origin, account)
    )
    return AccountWrite(account, digest, entry)


async def read_account(rt: Runtime, principal: Principal, account_id: AccountId) -> Account:
    account = await account_store.get_account(rt.db, account_id)
    if account is None or not may_read(principal, account):
        # Someone else's account answers like a missing one: its existence is private.
        raise NotFound("no such account", field="id")
    return account


async def list_accounts(
    rt: Runtime,
    principal: Principal,
    *,
    owner_id: str | None,
    unit: str | None,
    cursor: str | None,
    limit: int,
    after_index: int | None = None,
) -> Page[Account]:
    if not reads_everything(principal):
        if owner_id is None:
            owner_id = str(principal.id)
        elif owner_id != str(principal.id):
            raise Forbidden("members list their own accounts only", field="owner_id")
    after = None
    if cursor is not None:
        try:
            after = AccountId(UUID(decode_cursor("accounts", cursor)))
        except ValueError as exc:
            raise InvalidCursor("malformed cursor", field="cursor") from exc
    parsed_unit: Unit | None = None if unit is None else parse_unit(unit)
    items = await rt.db.from_standby(
        lambda db: account_store.list_accounts(
            db,
            owner_id=owner_id,
            unit=parsed_unit,
            after=after,
            limit=limit + 1,
            after_index=after_index,
        )
    )
    return cut_page("accounts", items, limit, lambda a: str(a.id))


async def account_statement(
    rt: Runtime,
    principal: Principal,
    account_id: AccountId,
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
) -> Page[StatementLine]:
    await read_account(rt, principal, account_id)
    # The order is part of the cursor's scope: a cursor from one order is refused by the
    # other instead of silently skipping or repeating lines.
    scope = f"postings:{account_id}" + (":newest" if newest_first else "")
    past_version = decode_index_cursor(scope, cursor)
    lines = await rt.db.from_standby(
        lambda db: ledger_reads.statement(
            db, account_id, past_version=past_version, limit=limit + 1, newest_first=newest_first
        )
    )
    return cut_page(scope, lines, limit, lambda line: str(line.account_version))


async def erase_memos(rt: Runtime, principal: Principal, owner_id: str) -> int:
    """GDPR erasure of the free text about a member: the ledger stays verifiable."""
    if not principal.has(Role.OPERATOR):
        raise Forbidden("only an operator erases personal data")
    return await ledger_reads.erase_memos(rt.db, owner_id)


async def whole_statement(rt: Runtime, account_id: AccountId) -> list[StatementLine]:
    """Every posting of the account, oldest first (for exports)."""
    lines: list[StatementLine] = []
    while True:
        past = lines[-1].account_version if lines else None
        page = await ledger_reads.statement(rt.db, account_id, past_version=past, limit=1000)
        lines.extend(page)
        if len(page) < 1000:
            return lines
