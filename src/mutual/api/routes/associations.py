"""``/associations``: organisations taking part in the time bank, and who acts for them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody

from mutual.api.association_schemas import (
    ActorIn,
    ActorOut,
    AssociationIn,
    AssociationOut,
    AssociationPage,
)
from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, SIGNATURES
from mutual.api.problems import problem_responses
from mutual.usecases import associations as usecase
from mutual.usecases.pagination import page_in_memory


def _out(view: usecase.AssociationView) -> AssociationOut:
    record, account = view.record, view.account
    return AssociationOut(
        id=record.id,
        name=record.name,
        neighbourhood=record.neighbourhood,
        account_id=account.id,
        balance=account.balance,
        balance_min=account.balance_min,
        balance_max=account.balance_max,
        acting_members=[
            ActorOut(member_id=a.member_id, display_name=a.display_name) for a in view.actors
        ],
        created_at=record.created_at,
    )


@post(
    "/associations",
    operation_id="registerAssociation",
    responses=problem_responses(
        "not_listed", "invalid_request", *CLIENT_ID, *SIGNATURES[1:], "account_exists"
    ),
    summary="Register an association: its principal and its TIME account, opened with "
    "the territory's default bounds (coordinators)",
    status_code=201,
)
async def register(
    data: JSONBody[AssociationIn], state: State, principal: CurrentPrincipal
) -> AssociationOut:
    view = await usecase.register(
        runtime_of(state), principal, data.id, name=data.name, neighbourhood=data.neighbourhood
    )
    return _out(view)


@get(
    "/associations",
    operation_id="listAssociations",
    responses=problem_responses(),
    summary="The associations, with who acts for each; `acting_member` keeps those one "
    "member acts for",
)
async def list_associations(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    acting_member: FromQuery[UUID | None] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> AssociationPage:
    del principal  # every member may see which associations take part, and who acts
    found = await usecase.list_associations(runtime_of(state), member_id=acting_member)
    page = page_in_memory("associations", found, cursor, limit, key=lambda v: str(v.record.id))
    return AssociationPage(
        items=[_out(v) for v in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/associations/{association_id:uuid}",
    operation_id="getAssociation",
    responses=problem_responses("not_found"),
    summary="An association, its account and who acts for it",
)
async def get_association(
    association_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> AssociationOut:
    del principal
    return _out(await usecase.read_association(runtime_of(state), association_id))


@post(
    "/associations/{association_id:uuid}/acting-members",
    operation_id="appointAssociationMember",
    responses=problem_responses("not_found", *SIGNATURES[1:], "invalid_key_event"),
    summary="Appoint a member to act for the association (coordinators; a custodian of "
    "it in the log, signed by the log key)",
    status_code=201,
)
async def appoint(
    association_id: FromPath[UUID],
    data: JSONBody[ActorIn],
    state: State,
    principal: CurrentPrincipal,
) -> AssociationOut:
    view = await usecase.appoint(runtime_of(state), principal, association_id, data.member_id)
    return _out(view)


@delete(
    "/associations/{association_id:uuid}/acting-members/{member_id:uuid}",
    operation_id="removeAssociationMember",
    responses=problem_responses("not_found", *SIGNATURES[1:], "invalid_key_event"),
    summary="Stop a member acting for the association (coordinators; from that log index "
    "their signature for it is refused)",
    status_code=200,
)
async def remove(
    association_id: FromPath[UUID],
    member_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
) -> AssociationOut:
    view = await usecase.remove(runtime_of(state), principal, association_id, member_id)
    return _out(view)


ROUTES: list[HTTPRouteHandler] = [register, list_associations, get_association, appoint, remove]
