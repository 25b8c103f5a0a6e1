"""Limits on members' TIME accounts: the territory's default and a member's own bounds,
each change a ledger record."""

from __future__ import annotations

from uuid import UUID

from litestar import get, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.timebank_schemas import (
    LimitsIn,
    MemberLimitsOut,
    TerritoryLimitsChangedOut,
    TerritoryLimitsOut,
)
from mutual.usecases import limits as usecase
from mutual.usecases.members import TerritoryLimits, territory_limits


def _territory_out(limits: TerritoryLimits) -> TerritoryLimitsOut:
    return TerritoryLimitsOut(
        balance_min=limits.balance_min,
        balance_max=limits.balance_max,
        change_id=limits.change_id,
        log_index=limits.log_index,
    )


@get(
    "/territory/limits",
    operation_id="getTerritoryLimits",
    responses=problem_responses(),
    summary="The default bounds of members' TIME accounts",
)
async def get_territory_limits(state: State, principal: CurrentPrincipal) -> TerritoryLimitsOut:
    return _territory_out(await territory_limits(runtime_of(state)))


@put(
    "/territory/limits",
    operation_id="setTerritoryLimits",
    responses=problem_responses(
        "invalid_bounds",
        "bounds_exclude_balance",
        "unknown_bounds_default",
        "implausible_amount",
        # The change's id sent again with other bounds.
        "idempotency_key_reused",
    ),
    summary="Change the default bounds, for new members and every member without their own",
)
async def set_territory_limits(
    data: JSONBody[LimitsIn], state: State, principal: CurrentPrincipal
) -> TerritoryLimitsChangedOut:
    """One atomic ledger write: the new default and the same bounds for every member's
    account that follows it. Refused as a whole (``bounds_exclude_balance``) when a
    member's balance lies outside the new bounds."""
    limits, moved = await usecase.set_territory_limits(
        runtime_of(state),
        principal,
        change_id=data.id,
        balance_min=data.balance_min,
        balance_max=data.balance_max,
    )
    return TerritoryLimitsChangedOut(**_territory_out(limits).model_dump(), accounts_changed=moved)


@put(
    "/members/{member_id:uuid}/limits",
    operation_id="setMemberLimits",
    responses=problem_responses(
        "not_found",
        "invalid_bounds",
        "bounds_exclude_balance",
        "unknown_bounds_default",
        "implausible_amount",
        "account_not_found",
        "idempotency_key_reused",
    ),
    summary="Give one member's TIME account bounds of its own",
)
async def set_member_limits(
    member_id: FromPath[UUID], data: JSONBody[LimitsIn], state: State, principal: CurrentPrincipal
) -> MemberLimitsOut:
    """A ledger record naming the coordinator; the member is notified. The account then
    no longer follows changes of the territory's default."""
    account, outcome = await usecase.set_member_limits(
        runtime_of(state),
        principal,
        member_id,
        change_id=data.id,
        balance_min=data.balance_min,
        balance_max=data.balance_max,
    )
    return MemberLimitsOut(
        change_id=outcome.body["id"],
        log_index=outcome.body["log_index"],
        leaf_hash=outcome.body["leaf_hash"],
        account_id=account.id,
        balance=account.balance,
        balance_min=account.balance_min,
        balance_max=account.balance_max,
    )
