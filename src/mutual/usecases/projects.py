"""Territorial projects: a lead, a proposing coordination group, a category, and accounts.

A project is a principal without keys: its accounts (``EUR``, ``PLEDGE``, and ``TIME``
when it pays time credits) are owned by its id, and the log appoints its lead as its
custodian, so only the lead's signature on the project's behalf spends from them. A
change of lead is one atomic write: the old lead removed, the new one appointed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mutual.core import derived
from mutual.core.accounts import Account, OwnerKind, open_account
from mutual.core.authority import Principal
from mutual.core.ids import AccountId, PrincipalId
from mutual.core.registry import KeyAction, KeyEvent
from mutual.core.roles import AccountRole, RoleName
from mutual.core.territory_lists import ListKind
from mutual.core.units import EUR, PLEDGE, TIME, Unit
from mutual.store import accounts as account_store
from mutual.store import projects as store
from mutual.store.journal import WriteRequest
from mutual.store.outcomes import Outcome, raise_refusal
from mutual.store.projects import ProjectRecord
from mutual.usecases import territory_lists as lists
from mutual.usecases.accounts import account_write
from mutual.usecases.errors import InvalidRequest, NotFound
from mutual.usecases.keys import vouched_write
from mutual.usecases.members import active_member, require_coordinator
from mutual.usecases.pagination import Page, cut_page, decode_id_cursor
from mutual.usecases.runtime import Runtime, chosen_id, new_id

GROUP_KINDS = ("thematic", "resource", "neighbourhood")


@dataclass(frozen=True, slots=True)
class NewProject:
    name: str
    category: str
    group_kind: str
    group_name: str
    lead_id: UUID
    pays_time: bool
    # Where the project comes from when a group turned a resident's idea into it.
    group_id: UUID | None = None
    description: str | None = None
    neighbourhood: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectView:
    record: ProjectRecord
    accounts: list[Account]


def project_account_id(project_id: UUID, unit: Unit) -> AccountId:
    # Derived from the project, so a retried creation opens the same accounts.
    return derived.project_account_id(project_id, unit)


async def _submit(rt: Runtime, writes: list[WriteRequest]) -> list[Outcome]:
    outcomes = await rt.journal.submit(writes, atomic=True, recorded_at=rt.clock())
    raise_refusal(outcomes)
    return outcomes


async def create_project(
    rt: Runtime, caller: Principal, project_id: UUID | None, new: NewProject
) -> ProjectView:
    """Open the project's accounts and appoint its lead, in one atomic ledger write."""
    require_coordinator(caller)
    return await open_project(rt, caller, project_id, new)


async def open_project(
    rt: Runtime, caller: Principal, project_id: UUID | None, new: NewProject
) -> ProjectView:
    """``create_project`` once the caller may: a coordinator, or a group's facilitator
    turning an idea submitted to the group into a project (``project_sheets``)."""
    await lists.require_now(rt, ListKind.CATEGORY, new.category, "category")
    if new.group_kind not in GROUP_KINDS:
        raise InvalidRequest(f"group kind is one of {', '.join(GROUP_KINDS)}", field="group.kind")
    await active_member(rt, new.lead_id, field="lead")
    pid = chosen_id(project_id)
    async with rt.db.reading() as conn:
        existing = await store.get_project(conn, pid)
    if existing is not None:
        same = (existing.name, existing.category, existing.group_kind, existing.group_name)
        if same != (new.name, new.category, new.group_kind, new.group_name):
            raise InvalidRequest("a different project has this id", field="id")
        return await read_project(rt, pid)  # a retry of a creation that completed
    units = [EUR, PLEDGE, *([TIME] if new.pays_time else [])]
    # A project's accounts never go below zero: it spends what it was given.
    accounts = [
        open_account(
            project_account_id(pid, u),
            u,
            OwnerKind.PROJECT,
            str(pid),
            0,
            None,
            AccountRole(RoleName.PROJECT, project=pid),
        )
        for u in units
    ]
    appoint = KeyEvent(
        derived.lead_appointment_id(pid, new.lead_id),
        KeyAction.APPOINT_CUSTODIAN,
        PrincipalId(pid),
        by=caller.id,
        custodian=PrincipalId(new.lead_id),
    )
    await _submit(rt, [*(account_write(rt, a) for a in accounts), vouched_write(rt, appoint)])
    by_unit = {a.unit: a.id for a in accounts}
    async with rt.db.writing() as conn:
        await store.insert_project(
            conn,
            {
                "id": pid,
                "name": new.name,
                "category": new.category,
                "group_kind": new.group_kind,
                "group_name": new.group_name,
                "lead_id": new.lead_id,
                "eur_account": by_unit[EUR],
                "pledge_account": by_unit[PLEDGE],
                "time_account": by_unit.get(TIME),
                "created_at": rt.clock(),
                "group_id": new.group_id,
                "description": new.description,
                "neighbourhood": new.neighbourhood,
            },
        )
    return await read_project(rt, pid)


async def change_lead(
    rt: Runtime, caller: Principal, project_id: UUID, lead_id: UUID
) -> ProjectView:
    """The old lead stops and the new one starts being the project's custodian at the
    same log index."""
    require_coordinator(caller)
    view = await read_project(rt, project_id)
    await active_member(rt, lead_id, field="lead")
    old = view.record.lead_id
    if old != lead_id:
        events = [
            KeyEvent(
                new_id(),
                action,
                PrincipalId(project_id),
                by=caller.id,
                custodian=PrincipalId(who),
            )
            for action, who in (
                (KeyAction.REMOVE_CUSTODIAN, old),
                (KeyAction.APPOINT_CUSTODIAN, lead_id),
            )
        ]
        await _submit(rt, [vouched_write(rt, e) for e in events])
        async with rt.db.writing() as conn:
            await store.set_lead(conn, project_id, lead_id)
    return await read_project(rt, project_id)


async def read_project(rt: Runtime, project_id: UUID) -> ProjectView:
    async with rt.db.reading() as conn:
        record = await store.get_project(conn, project_id)
    if record is None:
        raise NotFound("no such project", field="id")
    ids = [a for a in (record.eur_account, record.pledge_account, record.time_account) if a]
    accounts = [await account_store.get_account(rt.db, AccountId(a)) for a in ids]
    return ProjectView(record, [a for a in accounts if a is not None])


async def list_projects(
    rt: Runtime,
    *,
    lead_id: UUID | None,
    cursor: str | None,
    limit: int,
    updated_since: datetime | None = None,
    group_id: UUID | None = None,
) -> Page[ProjectRecord]:
    async with rt.db.reading() as conn:
        found = await store.list_projects(
            conn,
            lead_id=lead_id,
            after=decode_id_cursor("projects", cursor),
            limit=limit + 1,
            updated_since=updated_since,
            group_id=group_id,
        )
    return cut_page("projects", found, limit, lambda r: str(r.id))
