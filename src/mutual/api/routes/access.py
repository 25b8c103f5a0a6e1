"""``/service-clients`` and ``/audit``: the territory's other tools, with tokens limited
to scopes, and the trail of administrative actions (operators; auditors read it)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

from litestar import delete, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import Field, StrictInt, StringConstraints

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_responses
from mutual.api.schemas import _In, _Out
from mutual.core.permissions import SCOPES
from mutual.usecases import access as usecase
from mutual.usecases import audit


class ServiceClientIn(_In):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="Which tool it is, for people (e.g. 'registre du pacte')."
    )
    scopes: Annotated[list[str], Field(min_length=1, max_length=len(SCOPES))] = Field(
        description="Among: " + ", ".join(SCOPES)
    )
    expires_in_days: Annotated[StrictInt, Field(gt=0, le=3660)] | None = None


class ServiceClientCreatedOut(_Out):
    principal_id: UUID
    token: str = Field(description="Shown once; only its hash is kept.")
    scopes: list[str]
    expires_at: datetime | None


class ServiceTokenOut(_Out):
    id: UUID
    principal_id: UUID
    name: str | None
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="To within a minute.")
    revoked_at: datetime | None


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


@post(
    "/service-clients",
    operation_id="createServiceClient",
    responses=problem_responses(403, 413, 422),
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
        token=issued.token,
        scopes=sorted(set(data.scopes)),
        expires_at=issued.expires_at,
    )


@get(
    "/service-clients",
    operation_id="listServiceClients",
    responses=problem_responses(403),
    summary="Service clients' tokens: scopes, expiry, last use, revocation (never the token)",
)
async def list_service_clients(state: State, principal: CurrentPrincipal) -> list[ServiceTokenOut]:
    found = await usecase.list_service_clients(runtime_of(state))
    return [ServiceTokenOut(**asdict(t)) for t in found]


@delete(
    "/service-clients/tokens/{token_id:uuid}",
    operation_id="revokeServiceClientToken",
    responses=problem_responses(403, 404),
    summary="Revoke a service client's token, from the next request on",
    status_code=204,
)
async def revoke_token(token_id: FromPath[UUID], state: State, principal: CurrentPrincipal) -> None:
    await usecase.revoke_service_token(runtime_of(state), state.authenticator, token_id)


@get(
    "/audit",
    operation_id="listAuditEvents",
    responses=problem_responses(403, 422),
    summary="The audit trail of administrative actions, oldest first (operators, auditors)",
)
async def list_audit_events(
    state: State,
    principal: CurrentPrincipal,
    after: Annotated[UUID | None, QueryParameter(description="The last id seen.")] = None,
    actor_id: Annotated[UUID | None, QueryParameter(description="Only this actor's.")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    found = await audit.events(runtime_of(state), after=after, limit=limit, actor_id=actor_id)
    return [AuditEventOut(**asdict(e)) for e in found]


ROUTES: list[HTTPRouteHandler] = [
    create_service_client,
    list_service_clients,
    revoke_token,
    list_audit_events,
]
