"""``/goods`` and ``/collection-points``: the catalogue of shared goods, the points that
keep them, and the flows that move items (deposit, loan, return, transfer, gift)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post, put
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.goods_schemas import (
    DepositIn,
    GiftIn,
    HistoryItemOut,
    HistoryPage,
    KeepersIn,
    KindIn,
    KindOut,
    KindPage,
    LoanIn,
    LoanOut,
    LoanPage,
    OpeningHoursIn,
    PointIn,
    PointOut,
    PointPage,
    PointSummaryOut,
    ReminderOut,
    ReturnIn,
    StockOut,
    TransferIn,
)
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, GOODS_RULES, SIGNATURES, SIGNED_FLOW
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_signatures
from mutual.api.schemas import TransactionResultOut
from mutual.core.units import good_unit
from mutual.store.goods import KindRecord, PointRecord
from mutual.usecases import collection_points as points
from mutual.usecases import goods as usecase
from mutual.usecases.pagination import page_in_memory

FLOW_PROBLEMS = problem_responses(
    *SIGNED_FLOW,
    *GOODS_RULES,
    "invalid_good_deposit",
    "invalid_loan",
    "invalid_return",
    "invalid_give",
    "invalid_good_transfer",
)


def _kind_out(record: KindRecord) -> KindOut:
    return KindOut(
        slug=record.slug,
        unit=good_unit(record.slug),
        name=record.name,
        description=record.description,
        created_at=record.created_at,
    )


def _summary(record: PointRecord) -> PointSummaryOut:
    return PointSummaryOut(
        id=record.id,
        name=record.name,
        neighbourhood=record.neighbourhood,
        keepers=list(record.keepers),
        created_at=record.created_at,
        opening_hours=record.opening_hours,
    )


def _point_out(view: points.PointView) -> PointOut:
    return PointOut(
        **_summary(view.record).model_dump(),
        stock=[StockOut(kind=s.kind, on_shelf=s.on_shelf, on_loan=s.on_loan) for s in view.stock],
    )


def _loan_out(view: usecase.LoanView) -> LoanOut:
    r = view.record
    return LoanOut(
        id=r.id,
        point=r.point_id,
        kind=r.kind,
        member_id=r.member_id,
        count=r.count,
        returned=r.returned,
        outstanding=r.outstanding,
        due_on=r.due_on,
        lent_at=r.lent_at,
        overdue=view.overdue,
    )


@post(
    "/goods/kinds",
    operation_id="createGoodKind",
    responses=problem_responses("not_found"),
    summary="Add a kind of shared good to the catalogue (its unit GOOD.<slug>)",
    status_code=201,
)
async def create_kind(data: JSONBody[KindIn], state: State, principal: CurrentPrincipal) -> KindOut:
    """Coordinators only; a retry with the same body answers the same kind."""
    record = await points.create_kind(
        runtime_of(state), principal, data.slug, data.name, data.description
    )
    return _kind_out(record)


@get(
    "/goods/kinds",
    operation_id="listGoodKinds",
    responses=problem_responses(),
    summary="The catalogue of shared goods",
)
async def list_kinds(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> KindPage:
    found = await points.list_kinds(runtime_of(state))
    page = page_in_memory("kinds", found, cursor, limit, lambda k: k.slug)
    return KindPage(
        items=[_kind_out(k) for k in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/goods/kinds/{slug:str}",
    operation_id="getGoodKind",
    responses=problem_responses("not_found"),
    summary="One kind of shared good",
)
async def get_kind(slug: FromPath[str], state: State, principal: CurrentPrincipal) -> KindOut:
    return _kind_out(await points.read_kind(runtime_of(state), slug))


@get(
    "/goods/kinds/{slug:str}/history",
    operation_id="getGoodKindHistory",
    responses=problem_responses("not_found"),
    summary="Every movement of a kind of good, in log order, from the ledger",
)
async def kind_history(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500, description="Transactions.")] = 200,
) -> HistoryPage:
    """Each posting of the unit ``GOOD.<slug>``: its transaction's kind, the point whose
    account it moved (stock, intake, given or a loan) and the count after it."""
    page = await usecase.kind_history(runtime_of(state), slug, cursor=cursor, limit=limit)
    items = [
        HistoryItemOut(
            transaction_id=e.row.transaction_id,
            log_index=e.row.log_index,
            kind=e.row.kind,
            recorded_at=e.row.recorded_at,
            account_id=e.row.account_id,
            point=e.row.point_id,
            account_role=e.role.value,
            amount=e.row.amount,
            balance_after=e.row.balance_after,
        )
        for e in page.items
    ]
    return HistoryPage(items=items, **page_links(request, page.next_cursor))


@post(
    "/collection-points",
    operation_id="createCollectionPoint",
    responses=problem_responses(
        "not_listed",
        "not_found",
        *CLIENT_ID,
        *SIGNATURES[1:],
        "account_exists",
        "invalid_key_event",
    ),
    summary="Open a collection point and appoint its keepers (one atomic ledger write)",
    status_code=201,
)
async def create_point(
    data: JSONBody[PointIn], state: State, principal: CurrentPrincipal
) -> PointOut:
    """Coordinators only. The point is a principal without keys: its keepers, appointed
    its custodians in the log, sign every movement of its items on its behalf."""
    view = await points.create_point(
        runtime_of(state), principal, data.id, data.name, data.neighbourhood, data.keepers
    )
    return _point_out(view)


@get(
    "/collection-points",
    operation_id="listCollectionPoints",
    responses=problem_responses(),
    summary="Collection points",
)
async def list_points(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PointPage:
    found = await points.list_points(runtime_of(state))
    page = page_in_memory("points", found, cursor, limit, lambda p: str(p.id))
    return PointPage(
        items=[_summary(p) for p in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/collection-points/{point_id:uuid}",
    operation_id="getCollectionPoint",
    responses=problem_responses("not_found"),
    summary="A collection point, its keepers and its stock per kind",
)
async def get_point(
    point_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> PointOut:
    return _point_out(await points.read_point(runtime_of(state), point_id))


@put(
    "/collection-points/{point_id:uuid}/keepers",
    operation_id="changeCollectionPointKeepers",
    responses=problem_responses(
        "not_found", *SIGNATURES[1:], "invalid_key_event", "key_already_registered"
    ),
    summary="Change a point's keepers (removals and appointments at one log index)",
)
async def change_keepers(
    point_id: FromPath[UUID], data: JSONBody[KeepersIn], state: State, principal: CurrentPrincipal
) -> PointOut:
    view = await points.change_keepers(runtime_of(state), principal, point_id, data.keepers)
    return _point_out(view)


@post(
    "/collection-points/{point_id:uuid}/deposits",
    operation_id="depositGoods",
    responses=FLOW_PROBLEMS,
    summary="Items enter the territory at the point (intake → stock)",
    status_code=201,
)
async def deposit(
    point_id: FromPath[UUID], data: JSONBody[DepositIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Two steps: without signatures the answer is the `unsigned` problem with the
    `signing_payload`; with a keeper's signature on the point's behalf, answered like
    `POST /transactions`."""
    outcome = await usecase.deposit(
        runtime_of(state),
        principal,
        point_id,
        usecase.Movement(data.id, data.kind, data.count),
        data.from_member,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/collection-points/{point_id:uuid}/loans",
    operation_id="lendGoods",
    responses=FLOW_PROBLEMS,
    summary="Lend items to a member until a due date (stock → the member's loan)",
    status_code=201,
)
async def lend(
    point_id: FromPath[UUID], data: JSONBody[LoanIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Refused with `loan_limit_reached` past the open-loan limit, and by the ledger
    (`exceeds_balance_min`) when the shelf has fewer items."""
    outcome = await usecase.lend(
        runtime_of(state),
        principal,
        point_id,
        usecase.Movement(data.id, data.kind, data.count),
        data.member_id,
        data.due_on,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@get(
    "/collection-points/{point_id:uuid}/loans",
    operation_id="listCollectionPointLoans",
    responses=problem_responses("not_found"),
    summary="A point's open loans with their due dates (its keepers and coordinators)",
)
async def point_loans(
    request: Request[Any, Any, Any],
    point_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    overdue: FromQuery[bool | None] = None,
    member_id: FromQuery[UUID | None] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> LoanPage:
    views = await usecase.point_loans(
        runtime_of(state), principal, point_id, overdue=overdue, member_id=member_id
    )
    return _loan_page(request, views, cursor, limit)


def _loan_page(
    request: Request[Any, Any, Any], views: list[usecase.LoanView], cursor: str | None, limit: int
) -> LoanPage:
    # The loans still out: a point's shelf, one member's borrowings.
    page = page_in_memory("loans", views, cursor, limit, lambda v: str(v.record.id))
    return LoanPage(
        items=[_loan_out(v) for v in page.items], **page_links(request, page.next_cursor)
    )


@post(
    "/collection-points/{point_id:uuid}/loans/{loan_id:uuid}/returns",
    operation_id="returnGoods",
    responses=FLOW_PROBLEMS,
    summary="Items of a loan come back to the shelf (the member's loan → stock)",
    status_code=201,
)
async def give_back(
    point_id: FromPath[UUID],
    loan_id: FromPath[UUID],
    data: JSONBody[ReturnIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[TransactionResultOut]:
    """Refused with `not_borrowed` for more items than the loan has out."""
    outcome = await usecase.give_back(
        runtime_of(state),
        principal,
        point_id,
        loan_id,
        data.id,
        data.count,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/collection-points/{point_id:uuid}/transfers",
    operation_id="transferGoods",
    responses=FLOW_PROBLEMS,
    summary="Move items to another point's shelf (signed by a keeper of this one)",
    status_code=201,
)
async def transfer(
    point_id: FromPath[UUID], data: JSONBody[TransferIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    outcome = await usecase.transfer(
        runtime_of(state),
        principal,
        point_id,
        usecase.Movement(data.id, data.kind, data.count),
        data.to_point,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@post(
    "/collection-points/{point_id:uuid}/gifts",
    operation_id="giveGoods",
    responses=FLOW_PROBLEMS,
    summary="Give items away for good (stock → given)",
    status_code=201,
)
async def give(
    point_id: FromPath[UUID], data: JSONBody[GiftIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """The household, in free text, is kept in the gifts table only, never in the ledger."""
    outcome = await usecase.give(
        runtime_of(state),
        principal,
        point_id,
        usecase.Movement(data.id, data.kind, data.count),
        data.to_member,
        data.household,
        to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@put(
    "/collection-points/{point_id:uuid}/opening-hours",
    operation_id="setCollectionPointHours",
    responses=problem_responses("not_found"),
    summary="Set a point's opening hours (its keepers and coordinators)",
)
async def set_hours(
    point_id: FromPath[UUID],
    data: JSONBody[OpeningHoursIn],
    state: State,
    principal: CurrentPrincipal,
) -> PointOut:
    view = await points.set_opening_hours(
        runtime_of(state), principal, point_id, data.opening_hours
    )
    return _point_out(view)


@post(
    "/collection-points/{point_id:uuid}/loans/{loan_id:uuid}/reminders",
    operation_id="remindBorrower",
    responses=problem_responses("not_found", "loan_not_overdue"),
    summary="Remind the borrower of an overdue loan (a notification, e-mailed as others)",
    status_code=201,
)
async def remind(
    point_id: FromPath[UUID], loan_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> ReminderOut:
    """Refused with `loan_not_overdue` before the due date; once a day per loan."""
    sent = await usecase.remind_borrower(runtime_of(state), principal, point_id, loan_id)
    return ReminderOut(loan_id=sent.loan.id, member_id=sent.loan.member_id, sent=sent.sent)


@get(
    "/members/me/loans",
    operation_id="listMyLoans",
    responses=problem_responses(),
    summary="What one holds on loan, with due dates",
)
async def my_loans(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> LoanPage:
    views = await usecase.my_loans(runtime_of(state), principal)
    return _loan_page(request, views, cursor, limit)


ROUTES: list[HTTPRouteHandler] = [
    create_kind,
    list_kinds,
    get_kind,
    kind_history,
    create_point,
    list_points,
    get_point,
    change_keepers,
    deposit,
    lend,
    point_loans,
    give_back,
    transfer,
    give,
    set_hours,
    remind,
    my_loans,
]
