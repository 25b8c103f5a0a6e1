"""Coordination groups: a coordinator creates a group, records who joins and leaves it,
appoints its representatives to the city group and ends their mandates, and sets its
facilitator. Each change is a group entry signed by the log key and checked by the one
fold (``core.groups`` through ``core.fold``); what a group is, is read back from the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal
from mutual.core.entries import EntryType
from mutual.core.groups import (
    Group,
    GroupAction,
    GroupEntry,
    GroupKind,
    GroupRule,
    Groups,
    group_payload,
)
from mutual.core.signing import Domain
from mutual.core.territory_lists import ListKind
from mutual.store import groups as store
from mutual.store import timebank as member_store
from mutual.store.journal import GroupWrite
from mutual.store.outcomes import raise_refusal
from mutual.usecases import territory_lists as lists
from mutual.usecases.errors import Forbidden, NotFound
from mutual.usecases.members import is_coordinator
from mutual.usecases.runtime import Runtime, chosen_id


def require_coordinator(caller: Principal) -> None:
    if not is_coordinator(caller):
        raise Forbidden("only a coordinator changes the coordination groups")


async def groups(rt: Runtime) -> Groups:
    async with rt.db.reading() as conn:
        return await store.load_groups(conn, rt.log.origin)


async def get_group(rt: Runtime, group_id: UUID) -> Group:
    found = (await groups(rt)).groups.get(group_id)
    if found is None:
        raise NotFound("no such group", field="group_id")
    return found


async def _write(
    rt: Runtime,
    caller: Principal,
    group_id: UUID | None,
    action: GroupAction,
    body: Mapping[str, Any],
    *,
    entry_id: UUID | None,
) -> Group:
    """Write one group entry (the fold refuses what the groups' rules do not allow) and
    return the group it names as the log now holds it. A retried entry id answers what
    the log recorded."""
    eid = chosen_id(entry_id)
    gid = eid if group_id is None else group_id
    entry = GroupEntry(eid, gid, action, caller.id, rt.clock(), dict(body))
    log_entry, digest = rt.log.sign_entry(
        Domain.GROUP, EntryType.GROUP, group_payload(rt.log.origin, entry)
    )
    outcomes = await rt.journal.submit(
        [GroupWrite(entry, digest, log_entry)], atomic=True, recorded_at=rt.clock()
    )
    raise_refusal(outcomes)
    return await get_group(rt, gid)


async def _require_member(rt: Runtime, member_id: UUID) -> None:
    async with rt.db.reading() as conn:
        if await member_store.get_member(conn, member_id) is None:
            raise NotFound("no such member", field="member_id")


async def create_group(
    rt: Runtime,
    caller: Principal,
    kind: GroupKind,
    name: str,
    neighbourhood: str | None,
    *,
    group_id: UUID | None,
) -> Group:
    require_coordinator(caller)
    if group_id is not None:
        async with rt.db.reading() as conn:
            if await store.entry_index(conn, group_id) is not None:
                return await get_group(rt, group_id)
    await lists.require_now(rt, ListKind.NEIGHBOURHOOD, neighbourhood, "neighbourhood")
    body = {"kind": kind.value, "name": name, "neighbourhood": neighbourhood}
    return await _write(rt, caller, None, GroupAction.CREATED, body, entry_id=group_id)


async def change_member(
    rt: Runtime, caller: Principal, group_id: UUID, member_id: UUID, action: GroupAction
) -> Group:
    """A member joins or leaves a group, or becomes its facilitator."""
    require_coordinator(caller)
    await get_group(rt, group_id)
    await _require_member(rt, member_id)
    return await _write(rt, caller, group_id, action, {"member": str(member_id)}, entry_id=None)


async def change_mandate(
    rt: Runtime, caller: Principal, group_id: UUID, member_id: UUID, action: GroupAction
) -> Group:
    """A member of a group is appointed its representative to the city group, or their
    mandate ends. Answers the group represented."""
    require_coordinator(caller)
    current = await groups(rt)
    if group_id not in current.groups:
        raise NotFound("no such group", field="group_id")
    city = current.city()
    if city is None:
        raise GroupRule("the territory has no city group yet", field="city")
    await _require_member(rt, member_id)
    await _write(
        rt,
        caller,
        group_id,
        action,
        {"member": str(member_id), "city": str(city.id)},
        entry_id=None,
    )
    return await get_group(rt, group_id)
