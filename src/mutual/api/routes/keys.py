"""``/keys`` and ``/key-events``: the key registry, and ``/me``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, SIGNATURES
from mutual.api.problems import problem_responses
from mutual.api.routes.transactions import outcome_response, to_signatures
from mutual.api.schemas import (
    CustodianOut,
    CustodianPage,
    KeyEventIn,
    KeyEventOut,
    KeyOut,
    KeyPage,
    MeOut,
    RecoveryOut,
    RecoveryPage,
)
from mutual.core.ids import PrincipalId
from mutual.core.notes import format_verifier_key
from mutual.core.permissions import Scope
from mutual.core.registry import KeyEvent, KeyRecord, Recovery, parse_timestamp, timestamp
from mutual.core.signing import KeyId, b64decode, b64encode, key_id_of
from mutual.usecases import keys as usecase
from mutual.usecases.errors import NotFound
from mutual.usecases.pagination import page_in_memory


def key_out(record: KeyRecord) -> KeyOut:
    witness = record.cosignature_key()
    return KeyOut(
        key_id=record.key_id,
        principal_id=record.principal,
        public_key=b64encode(record.public_key),
        capacity=record.capacity,
        name=record.name,
        registered_at=record.registered_at,
        revoked_at=record.revoked_at,
        verifier_key=None if witness is None else format_verifier_key(witness),
    )


@post(
    "/key-events",
    operation_id="recordKeyEvent",
    responses=problem_responses(
        *SIGNATURES[1:],
        *CLIENT_ID,
        "invalid_key_event",
        "key_already_registered",
        "recovery_not_pending",
        "recovery_not_due",
        "not_found",
    ),
    summary="Register, rotate or revoke a key; appoint or remove a custodian; a recovery",
    status_code=201,
)
async def record_key_event(
    data: JSONBody[KeyEventIn], state: State, principal: CurrentPrincipal
) -> Response[KeyEventOut]:
    """A log entry like a transaction; a replay of the same event answers the first result."""
    rt = runtime_of(state)
    event = KeyEvent(
        data.id,
        data.action,
        PrincipalId(data.principal),
        None if data.by is None else PrincipalId(data.by),
        None if data.public_key is None else b64decode(data.public_key, field="public_key"),
        data.capacity,
        data.name,
        None if data.key_id is None else KeyId(data.key_id),
        None if data.custodian is None else PrincipalId(data.custodian),
        data.reason,
        data.request,
        None if data.at is None else parse_timestamp(data.at),
        data.wait,
        data.version,
    )
    outcome = await usecase.submit_key_event(
        rt, principal, event, to_signatures(data.signatures), note=data.note
    )
    return outcome_response(outcome)


@get(
    "/keys",
    operation_id="listKeys",
    responses=problem_responses(),
    summary="Registered keys, optionally of one principal, in registration order",
)
async def list_keys(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    principal_id: Annotated[UUID | None, QueryParameter()] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> KeyPage:
    records = await usecase.read_keys(
        runtime_of(state), principal_id=None if principal_id is None else PrincipalId(principal_id)
    )
    # In registration order: each key's registration has its own log index.
    page = page_in_memory("keys", records, cursor, limit, lambda r: f"{r.registered_at:020d}")
    return KeyPage(items=[key_out(r) for r in page.items], **page_links(request, page.next_cursor))


@get(
    "/keys/{key_id:str}",
    operation_id="getKey",
    responses=problem_responses("not_found"),
    summary="One key: who holds it, its capacity, and the log indexes it was valid between",
)
async def get_key(key_id: FromPath[str], state: State, principal: CurrentPrincipal) -> KeyOut:
    records = await usecase.read_keys(runtime_of(state), key_ids=[KeyId(key_id)])
    if not records:
        raise NotFound("no key with this id", field="key_id")
    return key_out(records[0])


@get(
    "/custodians",
    operation_id="listCustodians",
    responses=problem_responses(),
    summary="Custodians appointed and not removed, optionally of one principal",
)
async def list_custodians(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    principal_id: Annotated[UUID | None, QueryParameter()] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> CustodianPage:
    found = await usecase.read_custodians(
        runtime_of(state), None if principal_id is None else PrincipalId(principal_id)
    )
    page = page_in_memory(
        "custodians",
        found,
        cursor,
        limit,
        lambda c: f"{c.appointed_at:020d}/{c.principal}/{c.custodian}",
    )
    return CustodianPage(
        items=[
            CustodianOut(
                principal_id=c.principal, custodian_id=c.custodian, appointed_at=c.appointed_at
            )
            for c in page.items
        ],
        **page_links(request, page.next_cursor),
    )


def recovery_out(recovery: Recovery) -> RecoveryOut:
    return RecoveryOut(
        id=recovery.id,
        principal_id=recovery.principal,
        key_id=key_id_of(recovery.public_key),
        public_key=b64encode(recovery.public_key),
        by=recovery.by,
        at=timestamp(recovery.at),
        wait=recovery.wait,
        due=timestamp(recovery.at + timedelta(seconds=recovery.wait)),
        status=recovery.status.value,
        requested_at=recovery.requested_at,
        closed_at=recovery.closed_at,
    )


@get(
    "/key-recoveries",
    operation_id="listKeyRecoveries",
    responses=problem_responses(),
    summary="A member's key recoveries (requests, and how each ended), oldest first",
)
async def list_key_recoveries(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    principal_id: Annotated[UUID, QueryParameter()],
    cursor: Cursor = None,
    limit: Limit = 100,
) -> RecoveryPage:
    found = await usecase.read_recoveries(runtime_of(state), principal, PrincipalId(principal_id))
    page = page_in_memory(
        "key-recoveries", found, cursor, limit, lambda r: f"{r.requested_at:020d}"
    )
    return RecoveryPage(
        items=[recovery_out(r) for r in page.items], **page_links(request, page.next_cursor)
    )


@get("/me", operation_id="getMe", responses=problem_responses(), summary="Who is calling")
async def me(principal: CurrentPrincipal) -> MeOut:
    return MeOut(
        principal_id=principal.id,
        roles=sorted(principal.roles),
        scopes=sorted(Scope(s) for s in principal.scopes),
    )
