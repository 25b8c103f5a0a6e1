"""``/commons/pot``: hours given to the territory's commons pot, and paid from it."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody

from mutual.api.commons_schemas import (
    CommonsGiftIn,
    CommonsPaymentIn,
    PotCoordinatorIn,
    PotCoordinatorOut,
    PotOut,
)
from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problem_codes import SIGNATURES, SIGNED_FLOW
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_salt, to_signatures
from mutual.api.schemas import TransactionResultOut
from mutual.core.commons import commons_principal
from mutual.usecases import commons as usecase

WRITE_PROBLEMS = problem_responses(
    *SIGNED_FLOW,
    "invalid_commons_gift",
    "invalid_commons_payment",
    "exceeds_pot",
    "implausible_amount",
    "not_custodian",
    "memo_salt_required",
)


def _pot_out(view: usecase.PotView) -> PotOut:
    return PotOut(
        account_id=view.account.id,
        unit=view.account.unit,
        balance=view.account.balance,
        commons_principal=commons_principal(),
        coordinators=[
            PotCoordinatorOut(member_id=c.member_id, display_name=c.display_name)
            for c in view.coordinators
        ],
    )


@get(
    "/commons/pot",
    operation_id="getCommonsPot",
    responses=problem_responses(),
    summary="What the commons pot holds, and who may pay from it",
)
async def get_pot(state: State, principal: CurrentPrincipal) -> PotOut:
    del principal  # every member may see the pot: it is everyone's
    return _pot_out(await usecase.read_pot(runtime_of(state)))


@post(
    "/commons/pot/gifts",
    operation_id="giveToCommonsPot",
    responses=WRITE_PROBLEMS,
    summary="Give hours of one's own time account to the commons pot (signed by the giver)",
    status_code=201,
)
async def give(
    data: JSONBody[CommonsGiftIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Answers like ``POST /transactions``."""
    outcome = await usecase.give(
        runtime_of(state),
        principal,
        tx_id=data.id,
        minutes=data.minutes,
        memo=data.memo,
        memo_salt=to_salt(data.memo_salt),
        signatures=to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/commons/pot/payments",
    operation_id="payFromCommonsPot",
    responses=WRITE_PROBLEMS,
    summary="Pay a member from the commons pot for territorial work (coordinators; signed "
    "on the commons' behalf by an appointed coordinator)",
    status_code=201,
)
async def pay(
    data: JSONBody[CommonsPaymentIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Answers like ``POST /transactions``; the member is told in their notifications."""
    outcome = await usecase.pay(
        runtime_of(state),
        principal,
        tx_id=data.id,
        member_id=data.member_id,
        minutes=data.minutes,
        memo=data.memo,
        memo_salt=to_salt(data.memo_salt),
        signatures=to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/commons/pot/coordinators",
    operation_id="appointPotCoordinator",
    responses=problem_responses(*SIGNATURES[1:], "invalid_key_event", "not_found"),
    summary="Appoint a member to pay from the commons pot (operators; a custodian of the "
    "commons in the log)",
    status_code=201,
)
async def appoint(
    data: JSONBody[PotCoordinatorIn], state: State, principal: CurrentPrincipal
) -> PotOut:
    return _pot_out(await usecase.appoint_coordinator(runtime_of(state), principal, data.member_id))


ROUTES: list[HTTPRouteHandler] = [get_pot, give, pay, appoint]
