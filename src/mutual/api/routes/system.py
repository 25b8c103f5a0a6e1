"""``/health`` and ``/tokens``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.problems import problem_document, problem_response, problem_responses
from mutual.api.schemas import HealthOut, TokenIn, TokenOut
from mutual.core.ids import PrincipalId
from mutual.store import ledger_reads
from mutual.store.errors import StoreUnavailable
from mutual.usecases.access import issue_token_as


@get(
    "/health",
    operation_id="getHealth",
    responses=problem_responses(),
    summary="Process up and database reachable",
    exclude_from_auth=True,
)
async def health(state: State) -> Response[Any]:
    try:
        await ledger_reads.ping(runtime_of(state).db)
    except Exception as exc:  # any failure to reach the database means not healthy
        unavailable = StoreUnavailable(f"database unreachable: {type(exc).__name__}")
        return problem_response(problem_document(unavailable.code, str(unavailable)))
    return Response(HealthOut(status="ok", database="ok"))


@post(
    "/tokens",
    operation_id="createToken",
    responses=problem_responses(403, 413, 422),
    summary="Issue a bearer token",
    status_code=201,
)
async def create_token(
    data: JSONBody[TokenIn], state: State, principal: CurrentPrincipal
) -> TokenOut:
    """Operators issue tokens for new or existing principals; the token is shown once."""
    rt = runtime_of(state)
    issued = await issue_token_as(
        rt,
        principal,
        roles=data.roles,
        principal_id=None if data.principal_id is None else PrincipalId(data.principal_id),
        ttl=None if data.expires_in_seconds is None else timedelta(seconds=data.expires_in_seconds),
    )
    return TokenOut(
        principal_id=issued.principal_id, token=issued.token, expires_at=issued.expires_at
    )
