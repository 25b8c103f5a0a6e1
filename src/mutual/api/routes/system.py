"""``/health`` (with its liveness and readiness probes) and ``/tokens``."""

from __future__ import annotations

from datetime import timedelta

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.metrics import CONTENT_TYPE, Metrics
from mutual.api.problems import problem_document, problem_response, problem_responses
from mutual.api.schemas import HealthOut, LiveOut, TokenIn, TokenOut
from mutual.core.ids import PrincipalId
from mutual.store import ledger_reads
from mutual.store.errors import StoreUnavailable
from mutual.usecases.access import issue_token_as


async def _readiness(state: State) -> Response[HealthOut]:
    rt = runtime_of(state)
    try:
        await ledger_reads.ping(rt.db)
    except Exception as exc:  # any failure to reach the database means not ready
        unavailable = StoreUnavailable(f"database unreachable: {type(exc).__name__}")
        return problem_response(problem_document(unavailable.code, str(unavailable)))
    if not rt.journal.accepting:
        stopped = StoreUnavailable("the ledger's writer is not running")
        return problem_response(problem_document(stopped.code, str(stopped)))
    return Response(HealthOut(status="ok", database="ok", writer="ok"))


@get(
    "/health",
    operation_id="getHealth",
    responses=problem_responses(),
    summary="Ready: database reachable and the ledger's writer running",
    exclude_from_auth=True,
)
async def health(state: State) -> Response[HealthOut]:
    return await _readiness(state)


@get(
    "/health/ready",
    operation_id="getReadiness",
    responses=problem_responses(),
    summary="Readiness probe (as /health): 503 with Retry-After until writes can commit",
    exclude_from_auth=True,
)
async def ready(state: State) -> Response[HealthOut]:
    return await _readiness(state)


@get(
    "/health/live",
    operation_id="getLiveness",
    summary="Liveness probe: the process answers (no database call)",
    exclude_from_auth=True,
)
async def live() -> LiveOut:
    return LiveOut(status="ok")


@get(
    "/metrics",
    operation_id="getMetrics",
    responses=problem_responses(),
    summary="Prometheus metrics of this process (operators and auditors)",
    media_type=CONTENT_TYPE,
)
async def metrics(state: State, principal: CurrentPrincipal) -> Response[bytes]:
    collected: Metrics = state.metrics
    return Response(await collected.render(), media_type=CONTENT_TYPE)


@post(
    "/tokens",
    operation_id="createToken",
    responses=problem_responses(),
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
