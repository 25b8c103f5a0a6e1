"""A project's sheet, and residents' project ideas submitted to a coordination group.

The sheet (description, neighbourhood, the group following the project, status, dates,
what it needs in euros, hours and goods) is edited by the project's lead and by
coordinators. An idea is submitted to a group by any member; the group's members and
facilitator read the ideas of their group; a coordinator or the group's facilitator
turns one into a project (its accounts and lead in the ledger, as ``projects`` opens
them) or declines it with a reason. Who sits in a group is the log's (``core.groups``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from mutual.core.authority import Principal, Role
from mutual.core.derived import named_client_id
from mutual.core.errors import LedgerError
from mutual.core.groups import Group, GroupKind
from mutual.core.project_sheets import PROJECT_STATUSES, dates_in_order
from mutual.core.territory_lists import ListKind
from mutual.store import project_followups as store
from mutual.store import projects as project_store
from mutual.store.project_followups import IdeaRecord
from mutual.store.projects import ProjectRecord
from mutual.usecases import groups as group_usecase
from mutual.usecases import projects
from mutual.usecases import territory_lists as lists
from mutual.usecases.errors import Forbidden, InvalidRequest, NotFound
from mutual.usecases.members import active_member, is_coordinator, oversees
from mutual.usecases.runtime import Runtime, chosen_id


class IdeaDecided(LedgerError):
    """An idea already turned into a project or declined is not decided again."""

    code = "idea_decided"


def sits_in(group: Group, who: UUID) -> bool:
    """A member of the group now, or its facilitator."""
    return group.is_member(who) or group.facilitator == who


async def project_record(rt: Runtime, project_id: UUID) -> ProjectRecord:
    async with rt.db.reading() as conn:
        record = await project_store.get_project(conn, project_id)
    if record is None:
        raise NotFound("no such project", field="project_id")
    return record


async def project_group(rt: Runtime, project: ProjectRecord) -> Group | None:
    if project.group_id is None:
        return None
    return (await group_usecase.groups(rt)).groups.get(project.group_id)


# --- The sheet --------------------------------------------------------------------------

# The sheet's fields a PATCH may set, each None to clear it (status excepted).
SHEET_FIELDS = (
    "description",
    "neighbourhood",
    "group_id",
    "status",
    "starts_on",
    "ends_on",
    "needs_eur",
    "needs_minutes",
    "needs_goods",
)


async def update_sheet(
    rt: Runtime, caller: Principal, project_id: UUID, changes: dict[str, Any]
) -> projects.ProjectView:
    """Set the fields given (the others stay): the project's lead or a coordinator."""
    record = await project_record(rt, project_id)
    if not (is_coordinator(caller) or caller.id == record.lead_id):
        raise Forbidden("the project's lead and coordinators edit its sheet")
    unknown = set(changes) - set(SHEET_FIELDS)
    if unknown:
        raise InvalidRequest("not a field of the sheet", field=sorted(unknown)[0])
    if "status" in changes and changes["status"] not in PROJECT_STATUSES:
        raise InvalidRequest(f"status is one of {', '.join(PROJECT_STATUSES)}", field="status")
    if changes.get("group_id") is not None:
        await group_usecase.get_group(rt, changes["group_id"])
    await lists.require_now(
        rt,
        ListKind.NEIGHBOURHOOD,
        changes.get("neighbourhood"),
        "neighbourhood",
        kept=record.neighbourhood,
    )
    starts: date | None = changes.get("starts_on", record.starts_on)
    ends: date | None = changes.get("ends_on", record.ends_on)
    if not dates_in_order(starts, ends):
        raise InvalidRequest("a project ends on or after the day it starts", field="ends_on")
    if changes:
        async with rt.db.writing() as conn:
            await project_store.update_sheet(conn, project_id, changes)
    return await projects.read_project(rt, project_id)


# --- Ideas ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewIdea:
    title: str
    description: str
    neighbourhood: str | None


def _is_member(caller: Principal) -> bool:
    return Role.MEMBER in caller.roles


