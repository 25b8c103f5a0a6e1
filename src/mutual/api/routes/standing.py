"""``/members/{id}/standing``: a member's balance, bounds, where it stands, and their
latest movements, for the coordinators' directory (``usecases.standing``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from litestar import get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.schemas import _Out
from mutual.usecases import standing as usecase


class MovementOut(_Out):
    transaction_id: UUID
    log_index: int
    kind: str
    amount: int
    balance_after: int
    recorded_at: datetime


class StandingOut(_Out):
    member_id: UUID
    account_id: UUID
    balance: int
    balance_min: int | None
    balance_max: int | None
    state: Literal["near_min", "near_max", "past_min", "past_max", "within"]
    recent: list[MovementOut]


@get(
    "/members/{member_id:uuid}/standing",
    operation_id="getMemberStanding",
    responses=problem_responses("not_found"),
    summary="A member's balance, bounds, standing and latest movements (coordinators)",
)
async def member_standing(
    member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> StandingOut:
    found = await usecase.member_standing(runtime_of(state), principal, member_id)
    return StandingOut(
        member_id=found.member_id,
        account_id=found.account.id,
        balance=found.account.balance,
        balance_min=found.account.balance_min,
        balance_max=found.account.balance_max,
        state=found.state.value,
        recent=[
            MovementOut(
                transaction_id=line.transaction_id,
                log_index=line.log_index,
                kind=line.kind.value,
                amount=line.amount,
                balance_after=line.balance_after,
                recorded_at=line.recorded_at,
            )
            for line in found.recent
        ],
    )


ROUTES: list[HTTPRouteHandler] = [member_standing]
