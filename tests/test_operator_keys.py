"""The operator's side of the registry, on both databases: an operator key a coordinator
made on their own device and asked for (``by`` naming them, signed by the new key) is
registered when an operator brings it, the coordinator is told, and nobody else may bring
it; the custodians the log appointed are listed, and a removal drops one."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from mutual.core.authority import Principal, Role
from mutual.core.ids import PrincipalId
from mutual.core.keypair import Keypair
from mutual.core.registry import Capacity, KeyAction, KeyEvent
from mutual.store.timebank import read_notifications
from mutual.usecases.errors import Forbidden, InvalidRequest
from mutual.usecases.keys import read_custodians, read_keys, submit_key_event
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR, member


def keypair(name: str) -> Keypair:
    return Keypair(hashlib.sha256(f"operator keys test/{name}".encode()).digest())


def asked(who: Principal, key: Keypair, *, capacity: Capacity = Capacity.OPERATOR) -> KeyEvent:
    """The registration the coordinator's device signs: asked for by the coordinator."""
    return KeyEvent(
        uuid.uuid4(),
        KeyAction.REGISTER,
        who.id,
        by=who.id,
        public_key=key.public_key,
        capacity=capacity,
    )


async def test_an_operator_registers_the_key_a_coordinator_asked_for(runtime: Runtime) -> None:
    """Brought by an operator with the new key's own signature, the request is recorded
    (countersigned by the log key) and the coordinator is told; the coordinator alone,
    or an operator without the key's signature, gets nothing written."""
    rt = runtime
    coordinator = Principal(PrincipalId(uuid.uuid4()), frozenset({Role.COORDINATION_MEMBER}))
    key = keypair("coordinator")
    event = asked(coordinator, key)
    signature = key.sign_key_event(rt.log.origin, event)
    with pytest.raises(Forbidden):
        await submit_key_event(rt, coordinator, event, [signature])
    with pytest.raises(InvalidRequest):
        await submit_key_event(rt, OPERATOR, event, [])
    assert await read_keys(rt, principal_id=coordinator.id) == []

    outcome = await submit_key_event(rt, OPERATOR, event, [signature])
    assert outcome.accepted, outcome.body
    [record] = await read_keys(rt, principal_id=coordinator.id)
    assert (record.capacity, record.public_key) == (Capacity.OPERATOR, key.public_key)
    async with rt.db.reading() as conn:
        told = await read_notifications(conn, coordinator.id, after=0, limit=10)
    assert [n.kind for n in told] == ["key_registered"]


async def test_a_request_naming_its_holder_is_for_an_operator_key_only(runtime: Runtime) -> None:
    """A member key is never registered this way: the operator may not bring it."""
    rt = runtime
    resident = member()
    key = keypair("resident")
    event = asked(resident, key, capacity=Capacity.MEMBER)
    with pytest.raises(Forbidden):
        await submit_key_event(rt, OPERATOR, event, [key.sign_key_event(rt.log.origin, event)])
    assert await read_keys(rt, principal_id=resident.id) == []


async def test_custodians_are_listed_until_removed(runtime: Runtime) -> None:
    """An appointment shows in the list with its log index; its removal takes it out."""
    rt = runtime
    awa, ben = member(), member()

    def change(action: KeyAction) -> KeyEvent:
        return KeyEvent(uuid.uuid4(), action, awa.id, by=OPERATOR.id, custodian=ben.id)

    appointed = await submit_key_event(rt, OPERATOR, change(KeyAction.APPOINT_CUSTODIAN), [])
    assert appointed.accepted, appointed.body
    [custody] = await read_custodians(rt, awa.id)
    assert (custody.principal, custody.custodian) == (awa.id, ben.id)
    assert custody.appointed_at == appointed.body["log_index"]
    assert await read_custodians(rt, ben.id) == []
    removed = await submit_key_event(rt, OPERATOR, change(KeyAction.REMOVE_CUSTODIAN), [])
    assert removed.accepted, removed.body
    assert await read_custodians(rt, awa.id) == []
