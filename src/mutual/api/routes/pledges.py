"""``/pledges``: volunteer hours pledged, allocated to projects, delivered and released."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.pledge_schemas import (
    AllocationIn,
    MemberPledgesOut,
    PledgeIn,
    PoolOut,
    PoolShareOut,
    ProjectShareOut,
    ProjectVolunteersOut,
    QuarterPledgeOut,
    ReleaseIn,
    VolunteerDeliveryIn,
    VolunteerOut,
)
from mutual.api.problem_codes import PLEDGE_RULES, SIGNED_FLOW
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_signatures
from mutual.api.schemas import TransactionResultOut
from mutual.usecases import pledges as usecase
from mutual.usecases.pagination import page_in_memory

Quarter = Annotated[
    str | None, QueryParameter(pattern=r"^\d{4}-Q[1-4]$", description="Like 2027-Q1.")
]
WRITE_PROBLEMS = problem_responses(
    *SIGNED_FLOW,
    *PLEDGE_RULES,
    "invalid_pledge",
    "invalid_allocation",
    "invalid_delivery",
    "invalid_release",
)


@post(
    "/pledges",
    operation_id="pledgeHours",
    responses=WRITE_PROBLEMS,
    summary="Pledge volunteer minutes for a quarter, to be allocated by the coordination group",
    status_code=201,
)
async def pledge(
    data: JSONBody[PledgeIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    """Signed by the member (or their custodian); answers like ``POST /transactions``."""
    outcome = await usecase.pledge_hours(
        runtime_of(state),
        principal,
        tx_id=data.id,
        quarter=data.quarter,
        minutes=data.minutes,
        member_id=data.member_id,
        signatures=to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@get(
    "/pledges",
    operation_id="listPledges",
    responses=problem_responses("invalid_quarter"),
    summary="What a member pledged per quarter, and what was allocated, delivered, released",
)
async def list_pledges(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    quarter: Quarter = None,
    member_id: Annotated[
        UUID | None, QueryParameter(description="Coordinators and auditors: any member.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> MemberPledgesOut:
    views = await usecase.member_pledges(runtime_of(state), principal, member_id, quarter)
    # One member's quarters are few (four a year): read whole, paged like every list.
    page = page_in_memory("pledges", views, cursor, limit, lambda v: v.quarter)
    return MemberPledgesOut(
        member_id=member_id or principal.id,
        **page_links(request, page.next_cursor),
        items=[
            QuarterPledgeOut(
                quarter=v.quarter,
                pledged=v.totals.pledged,
                held=v.totals.held,
                allocated=v.totals.allocated,
                delivered=v.totals.delivered,
                released=v.totals.released,
                projects=[
                    ProjectShareOut(
                        project_id=s.project_id, allocated=s.allocated, delivered=s.delivered
                    )
                    for s in v.projects
                ],
            )
            for v in page.items
        ],
    )


@post(
    "/pledges/allocations",
    operation_id="allocatePledges",
    responses=WRITE_PROBLEMS,
    summary="Allocate held pledges to projects (coordinators, with an operator's signature)",
    status_code=201,
)
async def allocate(
    data: JSONBody[AllocationIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    outcome = await usecase.allocate(
        runtime_of(state),
        principal,
        tx_id=data.id,
        quarter=data.quarter,
        decision=data.decision,
        lines=[usecase.LineRequest(x.member_id, x.project_id, x.minutes) for x in data.lines],
        signatures=to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@get(
    "/pledges/quarters/{quarter:str}/pool",
    operation_id="getPledgePool",
    responses=problem_responses("invalid_quarter"),
    summary="What the pledge pool holds of each member's pledge for a quarter",
)
async def get_pool(
    request: Request[Any, Any, Any],
    quarter: FromPath[str],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> PoolOut:
    held = await usecase.pool(runtime_of(state), principal, quarter)
    # The pool's holders are summed by one query (the total needs them all), then paged.
    page = page_in_memory("pool", list(held.items()), cursor, limit, lambda m: str(m[0]))
    return PoolOut(
        quarter=quarter,
        held=sum(held.values()),
        items=[PoolShareOut(member_id=m, held=n) for m, n in page.items],
        **page_links(request, page.next_cursor),
    )


@post(
    "/pledges/quarters/{quarter:str}/release",
    operation_id="releasePledges",
    responses=WRITE_PROBLEMS,
    summary="After the quarter, release what is still held (once; an operator signs)",
    status_code=201,
)
async def release(
    quarter: FromPath[str], data: JSONBody[ReleaseIn], state: State, principal: CurrentPrincipal
) -> Response[TransactionResultOut]:
    outcome = await usecase.release(
        runtime_of(state), principal, quarter, data.id, to_signatures(data.signatures)
    )
    return outcome_response(outcome)


@post(
    "/projects/{project_id:uuid}/deliveries",
    operation_id="confirmDelivery",
    responses=WRITE_PROBLEMS,
    summary="The lead confirms volunteer minutes delivered to the project",
    status_code=201,
)
async def deliver(
    project_id: FromPath[UUID],
    data: JSONBody[VolunteerDeliveryIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[TransactionResultOut]:
    """Signed by the lead on the project's behalf; at most what was allocated."""
    outcome = await usecase.deliver(
        runtime_of(state),
        principal,
        project_id,
        tx_id=data.id,
        quarter=data.quarter,
        member_id=data.member_id,
        minutes=data.minutes,
        signatures=to_signatures(data.signatures),
    )
    return outcome_response(outcome)


@get(
    "/projects/{project_id:uuid}/volunteers",
    operation_id="listProjectVolunteers",
    responses=problem_responses("not_found", "invalid_quarter"),
    summary="Volunteers allocated to a project and the minutes they delivered",
)
async def volunteers(
    request: Request[Any, Any, Any],
    project_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    quarter: Quarter = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProjectVolunteersOut:
    rows = await usecase.project_volunteers(runtime_of(state), principal, project_id, quarter)
    # A project's volunteers are read by one query (a member's share per quarter), then
    # paged in (quarter, member) order like every list.
    page = page_in_memory("volunteers", rows, cursor, limit, lambda v: f"{v.quarter}|{v.member_id}")
    return ProjectVolunteersOut(
        project_id=project_id,
        **page_links(request, page.next_cursor),
        items=[
            VolunteerOut(
                member_id=v.member_id,
                quarter=v.quarter,
                allocated=v.allocated,
                delivered=v.delivered,
            )
            for v in page.items
        ],
    )


ROUTES: list[HTTPRouteHandler] = [
    pledge,
    list_pledges,
    allocate,
    get_pool,
    release,
    deliver,
    volunteers,
]
