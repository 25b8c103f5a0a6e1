"""``/offers``: "I can…" and "I need…", searched by category, neighbourhood and text."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, UpdatedSince, aware, page_links
from mutual.api.problems import problem_responses
from mutual.api.timebank_schemas import OfferIn, OfferOut, OfferPage
from mutual.store.timebank import OfferFilter, OfferRecord
from mutual.usecases import offers as usecase

Filter = Annotated[str | None, QueryParameter(max_length=120)]


def offer_out(record: OfferRecord) -> OfferOut:
    return OfferOut(
        id=record.id,
        member_id=record.member_id,
        direction=record.direction,
        title=record.title,
        description=record.description,
        category=record.category,
        neighbourhood=record.neighbourhood,
        estimated_minutes=record.estimated_minutes,
        created_at=record.created_at,
        expires_at=record.expires_at,
        closed_at=record.closed_at,
        updated_at=record.updated_at,
    )


@post(
    "/offers",
    operation_id="publishOffer",
    responses=problem_responses("not_found", "invalid_duration"),
    summary="Publish an offer or a request",
    status_code=201,
)
async def publish(data: JSONBody[OfferIn], state: State, principal: CurrentPrincipal) -> OfferOut:
    record = await usecase.publish(
        runtime_of(state),
        principal,
        direction=data.direction,
        title=data.title,
        description=data.description,
        category=data.category,
        neighbourhood=data.neighbourhood,
        estimated_minutes=data.estimated_minutes,
    )
    return offer_out(record)


@get(
    "/offers",
    operation_id="searchOffers",
    responses=problem_responses(),
    summary="Search open offers and requests, newest first",
)
async def search(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    direction: FromQuery[Literal["offer", "request"] | None] = None,
    category: Filter = None,
    neighbourhood: Filter = None,
    member_id: FromQuery[UUID | None] = None,
    q: Annotated[str | None, QueryParameter(max_length=120, description="Text search.")] = None,
    include_closed: Annotated[
        bool,
        QueryParameter(description="Closed and expired ones too (a tool syncing wants them)."),
    ] = False,
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> OfferPage:
    where = OfferFilter(
        direction, category, neighbourhood, member_id, q, include_closed, aware(updated_since)
    )
    page = await usecase.search(runtime_of(state), where, cursor=cursor, limit=limit)
    return OfferPage(
        items=[offer_out(o) for o in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/offers/{offer_id:uuid}",
    operation_id="getOffer",
    responses=problem_responses("not_found"),
    summary="An offer or a request",
)
async def get_offer(
    offer_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> OfferOut:
    return offer_out(await usecase.read_offer(runtime_of(state), offer_id))


@post(
    "/offers/{offer_id:uuid}/renew",
    operation_id="renewOffer",
    responses=problem_responses("not_found"),
    summary="Push an offer's expiry back by the territory's offer lifetime",
    status_code=200,
)
async def renew(offer_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> OfferOut:
    return offer_out(await usecase.renew(runtime_of(state), principal, offer_id))


@post(
    "/offers/{offer_id:uuid}/close",
    operation_id="closeOffer",
    responses=problem_responses("not_found"),
    summary="Close an offer or a request",
    status_code=200,
)
async def close(offer_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> OfferOut:
    return offer_out(await usecase.close(runtime_of(state), principal, offer_id))
