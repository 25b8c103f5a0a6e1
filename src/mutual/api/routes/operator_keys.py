"""``/operator-key-requests``: a coordinator's operator key, made and signed in their
browser, waiting for an operator to register it (``usecases.operator_keys``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import Field, StringConstraints

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import SIGNATURES
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response
from mutual.api.schemas import KeyEventOut, PageOut, _In, _Out
from mutual.core.signing import b64decode, b64encode
from mutual.store.operator_keys import OperatorKeyRequest
from mutual.usecases import operator_keys as usecase
from mutual.usecases.pagination import page_in_memory

Base64 = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class OperatorKeyRequestIn(_In):
    id: UUID = Field(description="The registration event's id, chosen by the page.")
    public_key: Base64 = Field(description="Base64 raw 32-byte Ed25519 public key.")
    signature: Base64 = Field(
        description="The new key's signature over its registration: action register, "
        "principal and by the caller, capacity operator, version 2."
    )


class OperatorKeyRequestOut(_Out):
    id: UUID
    principal_id: UUID
    key_id: str
    public_key: str
    asked_at: datetime
    status: Literal["pending", "registered"]
    registered_by: UUID | None
    registered_at: datetime | None


class OperatorKeyRequestPage(PageOut):
    items: list[OperatorKeyRequestOut]


def _out(request: OperatorKeyRequest) -> OperatorKeyRequestOut:
    return OperatorKeyRequestOut(
        id=request.id,
        principal_id=request.principal_id,
        key_id=request.key_id,
        public_key=b64encode(request.public_key),
        asked_at=request.asked_at,
        status="registered" if request.status == "registered" else "pending",
        registered_by=request.registered_by,
        registered_at=request.registered_at,
    )


@post(
    "/operator-key-requests",
    operation_id="askOperatorKey",
    responses=problem_responses("invalid_signature", "key_already_registered"),
    summary="A coordinator asks an operator to register the operator key their page made",
    status_code=201,
)
async def ask_operator_key(
    data: JSONBody[OperatorKeyRequestIn], state: State, principal: CurrentPrincipal
) -> OperatorKeyRequestOut:
    """Refused with `invalid_signature` unless the new key signed its registration."""
    request = await usecase.ask(
        runtime_of(state),
        principal,
        data.id,
        b64decode(data.public_key, field="public_key", length=32),
        b64decode(data.signature, field="signature", length=64),
    )
    return _out(request)


@get(
    "/operator-key-requests",
    operation_id="listOperatorKeyRequests",
    responses=problem_responses(),
    summary="Operator keys asked for (all for an operator, one's own for a coordinator)",
)
async def list_operator_key_requests(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    status: Annotated[Literal["pending", "registered"] | None, QueryParameter()] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> OperatorKeyRequestPage:
    found = await usecase.requests(runtime_of(state), principal, status=status)
    page = page_in_memory(
        "operator-key-requests", found, cursor, limit, lambda r: f"{r.asked_at.isoformat()}{r.id}"
    )
    return OperatorKeyRequestPage(
        items=[_out(r) for r in page.items], **page_links(request, page.next_cursor)
    )


@post(
    "/operator-key-requests/{request_id:uuid}/registration",
    operation_id="registerOperatorKey",
    responses=problem_responses(
        *SIGNATURES[1:], "invalid_key_event", "key_already_registered", "not_found"
    ),
    summary="An operator registers a coordinator's operator key as the coordinator signed it",
    status_code=201,
)
async def register_operator_key(
    request_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> Response[KeyEventOut]:
    """The log key countersigns; the answer is the key event's, a replay's the first."""
    outcome = await usecase.register(runtime_of(state), principal, request_id)
    return outcome_response(outcome)


ROUTES: list[HTTPRouteHandler] = [
    ask_operator_key,
    list_operator_key_requests,
    register_operator_key,
]
