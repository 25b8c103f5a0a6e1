"""``/projects``: territorial projects, their lead and their accounts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, UpdatedSince, aware, page_links
from mutual.api.problem_codes import CLIENT_ID, SIGNATURES
from mutual.api.problems import problem_responses
from mutual.api.project_followup_schemas import SheetOut
from mutual.api.project_schemas import (
    GroupOut,
    LeadIn,
    ProjectAccountOut,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ProjectSummaryOut,
)
from mutual.store.projects import ProjectRecord
from mutual.usecases import projects as usecase


def sheet_out(record: ProjectRecord) -> SheetOut:
    return SheetOut(
        description=record.description,
        neighbourhood=record.neighbourhood,
        group_id=record.group_id,
        status=record.status,
        starts_on=record.starts_on,
        ends_on=record.ends_on,
        needs_eur_cents=record.needs_eur,
        needs_minutes=record.needs_minutes,
        needs_goods=record.needs_goods,
    )


def _summary(record: ProjectRecord) -> ProjectSummaryOut:
    return ProjectSummaryOut(
        id=record.id,
        name=record.name,
        category=record.category,
        group=GroupOut(kind=record.group_kind, name=record.group_name),
        lead=record.lead_id,
        sheet=sheet_out(record),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def project_out(view: usecase.ProjectView) -> ProjectOut:
    return ProjectOut(
        **_summary(view.record).model_dump(),
        accounts=[
            ProjectAccountOut(
                id=a.id,
                unit=a.unit,
                balance=a.balance,
                balance_min=a.balance_min,
                balance_max=a.balance_max,
            )
            for a in view.accounts
        ],
    )


@post(
    "/projects",
    operation_id="createProject",
    responses=problem_responses(
        "not_listed",
        "not_found",
        *CLIENT_ID,
        *SIGNATURES[1:],
        "account_exists",
        "invalid_key_event",
    ),
    summary="Create a territorial project: its accounts and its lead, in the ledger",
    status_code=201,
)
async def create_project(
    data: JSONBody[ProjectIn], state: State, principal: CurrentPrincipal
) -> ProjectOut:
    """Coordinators only. The accounts (EUR, PLEDGE, and TIME when it pays time credits)
    are owned by the project and never go below zero; the lead is appointed the
    project's custodian, so only the lead's signature on its behalf spends from them."""
    new = usecase.NewProject(
        data.name, data.category, data.group.kind, data.group.name, data.lead, data.pays_time
    )
    view = await usecase.create_project(runtime_of(state), principal, data.id, new)
    return project_out(view)


@get(
    "/projects",
    operation_id="listProjects",
    responses=problem_responses(),
    summary="List projects, optionally those of one lead or one group, or changed since a time",
)
async def list_projects(
    request: Request[Any, Any, Any],
    state: State,
    principal: CurrentPrincipal,
    lead: FromQuery[UUID | None] = None,
    group: FromQuery[UUID | None] = None,
    updated_since: UpdatedSince = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ProjectPage:
    page = await usecase.list_projects(
        runtime_of(state),
        lead_id=lead,
        group_id=group,
        cursor=cursor,
        limit=limit,
        updated_since=aware(updated_since),
    )
    return ProjectPage(
        items=[_summary(r) for r in page.items], **page_links(request, page.next_cursor)
    )


@get(
    "/projects/{project_id:uuid}",
    operation_id="getProject",
    responses=problem_responses("not_found"),
    summary="A project with its accounts and balances",
)
async def get_project(
    project_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> ProjectOut:
    return project_out(await usecase.read_project(runtime_of(state), project_id))


@put(
    "/projects/{project_id:uuid}/lead",
    operation_id="changeProjectLead",
    responses=problem_responses("not_found", *SIGNATURES[1:], "invalid_key_event"),
    summary="Hand the project to another lead (one atomic ledger write)",
)
async def change_lead(
    project_id: FromPath[UUID], data: JSONBody[LeadIn], state: State, principal: CurrentPrincipal
) -> ProjectOut:
    view = await usecase.change_lead(runtime_of(state), principal, project_id, data.lead)
    return project_out(view)
