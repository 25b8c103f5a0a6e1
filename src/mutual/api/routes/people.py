"""``/directory`` and ``/members/me/statement``: finding people, and a statement people
can read (the other party, the description, the category, the balance after)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import page_links
from mutual.api.people_schemas import (
    ActingMemberOut,
    AssociationPartyOut,
    DirectoryEntryOut,
    DirectoryPage,
    NeighbourhoodPage,
    OfferLineOut,
    OtherPartyOut,
    ReadableLineOut,
    ReadableStatementPage,
)
from mutual.api.problems import problem_responses
from mutual.store.directory import DirectoryFilter
from mutual.usecases import directory, statements
from mutual.usecases.pagination import page_in_memory
from mutual.usecases.statements import ReadableLine

Cursor = Annotated[str | None, QueryParameter(max_length=200, description="From next_cursor.")]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size.")]
Search = Annotated[str | None, QueryParameter(max_length=120)]


@get(
    "/directory",
    operation_id="searchDirectory",
    responses=problem_responses(),
    summary="Find active members by name or number, neighbourhood and what they offer",
)
async def search_directory(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    q: Annotated[
        str | None,
        QueryParameter(max_length=120, description="Part of the name, or the member number."),
    ] = None,
    neighbourhood: Search = None,
    offers: Annotated[
        str | None,
        QueryParameter(
            max_length=120,
            description="Part of an open offer's or request's title or text, or a category.",
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> DirectoryPage:
    page = await directory.search(
        runtime_of(state),
        principal,
        DirectoryFilter(name=q, neighbourhood=neighbourhood, offers=offers),
        cursor=cursor,
        limit=limit,
    )
    return DirectoryPage(
        items=[
            DirectoryEntryOut(
                id=found.entry.id,
                number=found.entry.number,
                display_name=found.entry.display_name,
                neighbourhood=found.entry.neighbourhood,
                offers=[
                    OfferLineOut(id=o.id, direction=o.direction, title=o.title, category=o.category)
                    for o in found.offers
                ],
            )
            for found in page.items
        ],
        **page_links(request, page.next_cursor),
    )


@get(
    "/directory/neighbourhoods",
    operation_id="directoryNeighbourhoods",
    responses=problem_responses(),
    summary="The neighbourhoods active members live in",
)
async def directory_neighbourhoods(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> NeighbourhoodPage:
    del principal  # checked by the permission matrix; every member sees the same list
    found = await directory.neighbourhoods(runtime_of(state))
    page = page_in_memory("neighbourhoods", found, cursor, limit, key=lambda name: name)
    return NeighbourhoodPage(items=list(page.items), **page_links(request, page.next_cursor))


def _line_out(readable: ReadableLine) -> ReadableLineOut:
    line, details = readable.line, readable.details
    party = details.other_party
    return ReadableLineOut(
        transaction_id=line.transaction_id,
        log_index=line.log_index,
        kind=line.kind,
        recorded_at=line.recorded_at,
        other_party=None
        if party is None
        else OtherPartyOut(
            owner_kind=party.owner_kind,
            member_id=party.member_id,
            display_name=party.display_name,
            number=party.number,
            association=None
            if party.association is None
            else AssociationPartyOut(
                id=party.association.id,
                name=party.association.name,
                acting=None
                if party.association.acting is None
                else ActingMemberOut(
                    member_id=party.association.acting.member_id,
                    display_name=party.association.acting.display_name,
                ),
            ),
        ),
        description=details.description,
        category=details.category,
        amount=line.amount,
        balance_after=line.balance_after,
        acting=None
        if details.acting is None
        else ActingMemberOut(
            member_id=details.acting.member_id, display_name=details.acting.display_name
        ),
    )


@get(
    "/members/me/statement",
    operation_id="myStatement",
    responses=problem_responses("not_found"),
    summary="One's TIME statement, newest first: other party, description, category, "
    "amount and balance after",
)
async def my_statement(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ReadableStatementPage:
    page = await statements.my_statement(runtime_of(state), principal, cursor=cursor, limit=limit)
    return ReadableStatementPage(
        items=[_line_out(r) for r in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/associations/{association_id:uuid}/statement",
    operation_id="associationStatement",
    responses=problem_responses("not_found"),
    summary="An association's TIME statement, newest first, each line saying who acted for it",
)
async def association_statement(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    association_id: FromPath[UUID],
    cursor: Cursor = None,
    limit: Limit = 20,
) -> ReadableStatementPage:
    page = await statements.association_statement(
        runtime_of(state), principal, association_id, cursor=cursor, limit=limit
    )
    return ReadableStatementPage(
        items=[_line_out(r) for r in page.items], **page_links(request, page.next_cursor)
    )


ROUTES = [search_directory, directory_neighbourhoods, my_statement, association_statement]
