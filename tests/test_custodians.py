"""The custodians the log appointed, on both databases: listed with the appointment's log
index, and a removal drops one."""

from __future__ import annotations

import uuid

from mutual.core.registry import KeyAction, KeyEvent
from mutual.usecases.keys import read_custodians, submit_key_event
from mutual.usecases.runtime import Runtime
from tests.conftest import OPERATOR, member


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
