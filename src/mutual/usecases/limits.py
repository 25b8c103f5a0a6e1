"""Limits on members' TIME accounts: the territory's default and a member's own bounds.

Each change is a ledger record (a ``bounds`` log entry signed by the log key, naming
the coordinator who decided), so an auditor knows which limits held at every index.
A change of the territory's default is applied in the same atomic write to every
member account that has no bounds of its own: either all of them move, or none.
"""

from __future__ import annotations

from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account
from mutual.core.authority import Principal
from mutual.core.bounds import BoundsChange, check_change
from mutual.core.entries import EntryType, bounds_payload
from mutual.core.ids import AccountId
from mutual.core.signing import Domain
from mutual.core.timebank import LIMIT_MINUTES_MAX, check_plausible
from mutual.store import accounts as account_store
from mutual.store import timebank as store
from mutual.store.journal import BoundsWrite
from mutual.store.outcomes import Outcome, raise_refusal
from mutual.usecases.members import (
    MEMBER_TIME,
    TerritoryLimits,
    active_member,
    require_coordinator,
)
from mutual.usecases.runtime import Runtime, chosen_id


def _write(rt: Runtime, change: BoundsChange) -> BoundsWrite:
    payload = bounds_payload(rt.log.origin, change)
    entry, digest = rt.log.sign_entry(Domain.BOUNDS, EntryType.BOUNDS, payload)
    return BoundsWrite(change, digest, entry)


async def _notify(rt: Runtime, member_ids: list[UUID], change: BoundsChange) -> None:
    # After the ledger write: a retry of the same change replays it and notifies again,
    # which the feed's (member, kind, source) key makes harmless.
    data = {"min_minutes": change.balance_min, "max_minutes": change.balance_max}
    async with rt.db.writing() as conn:
        for member_id in member_ids:
            await store.notify(
                conn, member_id, "limits_changed", data, source=str(change.id), now=rt.clock()
            )


def _check_plausible(balance_min: int | None, balance_max: int | None) -> None:
    check_plausible(balance_min, LIMIT_MINUTES_MAX, field="balance_min")
    check_plausible(balance_max, LIMIT_MINUTES_MAX, field="balance_max")


async def set_member_limits(
    rt: Runtime,
    caller: Principal,
    member_id: UUID,
    *,
    change_id: UUID | None,
    balance_min: int | None,
    balance_max: int | None,
) -> tuple[Account, Outcome]:
    """Give one member's TIME account bounds of its own; they then no longer follow the
    territory's default."""
    require_coordinator(caller)
    _check_plausible(balance_min, balance_max)
    member = await active_member(rt, member_id, field="member_id")
    assert member.account_id is not None  # active members have their account
    account_id = AccountId(member.account_id)
    change = BoundsChange(
        chosen_id(change_id), caller.id, balance_min, balance_max, account_id=account_id
    )
    check_change(change)
    [outcome] = await rt.journal.submit([_write(rt, change)], atomic=True, recorded_at=rt.clock())
    raise_refusal([outcome])
    await _notify(rt, [member_id], change)
    account = await account_store.get_account(rt.db, account_id)
    assert account is not None
    return account, outcome


async def set_territory_limits(
    rt: Runtime,
    caller: Principal,
    *,
    change_id: UUID | None,
    balance_min: int | None,
    balance_max: int | None,
) -> tuple[TerritoryLimits, int]:
    """Set the default bounds of members' TIME accounts: for new members, and for every
    member without bounds of their own, in one atomic write. Returns the new default and
    how many accounts moved with it. Refused as a whole when a balance would lie outside."""
    require_coordinator(caller)
    _check_plausible(balance_min, balance_max)
    default = BoundsChange(
        chosen_id(change_id), caller.id, balance_min, balance_max, default_for=MEMBER_TIME
    )
    check_change(default)
    async with rt.db.reading() as conn:
        following = await account_store.accounts_following_default(
            conn, MEMBER_TIME.unit, MEMBER_TIME.owner_kind
        )
    # Ids derived from the default's, so a retried request replays instead of doubling.
    changes = [default] + [
        BoundsChange(
            derived.default_follow_id(default.id, account_id),
            caller.id,
            balance_min,
            balance_max,
            account_id=account_id,
            follows=default.id,
        )
        for account_id in following
    ]
    outcomes = await rt.journal.submit(
        [_write(rt, c) for c in changes], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal(outcomes)
    async with rt.db.reading() as conn:
        owners = await store.members_of_accounts(conn, following)
    await _notify(rt, owners, default)
    return (
        TerritoryLimits(balance_min, balance_max, default.id, outcomes[0].body["log_index"]),
        len(following),
    )
