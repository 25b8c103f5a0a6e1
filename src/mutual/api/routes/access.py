"""``/service-clients`` and ``/audit``: the territory's other tools, with tokens limited
to scopes, and the trail of administrative actions (operators; auditors read it)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import Field, StrictInt, StringConstraints

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, LogLimit, page_links
from mutual.api.problems import problem_responses
from mutual.api.schemas import PageOut, _In, _Out
from mutual.core.permissions import Scope
from mutual.usecases import access as usecase
from mutual.usecases import audit
from mutual.usecases.pagination import cut_page, decode_id_cursor, page_in_memory

ExpiresInDays = Annotated[StrictInt, Field(gt=0, le=3660)]


class ServiceClientIn(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Which tool it is, for people (e.g. 'registre du pacte')."
    )
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))] = Field(
        description="What the token admits."
    )
    expires_in_days: ExpiresInDays | None = None


class ServiceClientCreatedOut(_Out):
    principal_id: UUID
    token_id: UUID = Field(description="What revokes or rotates this token.")
    token: str = Field(description="Shown once; only its hash is kept.")
    scopes: list[Scope]
    expires_at: datetime | None


class RotationIn(_In):
    overlap_minutes: Annotated[StrictInt, Field(ge=0, le=30 * 24 * 60)] = Field(
        description="How long the old token keeps working, to reconfigure the tool without "
        "an outage (never longer than it was to); 0 ends it now."
    )
    expires_in_days: ExpiresInDays | None = Field(
        default=None, description="The new token's life; none: it does not expire."
    )


class RotatedOut(ServiceClientCreatedOut):
    previous_token_id: UUID
    previous_expires_at: datetime = Field(description="When the old token stops working.")


class ServiceTokenOut(_Out):
    id: UUID
    principal_id: UUID
    name: str | None
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To within a minute.")
    revoked_at: datetime | None


class ServiceTokenPage(PageOut):
    items: list[ServiceTokenOut]


class AuditEventOut(_Out):
    id: UUID
    at: datetime
    actor_id: UUID
    operation: str
    method: str
    path: str
    status: int
    source_ip: str | None
    request_id: str


class AuditEventPage(PageOut):
    items: list[AuditEventOut] = Field(description="Oldest first.")


@post(
    "/service-clients",
    operation_id="createServiceClient",
    responses=problem_responses("invalid_request"),
    summary="Create a service client: a token limited to scopes, shown once (operator)",
    status_code=201,
)
async def create_service_client(
    data: JSONBody[ServiceClientIn], state: State, principal: CurrentPrincipal
) -> ServiceClientCreatedOut:
    ttl = None if data.expires_in_days is None else timedelta(days=data.expires_in_days)
    issued = await usecase.create_service_client(
        runtime_of(state), principal, name=data.name, scopes=data.scopes, ttl=ttl
    )
    return ServiceClientCreatedOut(
        principal_id=issued.principal_id,
        token_id=issued.token_id,
        token=issued.token,
        scopes=sorted(set(data.scopes)),
        expires_at=issued.expires_at,
    )


@get(
    "/service-clients",
    operation_id="listServiceClients",
    responses=problem_responses(),
    summary="Service clients' tokens: scopes, expiry, last use, revocation (never the token)",
)
async def list_service_clients(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ServiceTokenPage:
    found = await usecase.list_service_clients(runtime_of(state))
    # A territory's tools are a handful: read whole, paged in token id order.
    page = page_in_memory("service-clients", found, cursor, limit, lambda t: str(t.id))
    return ServiceTokenPage(
        items=[ServiceTokenOut(**asdict(t)) for t in page.items],
        **page_links(request, page.next_cursor),
    )


@delete(
    "/service-clients/tokens/{token_id:uuid}",
    operation_id="revokeServiceClientToken",
    responses=problem_responses("not_found"),
    summary="Revoke a service client's token, from the next request on",
    status_code=204,
)
async def revoke_token(token_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> None:
    await usecase.revoke_service_token(runtime_of(state), state.authenticator, token_id)


@post(
    "/service-clients/tokens/{token_id:uuid}/rotation",
    operation_id="rotateServiceClientToken",
    responses=problem_responses("not_found"),
    summary="A new token for a service client; the old one works on for the overlap given",
    status_code=201,
)
async def rotate_token(
    token_id: FromPath[UUID], data: JSONBody[RotationIn], state: State, principal: CurrentPrincipal
) -> RotatedOut:
    ttl = None if data.expires_in_days is None else timedelta(days=data.expires_in_days)
    rotated = await usecase.rotate_service_token(
        runtime_of(state),
        state.authenticator,
        token_id,
        overlap=timedelta(minutes=data.overlap_minutes),
        ttl=ttl,
    )
    return RotatedOut(
        principal_id=rotated.issued.principal_id,
        token_id=rotated.issued.token_id,
        token=rotated.issued.token,
        scopes=[Scope(s) for s in rotated.scopes],
        expires_at=rotated.issued.expires_at,
        previous_token_id=token_id,
        previous_expires_at=rotated.previous_expires_at,
    )


@get(
    "/audit",
    operation_id="listAuditEvents",
    responses=problem_responses(),
    summary="The audit trail of administrative actions, oldest first (operators, auditors)",
)
async def list_audit_events(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    actor_id: Annotated[UUID | None, QueryParameter(description="Only this actor's.")] = None,
    cursor: Cursor = None,
    limit: LogLimit = 100,
) -> AuditEventPage:
    found = await audit.events(
        runtime_of(state),
        after=decode_id_cursor("audit", cursor),
        limit=limit + 1,
        actor_id=actor_id,
    )
    page = cut_page("audit", found, limit, lambda e: str(e.id))
    return AuditEventPage(
        items=[AuditEventOut(**asdict(e)) for e in page.items],
        **page_links(request, page.next_cursor),
    )


ROUTES: list[HTTPRouteHandler] = [
    create_service_client,
    list_service_clients,
    revoke_token,
    rotate_token,
    list_audit_events,
]
