"""A coordinator's operator key: made in the coordinator's browser, registered by an
operator.

Only an operator may have the log key vouch for a registration (``usecases.keys``), and
the new key must sign its own registration (``core.registry.new_key``: proof of
possession), which only the coordinator's browser can do. So the coordinator's page
signs the registration, naming the coordinator in ``by`` (who asks), and the service
keeps it here; an operator registers it as signed, with the log key's countersignature.
Neither can do it alone: the operator holds no private key of the coordinator's, and
the coordinator's signature alone is refused by the fold (``signature_required``)."""

from __future__ import annotations

from uuid import UUID

from mutual.core.authority import Principal, Role
from mutual.core.errors import InvalidSignature, KeyAlreadyRegistered
from mutual.core.ids import PrincipalId
from mutual.core.registry import (
    CUSTODY_VERSION,
    Capacity,
    KeyAction,
    KeyEvent,
    key_event_payload,
)
from mutual.core.signing import (
    Domain,
    KeyId,
    Signature,
    b64decode,
    b64encode,
    key_id_of,
    signed_message,
    verify,
)
from mutual.store import operator_keys as store
from mutual.store.operator_keys import OperatorKeyRequest
from mutual.store.outcomes import Outcome
from mutual.store.timebank import notify
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.keys import read_keys, vouched_write
from mutual.usecases.members import is_coordinator
from mutual.usecases.runtime import Runtime


def registration(request: OperatorKeyRequest) -> KeyEvent:
    """The registration the coordinator signed: their operator key, asked by themselves."""
    principal = PrincipalId(request.principal_id)
    return KeyEvent(
        request.id,
        KeyAction.REGISTER,
        principal,
        by=principal,
        public_key=request.public_key,
        capacity=Capacity.OPERATOR,
        version=CUSTODY_VERSION,
    )


async def ask(
    rt: Runtime, caller: Principal, event_id: UUID, public_key: bytes, signature: bytes
) -> OperatorKeyRequest:
    """Keep the coordinator's signed registration for an operator; asking again with the
    same id and key answers the same request."""
    if not is_coordinator(caller):
        raise Forbidden("a coordinator asks for an operator key of their own")
    key_id = key_id_of(public_key)
    request = OperatorKeyRequest(
        event_id,
        caller.id,
        public_key,
        key_id,
        "",
        rt.clock(),
        "pending",
        None,
        None,
    )
    message = signed_message(
        Domain.KEY_EVENT, key_event_payload(rt.log.origin, registration(request))
    )
    if not verify(public_key, message, signature):
        raise InvalidSignature(
            "the new key signs its own registration (by and principal: you)",
            field="signature",
        )
    async with rt.db.reading() as conn:
        existing = await store.get(conn, event_id) or await store.by_key(conn, key_id)
    if existing is not None:
        if (existing.id, existing.principal_id, existing.key_id) != (event_id, caller.id, key_id):
            raise InvalidRequest("another request has this id or this key", field="id")
        return existing
    if await read_keys(rt, key_ids=[KeyId(key_id)]):
        raise KeyAlreadyRegistered("this public key is already registered", field="public_key")
    async with rt.db.writing() as conn:
        await store.insert_once(
            conn,
            {
                "id": event_id,
                "principal_id": caller.id,
                "public_key": public_key,
                "key_id": key_id,
                "signature": b64encode(signature),
                "asked_at": request.asked_at,
                "status": "pending",
            },
        )
        kept = await store.get(conn, event_id)
    assert kept is not None
    return kept


async def requests(
    rt: Runtime, caller: Principal, *, status: str | None
) -> list[OperatorKeyRequest]:
    """Every request, for an operator; a coordinator's own, for them."""
    mine = None if caller.has(Role.OPERATOR) else caller.id
    async with rt.db.reading() as conn:
        return await store.listed(conn, principal_id=mine, status=status)


async def register(rt: Runtime, caller: Principal, request_id: UUID) -> Outcome:
    """The operator registers the key as the coordinator signed it; the log key
    countersigns. Registering it again answers as a replay."""
    if not caller.has(Role.OPERATOR):
        raise Forbidden("an operator registers a coordinator's operator key")
    async with rt.db.reading() as conn:
        request = await store.get(conn, request_id)
    if request is None:
        raise NotFound("no operator key request with this id", field="id")
    own = Signature(KeyId(request.key_id), b64decode(request.signature, field="signature"))
    write = vouched_write(rt, registration(request), (own,))
    [outcome] = await rt.journal.submit([write], atomic=False, recorded_at=rt.clock())
    if outcome.accepted:
        async with rt.db.writing() as conn:
            await store.mark_registered(conn, request_id, by=caller.id, at=rt.clock())
            await notify(
                conn,
                request.principal_id,
                "key_registered",
                {"key_id": request.key_id, "action": KeyAction.REGISTER.value},
                source=str(request.id),
                now=rt.clock(),
            )
    return outcome
