"""``/intake``: a survey tool records needs and offers in a consenting resident's name;
the resident consents (and withdraws) from their own session; coordinators read what
came in, by neighbourhood."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.intake_schemas import (
    IntakeConsentIn,
    IntakeConsentOut,
    IntakeConsentPage,
    IntakeIn,
    IntakeRecordOut,
    IntakeRecordPage,
    IntakeToolOut,
    IntakeToolPage,
)
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problems import problem_responses
from mutual.api.routes.offers import offer_out
from mutual.api.timebank_schemas import OfferOut
from mutual.store.intake import Consent, Recorded
from mutual.usecases import intake as usecase
from mutual.usecases.pagination import Page, page_in_memory


def _consents(
    request: Request[Any, Any, Any], found: list[Consent], cursor: str | None, limit: int
) -> IntakeConsentPage:
    # A resident consents to a handful of tools: read whole, paged like every list.
    page = page_in_memory("intake-consents", found, cursor, limit, lambda c: str(c.client_id))
    return IntakeConsentPage(
        items=[
            IntakeConsentOut(
                client_id=c.client_id, granted_at=c.granted_at, withdrawn_at=c.withdrawn_at
            )
            for c in page.items
        ],
        **page_links(request, page.next_cursor),
    )


@get(
    "/intake/tools",
    operation_id="listIntakeTools",
    responses=problem_responses(),
    summary="The tools that may record needs and offers in a resident's name",
)
async def list_tools(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IntakeToolPage:
    found = await usecase.tools(runtime_of(state))
    page = page_in_memory("intake-tools", found, cursor, limit, lambda t: str(t.id))
    return IntakeToolPage(
        items=[IntakeToolOut(id=t.id, name=t.name) for t in page.items],
        **page_links(request, page.next_cursor),
    )


@get(
    "/intake/consents",
    operation_id="listIntakeConsents",
    responses=problem_responses(),
    summary="The tools I consented to (and withdrew from)",
)
async def list_consents(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IntakeConsentPage:
    found = await usecase.consents(runtime_of(state), principal)
    return _consents(request, found, cursor, limit)


@post(
    "/intake/consents",
    operation_id="grantIntakeConsent",
    responses=problem_responses("not_found"),
    summary="Consent to a tool recording needs and offers in my name",
    status_code=201,
)
async def grant(
    request: Request[Any, Any, Any],
    data: JSONBody[IntakeConsentIn],
    state: State,
    principal: CurrentPrincipal,
) -> IntakeConsentPage:
    """Answers every consent of the caller's, this one in force."""
    found = await usecase.grant(runtime_of(state), principal, data.client_id)
    return _consents(request, found, None, max(len(found), 1))


@delete(
    "/intake/consents/{client_id:uuid}",
    operation_id="withdrawIntakeConsent",
    responses=problem_responses("not_found"),
    summary="Withdraw my consent to a tool (what it recorded stays mine)",
    status_code=204,
)
async def withdraw(client_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> None:
    await usecase.withdraw(runtime_of(state), principal, client_id)


@post(
    "/intake",
    operation_id="recordIntake",
    responses=problem_responses("not_found", "no_consent", "invalid_duration", "not_listed"),
    summary="A tool records a need or an offer in a consenting resident's name",
    status_code=201,
)
async def record(data: JSONBody[IntakeIn], state: State, principal: CurrentPrincipal) -> OfferOut:
    """Needs are requests, what the resident can give are offers; each is the resident's
    own (they edit or close it as any other), kept with the tool that recorded it."""
    found = await usecase.record(
        runtime_of(state),
        principal,
        data.member_id,
        direction=data.direction,
        title=data.title,
        description=data.description,
        category=data.category,
        estimated_minutes=data.estimated_minutes,
    )
    return offer_out(found)


@get(
    "/intake",
    operation_id="listIntake",
    responses=problem_responses(),
    summary="What tools recorded, for a neighbourhood or all, oldest first (coordinators)",
)
async def list_intake(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    neighbourhood: Annotated[str | None, QueryParameter(max_length=120)] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IntakeRecordPage:
    page = await usecase.received(
        runtime_of(state), principal, neighbourhood=neighbourhood, cursor=cursor, limit=limit
    )
    return _records(request, page)


def _records(request: Request[Any, Any, Any], page: Page[Recorded]) -> IntakeRecordPage:
    return IntakeRecordPage(
        items=[
            IntakeRecordOut(
                offer_id=r.offer_id,
                member_id=r.member_id,
                client_id=r.client_id,
                neighbourhood=r.neighbourhood,
                recorded_at=r.recorded_at,
                direction=r.direction,
                title=r.title,
                category=r.category,
            )
            for r in page.items
        ],
        **page_links(request, page.next_cursor),
    )


@get(
    "/groups/{group_id:uuid}/intake",
    operation_id="listGroupIntake",
    responses=problem_responses("not_found"),
    summary="What tools recorded that goes to this group, oldest first (its members, its "
    "facilitator, coordinators)",
)
async def list_group_intake(
    request: Request[Any, Any, Any],
    group_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IntakeRecordPage:
    """A need or an offer goes to its neighbourhood's group, its category's life-slice or
    resource group (named as the category) and the city group."""
    page = await usecase.for_group(
        runtime_of(state), principal, group_id, cursor=cursor, limit=limit
    )
    return _records(request, page)


ROUTES = [list_tools, list_consents, grant, withdraw, record, list_intake, list_group_intake]
