"""``/groups``: the coordination groups, who sits in them, and who represents them in the
city group (each change a log entry signed by the log key)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.group_schemas import (
    CoordinationGroupIn,
    CoordinationGroupOut,
    CoordinationGroupPage,
    GroupMemberIn,
    MandateOut,
    MembershipOut,
)
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID
from mutual.api.problems import problem_responses
from mutual.core.groups import Group, GroupAction, GroupKind, Groups
from mutual.usecases import groups as usecase
from mutual.usecases.pagination import page_in_memory

CHANGE_PROBLEMS = problem_responses("not_found", "invalid_group", "group_rule")


def _out(group: Group, groups: Groups) -> CoordinationGroupOut:
    city = group if group.kind is GroupKind.CITY else groups.city()
    mandates = () if city is None else city.mandates
    if group.kind is not GroupKind.CITY:
        mandates = tuple(m for m in mandates if m.represents == group.id)
    return CoordinationGroupOut(
        id=group.id,
        kind=group.kind,
        name=group.name,
        neighbourhood=group.neighbourhood,
        created_at=group.created_at,
        members=list(group.members()),
        memberships=[
            MembershipOut(member_id=m.member, joined_at=m.joined, left_at=m.left)
            for m in group.memberships
        ],
        representatives=[
            MandateOut(
                member_id=m.member,
                represents=m.represents,
                since=m.since,
                since_index=m.since_index,
                until=m.until,
                until_index=m.until_index,
            )
            for m in mandates
        ],
        facilitator=group.facilitator,
    )


async def _answer(state: State, group_id: UUID) -> CoordinationGroupOut:
    groups = await usecase.groups(runtime_of(state))
    return _out(groups.get(group_id), groups)


@post(
    "/groups",
    operation_id="createGroup",
    responses=problem_responses("not_listed", *CLIENT_ID, "invalid_group", "group_rule"),
    summary="Create a coordination group: a life slice, a resource, a neighbourhood or "
    "the city group (coordinators; a log entry signed by the log key)",
    status_code=201,
)
async def create_group(
    data: JSONBody[CoordinationGroupIn], state: State, principal: CurrentPrincipal
) -> CoordinationGroupOut:
    group = await usecase.create_group(
        runtime_of(state), principal, data.kind, data.name, data.neighbourhood, group_id=data.id
    )
    return await _answer(state, group.id)


@get(
    "/groups",
    operation_id="listGroups",
    responses=problem_responses(),
    summary="The coordination groups, their members and representatives",
)
async def list_groups(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> CoordinationGroupPage:
    del principal  # every member may see who sits where: the log says it to auditors too
    groups = await usecase.groups(runtime_of(state))
    ordered = sorted(groups.groups.values(), key=lambda g: (g.created_at, str(g.id)))
    page = page_in_memory(
        "groups", ordered, cursor, limit, key=lambda g: f"{g.created_at.isoformat()}|{g.id}"
    )
    return CoordinationGroupPage(
        items=[_out(g, groups) for g in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/groups/{group_id:uuid}",
    operation_id="getGroup",
    responses=problem_responses("not_found"),
    summary="A coordination group: its members with their dates, its representatives with "
    "their mandates, its facilitator",
)
async def get_group(
    group_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> CoordinationGroupOut:
    del principal
    await usecase.get_group(runtime_of(state), group_id)
    return await _answer(state, group_id)


@post(
    "/groups/{group_id:uuid}/members",
    operation_id="addGroupMember",
    responses=CHANGE_PROBLEMS,
    summary="A member joins the group (coordinators)",
    status_code=201,
)
async def add_member(
    group_id: FromPath[UUID],
    data: JSONBody[GroupMemberIn],
    state: State,
    principal: CurrentPrincipal,
) -> CoordinationGroupOut:
    await usecase.change_member(
        runtime_of(state), principal, group_id, data.member_id, GroupAction.MEMBER_JOINED
    )
    return await _answer(state, group_id)


@delete(
    "/groups/{group_id:uuid}/members/{member_id:uuid}",
    operation_id="removeGroupMember",
    responses=CHANGE_PROBLEMS,
    summary="A member leaves the group (coordinators; their mandate for it ends first)",
    status_code=200,
)
async def remove_member(
    group_id: FromPath[UUID], member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> CoordinationGroupOut:
    await usecase.change_member(
        runtime_of(state), principal, group_id, member_id, GroupAction.MEMBER_LEFT
    )
    return await _answer(state, group_id)


@post(
    "/groups/{group_id:uuid}/facilitator",
    operation_id="setGroupFacilitator",
    responses=CHANGE_PROBLEMS,
    summary="Set the group's facilitator, one of its members (coordinators)",
    status_code=201,
)
async def set_facilitator(
    group_id: FromPath[UUID],
    data: JSONBody[GroupMemberIn],
    state: State,
    principal: CurrentPrincipal,
) -> CoordinationGroupOut:
    await usecase.change_member(
        runtime_of(state), principal, group_id, data.member_id, GroupAction.FACILITATOR_SET
    )
    return await _answer(state, group_id)


@post(
    "/groups/{group_id:uuid}/representatives",
    operation_id="appointGroupRepresentative",
    responses=CHANGE_PROBLEMS,
    summary="Appoint a member of the group its representative to the city group, from "
    "now (coordinators)",
    status_code=201,
)
async def appoint(
    group_id: FromPath[UUID],
    data: JSONBody[GroupMemberIn],
    state: State,
    principal: CurrentPrincipal,
) -> CoordinationGroupOut:
    await usecase.change_mandate(
        runtime_of(state), principal, group_id, data.member_id, GroupAction.REPRESENTATIVE_APPOINTED
    )
    return await _answer(state, group_id)


@delete(
    "/groups/{group_id:uuid}/representatives/{member_id:uuid}",
    operation_id="endGroupMandate",
    responses=CHANGE_PROBLEMS,
    summary="End a representative's mandate for the group, from now (coordinators)",
    status_code=200,
)
async def end_mandate(
    group_id: FromPath[UUID], member_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> CoordinationGroupOut:
    await usecase.change_mandate(
        runtime_of(state), principal, group_id, member_id, GroupAction.MANDATE_ENDED
    )
    return await _answer(state, group_id)


ROUTES: list[HTTPRouteHandler] = [
    create_group,
    list_groups,
    get_group,
    add_member,
    remove_member,
    set_facilitator,
    appoint,
    end_mandate,
]
