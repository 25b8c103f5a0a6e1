"""A member's statement as people read it: each line with the other party (as far as the
reader may see them), the description and the category, newest first page by page, and
the whole of it oldest first for the CSV download."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.ids import AccountId
from mutual.store import statements as store
from mutual.store.ledger_reads import StatementLine
from mutual.store.statements import LineDetails
from mutual.usecases.accounts import account_statement, whole_statement
from mutual.usecases.associations import read_association
from mutual.usecases.errors import NotFound
from mutual.usecases.members import member_or_404
from mutual.usecases.pagination import Page
from mutual.usecases.runtime import Runtime

_NO_DETAILS = LineDetails(None, None, None)


@dataclass(frozen=True, slots=True)
class ReadableLine:
    line: StatementLine
    details: LineDetails


async def _own_account(rt: Runtime, member: Principal) -> AccountId:
    record = await member_or_404(rt, member.id)
    if record.account_id is None:
        raise NotFound("no account yet", field="id")
    return record.account_id


async def _readable(
    rt: Runtime, account_id: AccountId, lines: list[StatementLine]
) -> list[ReadableLine]:
    details = await store.line_details(rt.db, account_id, lines)
    return [ReadableLine(line, details.get(line.transaction_id, _NO_DETAILS)) for line in lines]


async def my_statement(
    rt: Runtime, member: Principal, *, cursor: str | None, limit: int
) -> Page[ReadableLine]:
    """One page of the member's own TIME statement, newest first; ``next_cursor`` leads
    to older lines until the first one."""
    account_id = await _own_account(rt, member)
    page = await account_statement(
        rt, member, account_id, cursor=cursor, limit=limit, newest_first=True
    )
    return Page(await _readable(rt, account_id, page.items), page.next_cursor)


async def my_whole_statement(rt: Runtime, member: Principal) -> list[ReadableLine]:
    """Every line of the member's own TIME statement, oldest first."""
    account_id = await _own_account(rt, member)
    return await _readable(rt, account_id, await whole_statement(rt, account_id))


async def association_statement(
    rt: Runtime, reader: Principal, association_id: UUID, *, cursor: str | None, limit: int
) -> Page[ReadableLine]:
    """One page of an association's TIME statement, newest first, each line saying who
    acted for it there. An organisation's account is readable by every member, as the
    ledger's reads already have it (``usecases.accounts.may_read``)."""
    view = await read_association(rt, association_id)
    account_id = view.account.id
    page = await account_statement(
        rt, reader, account_id, cursor=cursor, limit=limit, newest_first=True
    )
    return Page(await _readable(rt, account_id, page.items), page.next_cursor)
