"""``/offers``: "I can…" and "I need…", searched by category, neighbourhood and text,
edited, renewed and closed by their author, and answered by a message to the author."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, UpdatedSince, aware, page_links
from mutual.api.problems import problem_responses
from mutual.api.timebank_schemas import (
    OfferEditIn,
    OfferIn,
    OfferMessageIn,
    OfferMessageOut,
    OfferMessagePage,
    OfferOut,
    OfferPage,
)
from mutual.store.offer_messages import OfferMessage
from mutual.store.timebank import OfferFilter, OfferRecord
from mutual.usecases import offer_messages
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
    responses=problem_responses("not_listed", "not_found", "invalid_duration"),
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
    responses=problem_responses("not_listed"),
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
    responses=problem_responses("not_found", "offer_closed"),
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


@patch(
    "/offers/{offer_id:uuid}",
    operation_id="editOffer",
    responses=problem_responses("not_listed", "not_found", "offer_closed", "invalid_duration"),
    summary="Change an offer's or a request's title, text, category, place or duration",
)
async def edit(
    offer_id: FromPath[UUID],
    data: JSONBody[OfferEditIn],
    state: State,
    principal: CurrentPrincipal,
) -> OfferOut:
    """Its author (or a coordinator) changes the fields sent; an explicit null empties
    the neighbourhood or the estimate. A closed one answers `offer_closed`."""
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    return offer_out(await usecase.edit(runtime_of(state), principal, offer_id, changes))


def message_out(message: OfferMessage) -> OfferMessageOut:
    return OfferMessageOut(
        id=message.id,
        offer_id=message.offer_id,
        sender_id=message.sender_id,
        recipient_id=message.recipient_id,
        text=message.text,
        created_at=message.created_at,
    )


@post(
    "/offers/{offer_id:uuid}/messages",
    operation_id="answerOffer",
    responses=problem_responses(
        "not_found", "offer_closed", "own_offer", "idempotency_key_mismatch"
    ),
    summary="Write to an offer's or a request's author, or, as its author, answer",
    status_code=201,
)
async def answer(
    offer_id: FromPath[UUID],
    data: JSONBody[OfferMessageIn],
    state: State,
    principal: CurrentPrincipal,
) -> Response[OfferMessageOut]:
    """The message is kept, and its recipient told in their notifications (and by
    e-mail, as they chose). Its author answers one who wrote about it by naming them in
    `to`; without `to`, writing about one's own offer is `own_offer`. A closed or expired
    one is `offer_closed`. Sending again with the same `id` answers the first (200)."""
    message, new = await offer_messages.answer(
        runtime_of(state), principal, offer_id, message_id=data.id, text=data.text, to=data.to
    )
    return Response(message_out(message), status_code=201 if new else 200)


@get(
    "/offers/{offer_id:uuid}/messages",
    operation_id="listOfferMessages",
    responses=problem_responses("not_found"),
    summary="The messages about an offer: all of them for its author, one's own otherwise "
    "(sent or received)",
)
async def messages(
    request: Request[Any, Any, Any],
    offer_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> OfferMessagePage:
    page = await offer_messages.read_messages(
        runtime_of(state), principal, offer_id, cursor=cursor, limit=limit
    )
    return OfferMessagePage(
        items=[message_out(m) for m in page.items], **page_links(request, page.next_cursor)
    )
