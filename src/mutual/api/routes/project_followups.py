"""A project followed after funding: its sheet (``PATCH /projects/{id}``), residents'
ideas submitted to a group (``/groups/{id}/ideas``), the indicators the group agreed,
the lead's quarterly follow-ups and the group's co-evaluation, and its results beside
its money (``/projects/{id}/results``). Rows beside the log, not log entries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, patch, post, put
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from mutual.api.dependencies import CurrentPrincipal, runtime_of
from mutual.api.pages import Cursor, Limit, page_links
from mutual.api.problem_codes import CLIENT_ID, SIGNATURES
from mutual.api.problems import problem_responses
from mutual.api.project_followup_schemas import (
    EvaluationIn,
    EvaluationOut,
    FollowupIn,
    FollowupOut,
    FollowupPage,
    IdeaDecisionIn,
    IdeaIn,
    IdeaOut,
    IdeaPage,
    IndicatorIn,
    IndicatorOut,
    IndicatorPage,
    IndicatorResultOut,
    IndicatorValueOut,
    ResultsOut,
    SheetIn,
)
from mutual.api.project_schemas import ProjectOut
from mutual.api.routes.projects import project_out, sheet_out
from mutual.store.project_followups import FollowupRecord, IdeaRecord, IndicatorRecord
from mutual.usecases import project_followups as followups
from mutual.usecases import project_sheets as sheets
from mutual.usecases.errors import InvalidRequest
from mutual.usecases.pagination import page_in_memory, time_key


def _idea_out(idea: IdeaRecord) -> IdeaOut:
    return IdeaOut.model_validate(idea, from_attributes=True)


def _indicator_out(indicator: IndicatorRecord) -> IndicatorOut:
    return IndicatorOut.model_validate(indicator, from_attributes=True)


def _followup_out(found: FollowupRecord) -> FollowupOut:
    evaluation = None
    if found.assessment is not None:
        assert found.evaluated_by is not None
        assert found.evaluated_at is not None
        evaluation = EvaluationOut(
            assessment=found.assessment,
            comment=found.evaluation_comment or "",
            evaluated_by=found.evaluated_by,
            evaluated_at=found.evaluated_at,
        )
    return FollowupOut(
        id=found.id,
        project_id=found.project_id,
        quarter=found.quarter,
        results=found.results,
        obstacles=found.obstacles,
        needs=found.needs,
        indicator_values=[
            IndicatorValueOut(indicator_id=k, value=v) for k, v in found.indicator_values.items()
        ],
        filed_by=found.filed_by,
        filed_at=found.filed_at,
        evaluation=evaluation,
    )


# The sheet's names in the API where they differ from the table's.
_SHEET_COLUMNS = {"needs_eur_cents": "needs_eur"}


@patch(
    "/projects/{project_id:uuid}",
    operation_id="updateProjectSheet",
    responses=problem_responses("not_found", "not_listed"),
    summary="Edit a project's sheet: description, neighbourhood, group, status, dates, needs "
    "(its lead, coordinators)",
)
async def update_sheet(
    project_id: FromPath[UUID], data: JSONBody[SheetIn], state: State, principal: CurrentPrincipal
) -> ProjectOut:
    """Only the fields sent change; null clears one. `group_id` names a group of `/groups`."""
    sent = data.model_dump(include=data.model_fields_set)
    if "status" in sent and sent["status"] is None:
        raise InvalidRequest("a project always has a status", field="status")
    changes = {_SHEET_COLUMNS.get(k, k): v for k, v in sent.items()}
    view = await sheets.update_sheet(runtime_of(state), principal, project_id, changes)
    return project_out(view)


@post(
    "/groups/{group_id:uuid}/ideas",
    operation_id="submitProjectIdea",
    responses=problem_responses("not_found", "not_listed", *CLIENT_ID),
    summary="Submit a project idea to a coordination group (any member)",
    status_code=201,
)
async def submit_idea(
    group_id: FromPath[UUID], data: JSONBody[IdeaIn], state: State, principal: CurrentPrincipal
) -> IdeaOut:
    new = sheets.NewIdea(data.title, data.description, data.neighbourhood)
    return _idea_out(await sheets.submit_idea(runtime_of(state), principal, group_id, data.id, new))


@get(
    "/groups/{group_id:uuid}/ideas",
    operation_id="listProjectIdeas",
    responses=problem_responses("not_found"),
    summary="The project ideas submitted to a group (its members and facilitator, "
    "coordinators; any other member sees their own)",
)
async def list_ideas(
    request: Request[Any, Any, Any],
    group_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IdeaPage:
    found = await sheets.group_ideas(runtime_of(state), principal, group_id)
    page = page_in_memory("ideas", found, cursor, limit, lambda i: time_key(i.created_at, i.id))
    return IdeaPage(
        items=[_idea_out(i) for i in page.items], **page_links(request, page.next_cursor)
    )


@post(
    "/groups/{group_id:uuid}/ideas/{idea_id:uuid}/decision",
    operation_id="decideProjectIdea",
    responses=problem_responses(
        "not_found", "idea_decided", *SIGNATURES[1:], "account_exists", "invalid_key_event"
    ),
    summary="Turn an idea into a project, or decline it with a reason (a coordinator or "
    "the group's facilitator)",
    status_code=200,
)
async def decide_idea(
    group_id: FromPath[UUID],
    idea_id: FromPath[UUID],
    data: JSONBody[IdeaDecisionIn],
    state: State,
    principal: CurrentPrincipal,
) -> IdeaOut:
    """Accepted, the project opens with its accounts and lead in the ledger (as
    `createProject` does), in the group, with the idea's words as its sheet."""
    accept = None
    if data.decision == "accepted":
        if data.lead is None:
            raise InvalidRequest("an accepted idea names its project's lead", field="lead")
        if data.category is None:
            raise InvalidRequest("an accepted idea names its category", field="category")
        accept = sheets.Acceptance(data.lead, data.category, data.pays_time)
    idea = await sheets.decide_idea(
        runtime_of(state), principal, group_id, idea_id, accept, data.reason
    )
    return _idea_out(idea)


