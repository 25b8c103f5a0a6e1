"""A member's standing as a coordinator reads it in the directory: their TIME balance
against its bounds, where it stands (``core.timebank.limit_state``), and their latest
movements. Coordinators set members' limits and correct their mistakes, so they read
what those decisions rest on; a member reads their own."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from mutual.core.accounts import Account
from mutual.core.authority import Principal
from mutual.core.ids import AccountId
from mutual.core.timebank import LimitState, limit_state
from mutual.store import ledger_reads
from mutual.store.accounts import get_account
from mutual.store.ledger_reads import StatementLine
from mutual.usecases.errors import Forbidden, NotFound
from mutual.usecases.members import active_member, oversees
from mutual.usecases.runtime import Runtime

# The movements shown beside the figures; the member's statement has the rest.
RECENT = 10


@dataclass(frozen=True, slots=True)
class Standing:
    member_id: UUID
    account: Account
    state: LimitState
    recent: list[StatementLine]  # newest first


async def member_standing(rt: Runtime, caller: Principal, member_id: UUID) -> Standing:
    if caller.id != member_id and not oversees(caller):
        raise Forbidden("a coordinator reads a member's standing; a member, their own")
    member = await active_member(rt, member_id, field="member_id")
    assert member.account_id is not None  # active members have their account
    account = await get_account(rt.db, AccountId(member.account_id))
    if account is None:
        raise NotFound("the member's account is not open", field="member_id")
    recent = await ledger_reads.statement(
        rt.db, account.id, past_version=None, limit=RECENT, newest_first=True
    )
    margin = rt.settings.limit_warning_minutes
    return Standing(member_id, account, limit_state(account, warning_margin=margin), recent)