async def submit_idea(
    rt: Runtime, caller: Principal, group_id: UUID, idea_id: UUID | None, new: NewIdea
) -> IdeaRecord:
    """Any member submits an idea to a group; the same id sent again answers the first."""
    if not _is_member(caller):
        raise Forbidden("members submit project ideas")
    await active_member(rt, caller.id, field="author")
    await group_usecase.get_group(rt, group_id)
    await lists.require_now(rt, ListKind.NEIGHBOURHOOD, new.neighbourhood, "neighbourhood")
    iid = chosen_id(idea_id)
    async with rt.db.writing() as conn:
        existing = await store.get_idea(conn, iid)
        if existing is None:
            await store.insert_idea(
                conn,
                {
                    "id": iid,
                    "group_id": group_id,
                    "author_id": caller.id,
                    "title": new.title,
                    "description": new.description,
                    "neighbourhood": new.neighbourhood,
                    "status": "submitted",
                    "created_at": rt.clock(),
                },
            )
    if existing is not None:
        same = (existing.group_id, existing.author_id, existing.title, existing.description)
        if same != (group_id, caller.id, new.title, new.description):
            raise InvalidRequest("a different idea has this id", field="id")
        return existing
    return await _idea(rt, group_id, iid)


async def _idea(rt: Runtime, group_id: UUID, idea_id: UUID) -> IdeaRecord:
    async with rt.db.reading() as conn:
        idea = await store.get_idea(conn, idea_id)
    if idea is None or idea.group_id != group_id:
        raise NotFound("no such idea in this group", field="idea_id")
    return idea


async def group_ideas(rt: Runtime, caller: Principal, group_id: UUID) -> list[IdeaRecord]:
    """The group's members and facilitator, and coordinators, read all its ideas; any
    other member reads the ones they submitted."""
    group = await group_usecase.get_group(rt, group_id)
    async with rt.db.reading() as conn:
        found = await store.ideas_of(conn, group_id)
    if oversees(caller) or sits_in(group, caller.id):
        return found
    return [idea for idea in found if idea.author_id == caller.id]


@dataclass(frozen=True, slots=True)
class Acceptance:
    """What turning an idea into a project needs beyond the idea: its lead, its category
    and whether it pays time credits."""

    lead_id: UUID
    category: str
    pays_time: bool


# The text label a project kept before groups were entities (``projects.GROUP_KINDS``):
# a life slice and the city group read as the thematic groups they were.
_LABEL = {
    GroupKind.LIFE_SLICE: "thematic",
    GroupKind.CITY: "thematic",
    GroupKind.RESOURCE: "resource",
    GroupKind.NEIGHBOURHOOD: "neighbourhood",
}


async def decide_idea(
    rt: Runtime,
    caller: Principal,
    group_id: UUID,
    idea_id: UUID,
    accept: Acceptance | None,
    reason: str | None,
) -> IdeaRecord:
    """Turn the idea into a project (``accept``) or decline it with ``reason``: a
    coordinator or the group's facilitator, once."""
    group = await group_usecase.get_group(rt, group_id)
    if not (is_coordinator(caller) or group.facilitator == caller.id):
        raise Forbidden("a coordinator or the group's facilitator decides its ideas")
    idea = await _idea(rt, group_id, idea_id)
    if idea.status != "submitted":
        raise IdeaDecided(f"this idea was {idea.status} before", field="idea_id")
    values: dict[str, Any] = {"decided_by": caller.id, "decided_at": rt.clock()}
    if accept is None:
        if not reason:
            raise InvalidRequest("a declined idea says why", field="reason")
        values |= {"status": "declined", "reason": reason}
    else:
        # The project's id derives from the idea's, so a retried acceptance whose ledger
        # write went through opens no second project.
        pid = named_client_id(f"mutual:project-of-idea/{idea.id}")
        new = projects.NewProject(
            idea.title,
            accept.category,
            _LABEL[group.kind],
            group.name,
            accept.lead_id,
            accept.pays_time,
            group_id=group.id,
            description=idea.description,
            neighbourhood=idea.neighbourhood or group.neighbourhood,
        )
        await projects.open_project(rt, caller, pid, new)
        values |= {"status": "accepted", "reason": reason, "project_id": pid}
    async with rt.db.writing() as conn:
        if not await store.decide_idea(conn, idea.id, values):
            raise IdeaDecided("this idea was decided meanwhile", field="idea_id")
    return await _idea(rt, group_id, idea_id)