@post(
    "/projects/{project_id:uuid}/indicators",
    operation_id="defineProjectIndicator",
    responses=problem_responses("not_found"),
    summary="Agree an indicator for a project: name, unit, target (its group, coordinators)",
    status_code=201,
)
async def define_indicator(
    project_id: FromPath[UUID],
    data: JSONBody[IndicatorIn],
    state: State,
    principal: CurrentPrincipal,
) -> IndicatorOut:
    new = followups.NewIndicator(data.name, data.unit, data.target)
    found = await followups.define_indicator(runtime_of(state), principal, project_id, new)
    return _indicator_out(found)


@get(
    "/projects/{project_id:uuid}/indicators",
    operation_id="listProjectIndicators",
    responses=problem_responses("not_found"),
    summary="The indicators agreed for a project",
)
async def list_indicators(
    request: Request[Any, Any, Any],
    project_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> IndicatorPage:
    found = await followups.indicators(runtime_of(state), principal, project_id)
    page = page_in_memory(
        "indicators", found, cursor, limit, lambda i: time_key(i.created_at, i.id)
    )
    return IndicatorPage(
        items=[_indicator_out(i) for i in page.items], **page_links(request, page.next_cursor)
    )


@put(
    "/projects/{project_id:uuid}/followups/{quarter:str}",
    operation_id="fileProjectFollowup",
    responses=problem_responses("not_found", "invalid_quarter", "followup_closed"),
    summary="File the quarter's follow-up: results, obstacles, needs, indicators' values "
    "(the project's lead; rewritten until co-evaluated)",
)
async def file_followup(
    project_id: FromPath[UUID],
    quarter: FromPath[str],
    data: JSONBody[FollowupIn],
    state: State,
    principal: CurrentPrincipal,
) -> FollowupOut:
    """One follow-up per project and quarter, from the quarter's first day."""
    values = {v.indicator_id: v.value for v in data.indicator_values}
    if len(values) != len(data.indicator_values):
        raise InvalidRequest("each indicator once", field="indicator_values")
    new = followups.NewFollowup(data.results, data.obstacles, data.needs, values)
    found = await followups.file_followup(runtime_of(state), principal, project_id, quarter, new)
    return _followup_out(found)


@get(
    "/projects/{project_id:uuid}/followups",
    operation_id="listProjectFollowups",
    responses=problem_responses("not_found"),
    summary="A project's quarterly follow-ups with their co-evaluation, oldest first",
)
async def list_followups(
    request: Request[Any, Any, Any],
    project_id: FromPath[UUID],
    state: State,
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> FollowupPage:
    found = await followups.followups(runtime_of(state), principal, project_id)
    # Oldest quarter first, like every list ("2026-Q4" sorts before "2027-Q1").
    page = page_in_memory("followups", found, cursor, limit, lambda f: f.quarter)
    return FollowupPage(
        items=[_followup_out(f) for f in page.items], **page_links(request, page.next_cursor)
    )


@post(
    "/projects/{project_id:uuid}/followups/{quarter:str}/evaluation",
    operation_id="evaluateProjectFollowup",
    responses=problem_responses("not_found", "invalid_quarter", "followup_closed"),
    summary="The group's co-evaluation of a quarter's follow-up, which closes it (a member "
    "of the project's group or its facilitator, not the lead)",
    status_code=201,
)
async def evaluate_followup(
    project_id: FromPath[UUID],
    quarter: FromPath[str],
    data: JSONBody[EvaluationIn],
    state: State,
    principal: CurrentPrincipal,
) -> FollowupOut:
    found = await followups.evaluate_followup(
        runtime_of(state), principal, project_id, quarter, data.assessment, data.comment
    )
    return _followup_out(found)


@get(
    "/projects/{project_id:uuid}/results",
    operation_id="getProjectResults",
    responses=problem_responses("not_found"),
    summary="What a project was granted, spent and delivered in hours, and what it achieved "
    "(its lead, its group, coordinators, partners)",
)
async def get_results(
    project_id: FromPath[UUID], state: State, principal: CurrentPrincipal
) -> ResultsOut:
    """Money and hours are summed from the ledger's postings on the project's accounts:
    granted (kinds `grant` and `allocation`), spent (`disbursement`), delivered
    (`delivery`); achievements are the latest follow-ups and each indicator's latest
    value against its target."""
    found = await followups.results(runtime_of(state), principal, project_id)
    record = found.project
    return ResultsOut(
        project_id=record.id,
        name=record.name,
        lead=record.lead_id,
        sheet=sheet_out(record),
        group_name=None if found.group is None else found.group.name,
        granted_cents=found.granted,
        spent_cents=found.spent,
        balance_cents=found.balance,
        delivered_minutes=found.delivered,
        indicators=[
            IndicatorResultOut(
                indicator=_indicator_out(i.indicator), value=i.value, quarter=i.quarter
            )
            for i in found.indicators
        ],
        followups=[_followup_out(f) for f in found.followups],
    )


ROUTES: list[HTTPRouteHandler] = [
    update_sheet,
    submit_idea,
    list_ideas,
    decide_idea,
    define_indicator,
    list_indicators,
    file_followup,
    list_followups,
    evaluate_followup,
    get_results,
]
